"""Tables of the secondments area: a temporary secondment (« détachement
temporaire », SPEC §4 R8) between a provider and a beneficiary establishment,
and the provider's technicians named in it.

A secondment is *proposed*, then *approved* once the directors of BOTH
establishments have approved it (each approval kept with who and when), or
*refused* by either director (with a reason), or *cancelled* by its proposer
before approval. « Ended » is not stored: an approved secondment whose period
is over (see :meth:`Secondment.phase`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.formatting import numero
from gic.models import Establishment, User


class SecondmentStatus(Labelled):
    """Where a secondment's procedure stands (stored)."""

    PROPOSED = "proposed", N_("En attente d'approbation")
    APPROVED = "approved", N_("Approuvé")
    REFUSED = "refused", N_("Refusé")
    CANCELLED = "cancelled", N_("Annulé")


class Phase(Labelled):
    """What pages show of an approved secondment, by the calendar (not stored)."""

    UPCOMING = "upcoming", N_("Approuvé, à venir")
    ONGOING = "ongoing", N_("En cours")
    ENDED = "ended", N_("Terminé")


class Pricing(Labelled):
    """How the beneficiary pays: an agreed hourly rate, or a lump sum."""

    HOURLY = "hourly", N_("Taux horaire convenu")
    LUMP_SUM = "lump_sum", N_("Forfait")


class Secondment(db.Model):
    """A temporary secondment for a named project, approved by both directors."""

    __tablename__ = "secondment"
    __table_args__ = (
        CheckConstraint("provider_id <> beneficiary_id", name="distinct_parties"),
        CheckConstraint("end_date >= start_date", name="period_ordered"),
        CheckConstraint("status IN ('proposed', 'approved', 'refused', 'cancelled')",
                        name="status_known"),
        CheckConstraint(
            "(pricing = 'hourly' AND hourly_rate IS NOT NULL AND lump_sum IS NULL) OR "
            "(pricing = 'lump_sum' AND lump_sum IS NOT NULL AND hourly_rate IS NULL)",
            name="pricing_consistent"),
        Index("ix_secondment_groupement_status", "groupement_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    project: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date]
    end_date: Mapped[date]
    pricing: Mapped[Pricing] = mapped_column(enum_type(Pricing, 10))
    # Tax included (TTC), like the convention's rate.
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    lump_sum: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status: Mapped[SecondmentStatus] = mapped_column(enum_type(SecondmentStatus, 12),
                                                     default=SecondmentStatus.PROPOSED)

    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    provider_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    provider_approved_at: Mapped[datetime | None]
    beneficiary_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    beneficiary_approved_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    refused_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    refused_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    provider: Mapped[Establishment] = relationship(foreign_keys=[provider_id])
    beneficiary: Mapped[Establishment] = relationship(foreign_keys=[beneficiary_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    provider_approved_by: Mapped[User | None] = relationship(
        foreign_keys=[provider_approved_by_id])
    beneficiary_approved_by: Mapped[User | None] = relationship(
        foreign_keys=[beneficiary_approved_by_id])
    refused_by: Mapped[User | None] = relationship(foreign_keys=[refused_by_id])
    technicians: Mapped[list[User]] = relationship(
        secondary="secondment_technician", order_by="User.name", viewonly=True)

    @property
    def title(self) -> str:
        """A short human name: « Détachement n° 3 » (no-break space after « n° »)."""
        return gettext("Détachement %(number)s", number=numero(self.id))

    @property
    def rate_or_sum(self) -> Decimal:
        """The agreed hourly rate or the lump sum, whichever the pricing uses."""
        return self.hourly_rate if self.pricing == Pricing.HOURLY else self.lump_sum

    def phase(self, today: date) -> SecondmentStatus | Phase:
        """The status as pages show it: an approved secondment is upcoming,
        ongoing or ended depending on ``today`` and its period."""
        if self.status != SecondmentStatus.APPROVED:
            return self.status
        if today < self.start_date:
            return Phase.UPCOMING
        return Phase.ONGOING if today <= self.end_date else Phase.ENDED


class SecondmentTechnician(db.Model):
    """A technician of the provider named in a secondment (optional, several)."""

    __tablename__ = "secondment_technician"
    __table_args__ = (UniqueConstraint("secondment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secondment_id: Mapped[int] = mapped_column(ForeignKey("secondment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
