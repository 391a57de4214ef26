"""Year closures (R9): a closed year's billing is frozen; its numbered settlement
statements and credit statements (issue 15)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
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


class StatementKind(Labelled):
    """A settlement statement, or the credit statement that cancels one."""

    STATEMENT = "statement", N_("Relevé de règlement")
    CREDIT = "credit", N_("Avoir")


class DocumentCounter(db.Model):
    """The last number given to a document of one groupement for one billed year.

    Taken ``FOR UPDATE`` by whoever numbers a document, so numbers follow each
    other without a gap nor a double whatever closes or reopens at the same time
    (issue 15, item 2)."""

    __tablename__ = "document_counter"
    __table_args__ = (UniqueConstraint("groupement_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    year: Mapped[int]
    last_sequence: Mapped[int] = mapped_column(default=0)


class SettlementStatement(db.Model):
    """A numbered document of a closed year: the statement of one settlement line
    (``payer`` pays ``payee`` ``amount``), or the credit statement that cancels one
    when the year is reopened (``cancels_id``).

    ``data`` is what the document shows, frozen when it is issued (both parties'
    identities, the interventions, the totals); ``pdf`` is rendered once from it
    and served as stored, the same bytes at every download; ``facturx`` is the
    Factur-X PDF/A-3 of the same document, or None when ``facturx_missing`` says
    why it cannot be made (a party without SIRET).
    """

    __tablename__ = "settlement_statement"
    __table_args__ = (UniqueConstraint("groupement_id", "year", "sequence"),
                      UniqueConstraint("groupement_id", "number"),
                      CheckConstraint("amount >= 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[StatementKind] = mapped_column(enum_type(StatementKind, 10))
    payer_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    payee_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # A credit statement: the statement it cancels.
    cancels_id: Mapped[int | None] = mapped_column(ForeignKey("settlement_statement.id"))
    # A statement: when a credit statement cancelled it (the year was reopened).
    cancelled_at: Mapped[datetime | None]
    data: Mapped[dict] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    facturx: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    facturx_missing: Mapped[str | None] = mapped_column(Text)

    @property
    def is_credit(self) -> bool:
        """True for a credit statement."""
        return self.kind == StatementKind.CREDIT

    @property
    def cancelled(self) -> bool:
        """True for a statement a credit statement cancelled."""
        return self.cancelled_at is not None
