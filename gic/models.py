"""Core models: groupements, their convention versions, establishments, people.

Domain areas keep their own models (``gic/interventions/models.py``…); this
module holds what every area refers to.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from gic import timeutil
from gic.convention.constants import (
    DEFAULT_CAP_MINUTES,
    DEFAULT_DURATION_YEARS,
    DEFAULT_HOURLY_RATE,
    DEFAULT_THRESHOLD_MINUTES,
)
from gic.convention.rules import ConventionTerms
from gic.database import enum_type
from gic.enums import N_, Labelled, Language
from gic.extensions import db


class Role(Labelled):
    """What a person may do; see SPEC §1.

    Users are women and men: a role is named by its function, never by a gendered
    job title (« Direction », not « Directeur »)."""

    TECHNICIAN = "technician", N_("Technique")
    DIRECTOR = "director", N_("Direction")
    ACCOUNTANT = "accountant", N_("Comptabilité")
    COORDINATOR = "coordinator", N_("Coordination")


# werkzeug's default; PASSWORD_HASH_METHOD may name another (the tests' cheap pbkdf2).
DEFAULT_HASH_METHOD = "scrypt"


class Groupement(db.Model):
    """A GIC/GCSMS: establishments sharing technicians under one convention."""

    __tablename__ = "groupement"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)

    establishments: Mapped[list[Establishment]] = relationship(
        back_populates="groupement", order_by="Establishment.name"
    )
    convention_versions: Mapped[list[ConventionVersion]] = relationship(
        back_populates="groupement", order_by="ConventionVersion.valid_from"
    )


class ConventionModel(Labelled):
    """How a convention version bills (issue 16): after the fact, per intervention
    (GIC 65: threshold, cap, rate), or hours ordered in advance with provisional
    calls and a year-end regularisation (a GCSMS like the ISI; gic.convention.rules_ordered)."""

    PER_INTERVENTION = ("per_intervention",
                        N_("Facturation à l'intervention (seuil, plafond, taux)"))
    ORDERED_HOURS = "ordered_hours", N_("Heures commandées (appels provisionnels, régularisation)")


class ConventionVersion(db.Model):
    """The convention's parameters from ``valid_from`` on; past years keep theirs."""

    __tablename__ = "convention_version"
    __table_args__ = (
        UniqueConstraint("groupement_id", "valid_from"),
        CheckConstraint("threshold_minutes >= 0", name="threshold_positive"),
        CheckConstraint("cap_minutes >= 0", name="cap_positive"),
        CheckConstraint("hourly_rate >= 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    valid_from: Mapped[date]
    start_date: Mapped[date]
    duration_years: Mapped[int] = mapped_column(default=DEFAULT_DURATION_YEARS)
    threshold_minutes: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLD_MINUTES)
    cap_minutes: Mapped[int] = mapped_column(default=DEFAULT_CAP_MINUTES)
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=DEFAULT_HOURLY_RATE)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # Issue 16: the version's model. The ordered-hours settings below mean nothing
    # to a per-intervention version (its threshold_minutes applies to both; 0 = none).
    model: Mapped[ConventionModel] = mapped_column(
        enum_type(ConventionModel, 20), default=ConventionModel.PER_INTERVENTION,
        server_default=ConventionModel.PER_INTERVENTION.value)
    # May a beneficiary consume more than its hours ordered?
    overrun_allowed: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Weighted votes of the general assembly (item 6): the weight present for a
    # quorum, and the weight of the votes cast a decision needs (more than it).
    quorum_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    majority_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    # The provisional call of the first semester, in this many instalments.
    instalments: Mapped[int] = mapped_column(default=1, server_default="1")

    groupement: Mapped[Groupement] = relationship(back_populates="convention_versions")

    @property
    def is_ordered_hours(self) -> bool:
        """True for a version of the ordered-hours model."""
        return self.model == ConventionModel.ORDERED_HOURS

    def terms(self) -> ConventionTerms:
        """The pure-value view of this version used by :mod:`gic.convention.rules`."""
        return ConventionTerms(
            start_date=self.start_date,
            duration_years=self.duration_years,
            threshold_minutes=self.threshold_minutes,
            cap_minutes=self.cap_minutes,
            hourly_rate=Decimal(self.hourly_rate),
            model=str(self.model or ConventionModel.PER_INTERVENTION),
            overrun_allowed=bool(self.overrun_allowed is None or self.overrun_allowed),
        )


class MembershipStatus(enum.StrEnum):
    """Whether an establishment takes part in the groupement (SPEC §7: a candidate
    joins only when every member's director has approved; see gic/governance)."""

    MEMBER = "member"
    CANDIDATE = "candidate"
    NOT_ADMITTED = "not_admitted"


class Participation(Labelled):
    """How an establishment takes part in an ordered-hours groupement (issue 16): a
    member votes and shares the year's surplus or deficit; a « utilisateur » orders
    hours, is called and consumes, but never votes nor shares the result."""

    MEMBER = "member", N_("Membre")
    USER = "user", N_("Utilisateur")


