"""Interventions (requests between establishments) and their work sessions."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.convention import rules
from gic.convention.rules import Mode, Nature
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.formatting import numero
from gic.models import Establishment, User

if TYPE_CHECKING:
    from gic.secondments.models import Secondment


class State(Labelled):
    """Where a request stands (SPEC §3)."""

    DRAFT = "draft", N_("Brouillon")
    ACTIVE = "active", N_("Activée")
    ACCEPTED = "accepted", N_("Acceptée")
    COMPLETED = "completed", N_("Terminée")
    VALIDATED = "validated", N_("Validée")
    DECLINED = "declined", N_("Refusée")
    CANCELLED = "cancelled", N_("Annulée")

# The one list of transitions: action -> (states it starts from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[State], State]] = {
    "activate": (frozenset({State.DRAFT}), State.ACTIVE),
    "accept": (frozenset({State.ACTIVE}), State.ACCEPTED),
    "decline": (frozenset({State.ACTIVE}), State.DECLINED),
    "cancel": (frozenset({State.DRAFT, State.ACTIVE, State.ACCEPTED}), State.CANCELLED),
    "complete": (frozenset({State.ACCEPTED}), State.COMPLETED),
    "validate": (frozenset({State.COMPLETED}), State.VALIDATED),
}
# Sessions may be logged, changed or removed only in these states.
SESSION_STATES = frozenset({State.ACCEPTED})
# The beneficiary's own reference may be given or changed until the hours are validated.
REFERENCE_STATES = frozenset({State.DRAFT, State.ACTIVE, State.ACCEPTED, State.COMPLETED})


REFERENCE_MAX = 60
NAME_MAX = 200


class Urgency(Labelled):
    """How soon the beneficiary needs help."""

    NORMAL = "normal", N_("Normale")
    URGENT = "urgent", N_("Urgente")


class Intervention(db.Model):
    """A request from a beneficiary establishment to a provider establishment."""

    __tablename__ = "intervention"
    __table_args__ = (
        CheckConstraint("beneficiary_id <> provider_id", name="distinct_parties"),
        CheckConstraint("axis BETWEEN 1 AND 5", name="axis_range"),
        Index("ix_intervention_groupement_state", "groupement_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    axis: Mapped[int]
    nature: Mapped[Nature] = mapped_column(enum_type(Nature, 30))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[Urgency] = mapped_column(enum_type(Urgency, 10), default=Urgency.NORMAL)
    estimated_onsite_minutes: Mapped[int] = mapped_column(default=0)
    estimated_remote_minutes: Mapped[int] = mapped_column(default=0)
    # The free threshold of the convention version in force when the request
    # was drafted: the rule the parties agreed on, kept if the convention changes.
    threshold_minutes: Mapped[int]
    state: Mapped[State] = mapped_column(enum_type(State, 12), default=State.DRAFT)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The temporary secondment (R8) the work is done under, if any: billed under
    # it, never counted toward the cap (gic/secondments).
    secondment_id: Mapped[int | None] = mapped_column(ForeignKey("secondment.id"), index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    report: Mapped[str | None] = mapped_column(Text)
    # The beneficiary's own reference for the request (its ticket number…), if given.
    beneficiary_reference: Mapped[str | None] = mapped_column(String(REFERENCE_MAX))

    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    activated_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    validated_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    beneficiary: Mapped[Establishment] = relationship(foreign_keys=[beneficiary_id])
    provider: Mapped[Establishment] = relationship(foreign_keys=[provider_id])
    technician: Mapped[User | None] = relationship(foreign_keys=[technician_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    secondment: Mapped[Secondment | None] = relationship("Secondment")
    sessions: Mapped[list[InterventionSession]] = relationship(
        back_populates="intervention",
        order_by="(InterventionSession.date, InterventionSession.start_time)",
    )
    sheet: Mapped[InterventionSheet | None] = relationship(
        back_populates="intervention", lazy="select")

    def totals(self) -> rules.Totals:
        """On-site, remote and billable minutes of the logged sessions (R1–R4)."""
        facts = [rules.SessionFact(day=s.date, mode=s.mode, minutes=s.minutes)
                 for s in self.sessions]
        return rules.totals(facts, self.threshold_minutes)

    @property
    def title(self) -> str:
        """A short human name: « Demande n° 12 » (no-break space after « n° »)."""
        return gettext("Demande %(numero)s", numero=numero(self.id))


class InterventionSession(db.Model):
    """One block of work on one day (« temps passé »), logged by the technician."""

    __tablename__ = "intervention_session"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        Index("ix_session_intervention_year", "intervention_id", "year"),
        Index("ix_session_technician_date", "technician_id", "date"),
        # One session per key: a replayed entry (offline outbox, double tap, API
        # ``Idempotency-Key``) is stored once, even when two replays race.
        Index("uq_session_client_uuid", "client_uuid", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    date: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    mode: Mapped[Mode] = mapped_column(enum_type(Mode, 10))
    # Exact minutes in Europe/Paris (DST-aware), computed when stored.
    minutes: Mapped[int]
    # Civil year of ``date``, kept as a column for grouped billing queries.
    year: Mapped[int] = mapped_column(index=True)
    # Hourly rate (TTC) of the convention version in force on ``date`` (R6).
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    # The UUID the client made for this entry (canonical lower-case form), if any.
    client_uuid: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    intervention: Mapped[Intervention] = relationship(back_populates="sessions")
    technician: Mapped[User] = relationship()


class InterventionSheet(db.Model):
    """The intervention sheet signed at completion: the signature of the beneficiary's
    staff present and the technician's (PNG drawn on the touchscreen), their names and
    the server's times, and the PDF rendered from them once, then served as stored
    (the same bytes at every download: it is what both parties signed)."""

    __tablename__ = "intervention_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"), unique=True)
    signatory_name: Mapped[str] = mapped_column(String(NAME_MAX))
    signatory_signature: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    signatory_signed_at: Mapped[datetime]
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The name as it was when he signed (a later rename does not change the sheet).
    technician_name: Mapped[str] = mapped_column(String(NAME_MAX))
    technician_signature: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    technician_signed_at: Mapped[datetime]
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # Deferred: the page and the API say « fiche signée » without loading the files.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)

    intervention: Mapped[Intervention] = relationship(back_populates="sheet")
