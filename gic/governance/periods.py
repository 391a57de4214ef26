"""The convention's periods: from its start, for its duration, renewed only by
unanimity (seed 002: « conclue pour 3 ans renouvelables avec accord de
l'ensemble des parties »).

- Periods that ended before the groupement was registered in GIC
  (``Groupement.created_at``) were renewed on paper, outside the application:
  the period in force on the registration day is the *base* period.
- Each renewal approved in GIC (an approved renewal procedure) adds one period
  right after the previous one, as long as the duration in force on its first day.
- The convention's end is the last period's end; past it, without a renewal, the
  convention has lapsed (shown on the identity card; the renewal job warns before).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import get_locale, gettext
from sqlalchemy import select

from gic.convention.history import terms_on
from gic.convention.rules import ConventionTerms
from gic.extensions import db
from gic.formatting import long_date
from gic.governance.models import Procedure, ProcedureKind, ProcedureStatus
from gic.models import Groupement


def period_end(terms: ConventionTerms, today: date) -> date | None:
    """Last day of the convention period containing ``today``: the first end
    (start + k × duration − 1 day, k ≥ 1) on or after today. None without a duration."""
    if terms.duration_years < 1:
        return None
    periods = 1
    while (end := replace(terms, duration_years=terms.duration_years * periods).end_date) < today:
        periods += 1
    return end


def end_after(start: date, duration_years: int) -> date:
    """The last day of a period of ``duration_years`` starting on ``start``."""
    return ConventionTerms(start_date=start, duration_years=duration_years, threshold_minutes=0,
                           cap_minutes=0, hourly_rate=0).end_date  # type: ignore[arg-type]


def reader_date(day: date) -> str:
    """« 1er janvier 2027 » for a French reader, "1 January 2027" for an English one: the
    language of the request (or of ``force_locale``), French outside any."""
    locale = get_locale()
    return long_date(day, str(locale) if locale else "fr")


@dataclass(frozen=True)
class Period:
    """One period of the convention; ``procedure`` is the renewal that added it."""

    start: date
    end: date
    procedure: Procedure | None = None

    @property
    def label(self) -> str:
        """How the period came to be, in French."""
        if self.procedure is not None:
            return gettext("renouvellement approuvé à l'unanimité")
        return gettext("période en vigueur à l'inscription du groupement dans GIC")


def registered_on(groupement: Groupement) -> date:
    """The day the groupement was registered in GIC."""
    return groupement.created_at.date()


def base_period(groupement: Groupement) -> Period:
    """The period in force when the groupement was registered (the first one if
    the convention started later), under the terms in force that day."""
    day = registered_on(groupement)
    terms = terms_on(groupement.id, day)
    years = max(terms.duration_years, 1)
    end = period_end(replace(terms, duration_years=years), max(day, terms.start_date))
    start = terms.start_date
    while (following := end_after(start, years) + timedelta(days=1)) <= end:
        start = following
    return Period(start, end)


def approved_renewals(groupement_id: int) -> list[Procedure]:
    """The renewals approved in GIC, in the order of their periods."""
    return list(db.session.scalars(select(Procedure).where(
        Procedure.groupement_id == groupement_id, Procedure.kind == ProcedureKind.RENEWAL,
        Procedure.status == ProcedureStatus.APPROVED, Procedure.new_period_end.is_not(None))
        .order_by(Procedure.new_period_end)))


def periods(groupement: Groupement) -> list[Period]:
    """The base period, then one period per approved renewal (contiguous)."""
    result = [base_period(groupement)]
    for procedure in approved_renewals(groupement.id):
        if procedure.new_period_end > result[-1].end:
            result.append(Period(result[-1].end + timedelta(days=1), procedure.new_period_end,
                                 procedure))
    return result


def convention_end(groupement: Groupement) -> date:
    """The last day of the convention as renewed so far."""
    return periods(groupement)[-1].end


def next_period_end(groupement: Groupement, current_end: date) -> date:
    """The end of the period a renewal of ``current_end`` would add: as long as the
    duration in force on its first day."""
    start = current_end + timedelta(days=1)
    return end_after(start, max(terms_on(groupement.id, start).duration_years, 1))
