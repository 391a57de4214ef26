"""Checks of a secondment proposal's meaning (SPEC §4 R8), for :mod:`.services`:
establishments of the groupement, period (temporary, after the convention's start,
no closed year: R9), pricing and amounts, seconded technicians. Each refusal is a
:class:`gic.errors.DomainError` naming the form field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import select

from gic.convention import rules, years
from gic.convention.history import terms_on
from gic.errors import InvalidField
from gic.extensions import db
from gic.models import Groupement, Role, User
from gic.secondments.models import Pricing

MAX_TEXT = 10_000
MAX_PROJECT = 200
MAX_PERIOD_DAYS = 3 * 366  # the convention's initial duration: beyond, not « temporary »
MAX_HOURLY_RATE = Decimal("1000.00")
MAX_LUMP_SUM = Decimal("1000000.00")


def check_period(groupement: Groupement, start: date | None, end: date | None) -> None:
    """Both dates, in order, from the convention's start, at most 3 years, open years."""
    if start is None:
        raise InvalidField(gettext("Indiquez le début de la période."), field="start_date")
    if end is None:
        raise InvalidField(gettext("Indiquez la fin de la période."), field="end_date")
    if end < start:
        raise InvalidField(gettext("La fin de la période doit être après son début."),
                           field="end_date")
    first = terms_on(groupement.id, date.min).start_date
    if start < first:
        raise InvalidField(gettext("La période commence avant la convention (%(day)s).",
                                   day=first.strftime("%d/%m/%Y")), field="start_date")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidField(gettext("Un détachement est temporaire : sa période ne dépasse pas "
                                   "la durée initiale de la convention (3 ans)."),
                           field="end_date")
    check_years_open(groupement.id, start, end)


def check_years_open(groupement_id: int, start: date, end: date) -> None:
    """R9: a secondment may not change the billing of a closed year."""
    years.check_open(groupement_id, range(start.year, end.year + 1),
                     message=rules.YEAR_CLOSED_PERIOD, field="start_date")


def _amount(value: Decimal | None, field: str, label: str, limit: Decimal) -> Decimal:
    try:
        value = Decimal(value)
        ok = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        ok = False
    if not ok or not Decimal(0) < value <= limit:
        top = f"{limit:.2f}".replace(".", ",")
        raise InvalidField(gettext("%(label)s : un montant positif en euros, au centime près "
                                   "(au plus %(top)s €).", label=label, top=top), field=field)
    return value


def check_pricing(pricing: str, hourly_rate: Decimal | None,
                  lump_sum: Decimal | None) -> tuple[Pricing, Decimal | None, Decimal | None]:
    """(pricing, hourly rate, lump sum): the agreed amount kept, the other one dropped."""
    try:
        value = Pricing(pricing)
    except ValueError:
        raise InvalidField(gettext("Choisissez un taux horaire ou un forfait."),
                           field="pricing") from None
    if value == Pricing.HOURLY:  # the other amount, if typed, is not the one agreed
        return value, _amount(hourly_rate, "hourly_rate", value.label,
                              MAX_HOURLY_RATE), None
    return value, None, _amount(lump_sum, "lump_sum", value.label, MAX_LUMP_SUM)


def seconded_technicians(provider_id: int, ids: Iterable[int]) -> list[User]:
    """The named users, if each is an active technician of the provider."""
    ids = sorted(set(ids))
    if not ids:
        return []
    users = list(db.session.scalars(select(User).where(User.id.in_(ids))))
    if len(users) != len(ids) or any(
            u.role != Role.TECHNICIAN or not u.active or u.establishment_id != provider_id
            for u in users):
        raise InvalidField(gettext("Les techniciens détachés sont des techniciens de "
                                   "l'établissement prestataire."), field="technician_ids")
    return users
