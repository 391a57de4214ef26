"""Year closures (R9): a closed year's billing is frozen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gic import timeutil
from gic.extensions import db


class YearClosure(db.Model):
    """The closing state of one civil year of one groupement (history in the audit log)."""

    __tablename__ = "year_closure"
    __table_args__ = (UniqueConstraint("groupement_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    year: Mapped[int]
    closed: Mapped[bool] = mapped_column(default=True)
    closed_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reopened_at: Mapped[datetime | None]
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
