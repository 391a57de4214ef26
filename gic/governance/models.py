"""Tables of the governance area: the groupement's identity card, and the
procedures decided by unanimity of the member establishments' directors
(a candidate's membership, the convention's renewal) with one ballot per
member establishment.

The electorate of a procedure is frozen when it opens: one :class:`Ballot` row
per member establishment of that day, filled once by one of its directors. An
establishment that joins later does not vote on it, and a candidate never votes
on its own membership.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.convention.weights import VoteRule
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.meetings.models import VoteChoice
from gic.models import Establishment, Groupement, User


class ProcedureKind(Labelled):
    """What the directors decide."""

    MEMBERSHIP = "membership", N_("Adhésion d'un nouvel établissement")
    RENEWAL = "renewal", N_("Renouvellement de la convention")


class ProcedureStatus(Labelled):
    """Open until every member approved (approved), one refused (refused), or the
    coordinator withdrew it (withdrawn)."""

    OPEN = "open", N_("En cours")
    APPROVED = "approved", N_("Approuvée à l'unanimité")
    REFUSED = "refused", N_("Refusée")
    WITHDRAWN = "withdrawn", N_("Retirée")

WEIGHTED_APPROVED_LABEL = N_("Approuvée au vote pondéré")

# The two choices of a ballot: the meetings' vote values (no abstention here).
BALLOT_CHOICES = (VoteChoice.FOR, VoteChoice.AGAINST)


class GroupementProfile(db.Model):
    """The identity card (« carte d'identité du groupement », seed 002): what the
    coordinator writes. Partner establishments, the convention's dates and the
    resource persons' default come from the live tables."""

    __tablename__ = "groupement_profile"
    __table_args__ = (
        UniqueConstraint("groupement_id"),
        CheckConstraint("resource_persons IS NULL OR resource_persons >= 0",
                        name="resource_persons_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    sector: Mapped[str] = mapped_column(String(200), default="")
    public_served: Mapped[str] = mapped_column(Text, default="")
    cooperation: Mapped[str] = mapped_column(Text, default="")
    agreements: Mapped[str] = mapped_column(Text, default="")
    # None: the number of active technicians of the member establishments.
    resource_persons: Mapped[int | None]
    entry_terms: Mapped[str] = mapped_column(Text, default="")
    governance: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    groupement: Mapped[Groupement] = relationship()
    updated_by: Mapped[User | None] = relationship()


class Procedure(db.Model):
    """A decision that needs every member director's approval."""

    __tablename__ = "governance_procedure"
    __table_args__ = (
        CheckConstraint("kind IN ('membership', 'renewal')", name="kind_known"),
        CheckConstraint("status IN ('open', 'approved', 'refused', 'withdrawn')",
                        name="status_known"),
        # While open: « renewal », or the candidate's FINESS. One open renewal at a
        # time and one open candidacy per FINESS, whatever races (NULLs never clash).
        UniqueConstraint("groupement_id", "kind", "open_key"),
        CheckConstraint("rule IN ('unanimity', 'weighted')", name="rule_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    kind: Mapped[ProcedureKind] = mapped_column(enum_type(ProcedureKind, 12))
    status: Mapped[ProcedureStatus] = mapped_column(enum_type(ProcedureStatus, 12),
                                                   default=ProcedureStatus.OPEN)
    open_key: Mapped[str | None] = mapped_column(String(20))
    # Membership: the candidate as proposed; its establishment row exists from the
    # start when created directly (admin page, API), else from its admission.
    candidate_name: Mapped[str] = mapped_column(String(200), default="")
    candidate_finess: Mapped[str] = mapped_column(String(9), default="")
    candidate_contact: Mapped[str] = mapped_column(String(500), default="")
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishment.id"))
    # Renewal: the end of the period renewed, and the new end once approved.
    period_end: Mapped[date | None]
    new_period_end: Mapped[date | None]
    message: Mapped[str] = mapped_column(Text, default="")
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    # Bumped first by every vote: serialises the last votes (see procedures._lock).
    lock_version: Mapped[int] = mapped_column(default=0)
    # Issue 16 item 6: unanimity (per-intervention model, or chosen at the opening),
    # or weighted by the members' contributions of ``weight_year`` with the quorum
    # and majority of the version in force at the opening (ballots keep the weights).
    rule: Mapped[VoteRule] = mapped_column(enum_type(VoteRule, 10), default=VoteRule.UNANIMITY,
                                           server_default=VoteRule.UNANIMITY.value)
    quorum_percent: Mapped[int | None]
    majority_percent: Mapped[int | None]
    weight_year: Mapped[int | None]

    groupement: Mapped[Groupement] = relationship()
    establishment: Mapped[Establishment | None] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    ballots: Mapped[list[Ballot]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="Ballot.id")

    @property
    def status_label(self) -> str:
        """The status, saying « au vote pondéré » for a weighted approval."""
        if self.is_weighted and self.status == ProcedureStatus.APPROVED:
            return gettext(WEIGHTED_APPROVED_LABEL)
        return self.status.label

    @property
    def is_weighted(self) -> bool:
        """Decided by the members' weighted votes rather than by unanimity."""
        return self.rule == VoteRule.WEIGHTED

    @property
    def is_open(self) -> bool:
        return self.status == ProcedureStatus.OPEN

    @property
    def title(self) -> str:
        """« Adhésion : IME de Bagnères » / « Renouvellement de la convention »."""
        if self.kind == ProcedureKind.MEMBERSHIP:
            return gettext("Adhésion : %(name)s", name=self.candidate_name)
        return ProcedureKind.RENEWAL.label


class Ballot(db.Model):
    """One member establishment's vote on a procedure, cast once by a director."""

    __tablename__ = "governance_ballot"
    __table_args__ = (
        UniqueConstraint("procedure_id", "establishment_id"),
        CheckConstraint("choice IS NULL OR choice IN ('for', 'against')", name="choice_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("governance_procedure.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    choice: Mapped[VoteChoice | None] = mapped_column(enum_type(VoteChoice, 10))
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cast_at: Mapped[datetime | None]
    # A weighted procedure: the member's contributions of the year at the opening.
    weight: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    procedure: Mapped[Procedure] = relationship(back_populates="ballots")
    establishment: Mapped[Establishment] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def choice_label(self) -> str:
        return self.choice.label if self.choice else gettext("pas encore voté")

    @property
    def comment(self) -> str:
        """The reason, under the name the meetings' vote tables read."""
        return self.reason
