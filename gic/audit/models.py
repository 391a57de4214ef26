"""The append-only audit log: who did what, when, with before/after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.extensions import db
from gic.models import User
from gic.standins.models import Standin


class AuditEntry(db.Model):
    """One change. Rows are only ever inserted (no update, no delete path exists)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_groupement_at", "groupement_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    # The establishments concerned (directors see entries of their own).
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishment.id"),
                                                         index=True)
    other_establishment_id: Mapped[int | None] = mapped_column(
        ForeignKey("establishment.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(1000))
    # Set when the actor acted as a director's stand-in (« par X pour la direction de Y »).
    standin_id: Mapped[int | None] = mapped_column(ForeignKey("standin.id"))

    actor: Mapped[User | None] = relationship()
    standin: Mapped[Standin | None] = relationship()

    @property
    def on_behalf(self) -> str | None:
        """« pour la direction de Y (suppléance de Z) » for an action of a stand-in."""
        return self.standin.on_behalf if self.standin is not None else None
