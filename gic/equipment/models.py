"""Tables of the equipment area: the register of loans and donations (axis 5).

One row per movement: a **loan** goes out on ``date`` and is expected back on
``expected_return`` (the lender records ``returned_on``); a **donation** is
final and has neither. The establishment the item leaves is ``from_id`` (the
lender or giver), the one it goes to is ``to_id``; both belong to the movement's
groupement (checked by the services).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.models import Establishment, User


class MovementKind(Labelled):
    """A loan comes back; a donation does not."""

    LOAN = "loan", N_("Prêt")
    DONATION = "donation", N_("Don")


class Category(Labelled):
    """What kind of equipment (SPEC §2 axis 5: network, workstations, phones…)."""

    NETWORK = "network", N_("Réseau")
    WORKSTATION = "workstation", N_("Poste de travail")
    PHONE = "phone", N_("Téléphonie")
    PRINTING = "printing", N_("Impression")
    SERVER = "server", N_("Serveur")
    OTHER = "other", N_("Autre")


class Movement(db.Model):
    """One loan or donation of equipment between two establishments."""

    __tablename__ = "equipment_movement"
    __table_args__ = (
        CheckConstraint("kind IN ('loan', 'donation')", name="kind_known"),
        CheckConstraint("category IN ('network', 'workstation', 'phone', 'printing', "
                        "'server', 'other')", name="category_known"),
        CheckConstraint("from_id <> to_id", name="two_establishments"),
        CheckConstraint("(kind = 'loan' AND expected_return IS NOT NULL "
                        "AND expected_return > date) OR (kind = 'donation' "
                        "AND expected_return IS NULL AND returned_on IS NULL)",
                        name="loan_or_donation"),
        CheckConstraint("returned_on IS NULL OR returned_on >= date", name="return_after_date"),
        Index("ix_equipment_movement_groupement_date", "groupement_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    kind: Mapped[MovementKind] = mapped_column(enum_type(MovementKind, 10))
    from_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    item: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(enum_type(Category, 20))
    serial_number: Mapped[str] = mapped_column(String(100), default="")
    date: Mapped[date]
    expected_return: Mapped[date | None]
    returned_on: Mapped[date | None]
    condition_out: Mapped[str] = mapped_column(String(500), default="")
    condition_back: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    lender: Mapped[Establishment] = relationship(foreign_keys=[from_id])
    borrower: Mapped[Establishment] = relationship(foreign_keys=[to_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])

    @property
    def is_loan(self) -> bool:
        """True for a loan (which comes back), False for a donation."""
        return self.kind == MovementKind.LOAN

    @property
    def is_out(self) -> bool:
        """A loan not returned yet."""
        return self.is_loan and self.returned_on is None

    def days_late(self, today: date) -> int:
        """Days past the expected return for a loan still out (0 when not late)."""
        if not self.is_out or self.expected_return is None or today <= self.expected_return:
            return 0
        return (today - self.expected_return).days