class PayerKind(Labelled):
    """Public payers are invoiced through Chorus Pro; private ones directly."""

    PUBLIC = "public", N_("Public (factures par Chorus Pro)")
    PRIVATE = "private", N_("Privé")


class VatRegime(Labelled):
    """Most members are outside VAT: their documents say so."""

    NOT_SUBJECT = "not_subject", N_("Non assujetti à la TVA")
    SUBJECT = "subject", N_("Assujetti à la TVA")

    @property
    def mention(self) -> str:
        """What the documents print: « Établissement non assujetti à la TVA. »"""
        return f"Établissement {self.label[0].lower()}{self.label[1:]}."


class Establishment(db.Model):
    """A member establishment (ESMS), identified by its FINESS number."""

    __tablename__ = "establishment"
    __table_args__ = (UniqueConstraint("groupement_id", "finess"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    finess: Mapped[str] = mapped_column(String(9))
    # Only members take part in interventions, loans, secondments… (gic.convention.members).
    status: Mapped[MembershipStatus] = mapped_column(
        enum_type(MembershipStatus, 12), default=MembershipStatus.MEMBER,
        server_default=MembershipStatus.MEMBER.value)
    # Bumped by every write that must be serialised per beneficiary (the cap
    # check): the UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite).
    lock_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # Billing identity (issue 15): who pays, as written on the documents; empty
    # until the coordinator fills it (gic/admin/identity.py checks it).
    legal_name: Mapped[str | None] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14))
    payer_kind: Mapped[PayerKind | None] = mapped_column(enum_type(PayerKind, 10))
    vat_regime: Mapped[VatRegime | None] = mapped_column(enum_type(VatRegime, 12))
    street: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(String(100))
    chorus_service_code: Mapped[str | None] = mapped_column(String(100))
    # Issue 16: member (votes, shares the result) or « utilisateur ».
    participation: Mapped[Participation] = mapped_column(
        enum_type(Participation, 10), default=Participation.MEMBER,
        server_default=Participation.MEMBER.value)

    groupement: Mapped[Groupement] = relationship(back_populates="establishments")
    engagements: Mapped[list[EstablishmentEngagement]] = relationship(
        back_populates="establishment", order_by="EstablishmentEngagement.year.desc()",
        cascade="all, delete-orphan")

    @property
    def has_billing_identity(self) -> bool:
        """True once the coordinator has saved the billing identity."""
        return self.siret is not None

    @property
    def is_user_participant(self) -> bool:
        """True for a « utilisateur » of an ordered-hours groupement (never votes)."""
        return self.participation == Participation.USER

    @property
    def is_member(self) -> bool:
        """True for a member (founding, or admitted by unanimity), not a candidate."""
        return self.status == MembershipStatus.MEMBER


class EstablishmentEngagement(db.Model):
    """A public payer's engagement number (bon de commande) for one year, printed on
    that year's documents and given to Chorus Pro."""

    __tablename__ = "establishment_engagement"
    __table_args__ = (UniqueConstraint("establishment_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    year: Mapped[int]
    number: Mapped[str] = mapped_column(String(50))

    establishment: Mapped[Establishment] = relationship(back_populates="engagements")


def password_hash_method() -> str:
    """How new passwords are hashed: werkzeug's scrypt unless the app says otherwise
    (the test suite hashes with a cheap pbkdf2: hundreds of users a minute)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_HASH_METHOD)
    return DEFAULT_HASH_METHOD


LANGUAGE_CHECK = "language IN (" + ", ".join(f"'{v.value}'" for v in Language) + ")"


class User(UserMixin, db.Model):
    """A person of one groupement, usually attached to one establishment."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint(LANGUAGE_CHECK, name="language_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int | None] = mapped_column(
        ForeignKey("establishment.id"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # False: notifications stay in the app, no e-mail (chosen on the profile page).
    notify_by_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The interface's language, chosen on the profile page (French unless he chose English).
    language: Mapped[Language] = mapped_column(enum_type(Language, 5), default=Language.FR,
                                               server_default=Language.FR.value)
    # Changed when the password changes or at logout: invalidates old sessions.
    session_token: Mapped[str] = mapped_column(
        String(64), default=lambda: secrets.token_hex(16)
    )
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)

    groupement: Mapped[Groupement] = relationship()
    establishment: Mapped[Establishment | None] = relationship()

    def set_password(self, password: str) -> None:
        """Store a salted hash, never the password (``PASSWORD_HASH_METHOD``)."""
        self.password_hash = generate_password_hash(password, password_hash_method())

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login id: user id plus session token, so logout invalidates."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Optional: the token stops working at this instant (naive UTC).
    expires_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def is_expired(self) -> bool:
        """True once ``expires_at`` is past."""
        return self.expires_at is not None and self.expires_at <= timeutil.utcnow()

    @staticmethod
    def hash(raw: str) -> str:
        """The stored form of a token (tokens are random, so a plain SHA-256 suffices)."""
        return hashlib.sha256(raw.encode()).hexdigest()


class LoginFailure(db.Model):
    """A failed login (web or API), used to slow down password guessing."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, index=True)
