"""Which civil years of a groupement are closed, and R9 against them.

The accountant closes a year (:func:`gic.billing.services.close_year`); from then
on nothing may change what it holds: sessions, billing, registers, secondments,
convention versions. Every area asks here; the rule and its wording are
:func:`gic.convention.rules.check_years_open`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from gic.billing.models import YearClosure
from gic.convention import rules
from gic.errors import DomainError, RuleRefused
from gic.extensions import db


def closed_years(groupement_id: int) -> set[int]:
    """Years whose billing is frozen."""
    return set(db.session.scalars(
        select(YearClosure.year).where(YearClosure.groupement_id == groupement_id,
                                       YearClosure.closed.is_(True))))


def is_closed(groupement_id: int, year: int) -> bool:
    """True when ``year`` is closed for the groupement."""
    return year in closed_years(groupement_id)


def check_open(groupement_id: int, years: Iterable[int], *, message: str = rules.YEAR_CLOSED,
               field: str | None = None, error: type[DomainError] = RuleRefused) -> None:
    """R9: refuse a change touching one of the groupement's closed ``years``
    (:func:`gic.convention.rules.check_years_open`, one query)."""
    rules.check_years_open(years, closed_years(groupement_id), message=message, field=field,
                           error=error)
