"""Checks of meaning shared by the areas' services, first written for the three
light cooperation registers: equipment (axis 5), trainings (axis 4), exchanges
and advice (axis 1); governance uses :func:`clean_text` too.

Each raises a :mod:`gic.errors` refusal with a French message and the name of
the form field it concerns, like the interventions' services.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from gic import timeutil
from gic.convention import rules, years
from gic.convention.members import check_members
from gic.errors import Forbidden, InvalidField
from gic.extensions import db
from gic.models import Establishment, Groupement, User
from gic.roles import is_staff


def today_of(groupement_id: int) -> date:
    """Today in the groupement's time zone."""
    return timeutil.local_today(db.session.get(Groupement, groupement_id).timezone)


def establishment_ids(groupement_id: int) -> list[int]:
    """The groupement's establishments by name (every bilan row, zeros included)."""
    return list(db.session.scalars(
        select(Establishment.id).where(Establishment.groupement_id == groupement_id)
        .order_by(Establishment.name, Establishment.id)))


def require_staff(user: User, message: str) -> int:
    """The user's establishment, if he is one of its technicians or directors."""
    if not is_staff(user):
        raise Forbidden(message)
    return user.establishment_id


def clean_text(value: str | None, field: str, *, label: str, max_length: int,
               required: bool = False) -> str:
    """Stripped text: no NUL, not empty when required, at most ``max_length`` characters."""
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidField(gettext("%(label)s contient un caractère invalide.", label=label),
                           field=field)
    if required and not value:
        raise InvalidField(gettext("%(label)s est obligatoire.", label=label), field=field)
    if len(value) > max_length:
        raise InvalidField(gettext("%(label)s est trop long (%(max)s caractères au plus).",
                                   label=label, max=max_length), field=field)
    return value


def establishment_in(groupement_id: int, establishment_id: int | None,
                     field: str) -> Establishment:
    """A member establishment of the groupement (another groupement's is unknown
    here; a candidate not admitted yet takes no part: 409)."""
    e = db.session.get(Establishment, establishment_id) if establishment_id else None
    if e is None or e.groupement_id != groupement_id:
        raise InvalidField(gettext("Établissement inconnu dans ce groupement."), field=field)
    check_members(e, field=field)
    return e


def member_staff(user: User, message: str) -> int:
    """:func:`require_staff`, and the user's establishment must be a member."""
    eid = require_staff(user, message)
    check_members(db.session.get(Establishment, eid))
    return eid


def check_day(day: date | None, field: str, *, label: str | None = None,
              not_after: date | None = None) -> date:
    """A date of a plausible year, and not after ``not_after`` when given (today)."""
    label = label or gettext("La date")
    if day is None:
        raise InvalidField(gettext("%(label)s est obligatoire.", label=label), field=field)
    if not rules.is_plausible_year(day.year):
        raise InvalidField(gettext("%(label)s n'est pas une date plausible.", label=label),
                           field=field)
    if not_after is not None and day > not_after:
        raise InvalidField(gettext("%(label)s ne peut pas être dans le futur.", label=label),
                           field=field)
    return day


def check_years_open(groupement_id: int, days: Iterable[date], field: str = "date") -> None:
    """Refuse a change touching a closed year: what it holds is settled for good
    (the bilan of that year is frozen with its billing, R9)."""
    years.check_open(groupement_id, {d.year for d in days}, message=rules.YEAR_CLOSED_RECORDS,
                     field=field)


def minutes_in(value: int | None, field: str, *, label: str, maximum: int) -> int:
    """A duration in minutes: more than 0 and at most ``maximum``."""
    if value is None or value <= 0:
        raise InvalidField(gettext("%(label)s doit être supérieure à zéro.", label=label),
                           field=field)
    if value > maximum:
        raise InvalidField(gettext("%(label)s est trop longue (%(hours)s h au plus).",
                                   label=label, hours=maximum // 60), field=field)
    return value
