"""A groupement's convention versions (SPEC §2), read once per transaction, and which
of them governs a day or a year.

:func:`history` reads the versions in one query and keeps them for the rest of the
transaction (:func:`gic.database.memo`: forgotten at each commit and rollback, and
when the session flushes a change to a version). A request asks for the terms of
many days (each session's rate, each year's cap and model): :class:`History`
answers them all from what was read, without a query.

Which version governs: on a day, the last one started by then (the first one
before the convention starts); for a civil year, the one in force on 1 January (or
the first version, for the convention's first year), so a year has one cap, one
model and one rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import event, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from gic.convention.rules import ConventionTerms
from gic.database import forget, memo
from gic.extensions import db
from gic.models import ConventionModel, ConventionVersion

HISTORY = "convention_history"


@dataclass(frozen=True)
class History:
    """A groupement's versions, oldest first; pure reads of what was loaded."""

    groupement_id: int
    versions: tuple[ConventionVersion, ...]

    def version_on(self, day: date) -> ConventionVersion:
        """The version in force on ``day``; before the first one, the first one."""
        if not self.versions:
            raise NoResultFound(
                f"Le groupement {self.groupement_id} n'a aucune version de convention.")
        return next((v for v in reversed(self.versions) if v.valid_from <= day),
                    self.versions[0])

    def terms_on(self, day: date) -> ConventionTerms:
        """Convention parameters in force on ``day`` (the first version before it starts)."""
        return self.version_on(day).terms()

    def year_version(self, year: int) -> ConventionVersion:
        """The version that governs ``year``: the one in force on 1 January."""
        return self.version_on(date(year, 1, 1))

    def cap_for_year(self, year: int) -> int:
        """The annual cap of ``year`` (R5), that of the version governing the year."""
        return self.year_version(year).terms().cap_minutes

    def model_of_year(self, year: int) -> ConventionModel:
        """The model that governs ``year``."""
        return ConventionModel(self.year_version(year).model)

    def is_ordered(self, year: int) -> bool:
        """True when ``year`` is under the ordered-hours model."""
        return self.model_of_year(year) == ConventionModel.ORDERED_HOURS


def history(groupement_id: int) -> History:
    """The groupement's versions, oldest first, read once per transaction."""
    loaded = memo(HISTORY)
    if groupement_id not in loaded:
        loaded[groupement_id] = History(groupement_id, tuple(db.session.scalars(
            select(ConventionVersion).where(ConventionVersion.groupement_id == groupement_id)
            .order_by(ConventionVersion.valid_from))))
    return loaded[groupement_id]


@event.listens_for(Session, "after_flush")
def _forget_changed_history(session: Session, _context) -> None:
    if any(isinstance(o, ConventionVersion)
           for o in (*session.new, *session.dirty, *session.deleted)):
        forget(HISTORY, session)


# --- Shortcuts for one question ---------------------------------------------------------

def version_on(groupement_id: int, day: date) -> ConventionVersion:
    """The version in force on ``day`` (:meth:`History.version_on`)."""
    return history(groupement_id).version_on(day)


def terms_on(groupement_id: int, day: date) -> ConventionTerms:
    """The terms in force on ``day`` (:meth:`History.terms_on`)."""
    return history(groupement_id).terms_on(day)


def year_version(groupement_id: int, year: int) -> ConventionVersion:
    """The version that governs ``year`` (:meth:`History.year_version`)."""
    return history(groupement_id).year_version(year)


def cap_for_year(groupement_id: int, year: int) -> int:
    """The annual cap of ``year`` (:meth:`History.cap_for_year`)."""
    return history(groupement_id).cap_for_year(year)


def model_on(groupement_id: int, day: date) -> ConventionModel:
    """The convention model in force on ``day``."""
    return ConventionModel(version_on(groupement_id, day).model)


def model_of_year(groupement_id: int, year: int) -> ConventionModel:
    """The model that governs ``year`` (:meth:`History.model_of_year`)."""
    return history(groupement_id).model_of_year(year)


def is_ordered(groupement_id: int, year: int) -> bool:
    """True when ``year`` of the groupement is under the ordered-hours model."""
    return history(groupement_id).is_ordered(year)
