"""A stand-in (« suppléance »): from ``starts_on`` to ``ends_on`` (both included), the
person ``standin`` may do the actions of the director ``director`` for the
establishment (see :mod:`gic.standins.access`). The ranges of one establishment do
not overlap (checked by the service under a lock on the establishment's row). A
stand-in ended early keeps its row, with ``ended_early_at``: the audit log's
entries made through it still name it.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.enums import N_
from gic.extensions import db
from gic.formatting import long_date
from gic.models import Establishment, User


class Standin(db.Model):
    """One person standing in for a director of his establishment, for a date range."""

    __tablename__ = "standin"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="range_ordered"),
        CheckConstraint("standin_id <> director_id", name="not_oneself"),
        Index("ix_standin_establishment_dates", "establishment_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    director_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    standin_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    ended_early_at: Mapped[datetime | None]

    establishment: Mapped[Establishment] = relationship()
    director: Mapped[User] = relationship(foreign_keys=[director_id])
    standin: Mapped[User] = relationship(foreign_keys=[standin_id])

    def in_force_on(self, day: date) -> bool:
        """True when ``day`` is in the range and the stand-in was not ended early."""
        return self.ended_early_at is None and self.starts_on <= day <= self.ends_on

    def status_on(self, day: date) -> str:
        """« en cours », « à venir », « terminée » or « terminée par anticipation »
        (in French: the page compares it, then shows its translation)."""
        if self.ended_early_at is not None:
            return N_("terminée par anticipation")
        if day < self.starts_on:
            return N_("à venir")
        return N_("en cours") if day <= self.ends_on else N_("terminée")

    @property
    def range_label(self) -> str:
        """« du 1 décembre 2026 au 15 décembre 2026 »."""
        return gettext("du %(start)s au %(end)s", start=long_date(self.starts_on),
                       end=long_date(self.ends_on))

    @property
    def on_behalf(self) -> str:
        """What the audit log and the pages say of an action done through it."""
        return gettext("pour la direction de %(establishment)s (suppléance de %(director)s)",
                       establishment=self.establishment.name, director=self.director.name)
