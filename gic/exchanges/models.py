"""Tables of the exchanges area: the light log of advice given (axis 1).

An exchange is always free: it is never billed and never counts toward the
annual cap (it has no link with interventions or their sessions).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.extensions import db
from gic.models import Establishment, User


class Exchange(db.Model):
    """Advice or information given by a person of one establishment to another one."""

    __tablename__ = "exchange"
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("giver_establishment_id <> recipient_id", name="two_establishments"),
        Index("ix_exchange_groupement_date", "groupement_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    date: Mapped[date]
    giver_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    giver_establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"),
                                                        index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    giver: Mapped[User] = relationship()
    giver_establishment: Mapped[Establishment] = relationship(
        foreign_keys=[giver_establishment_id])
    recipient: Mapped[Establishment] = relationship(foreign_keys=[recipient_id])
