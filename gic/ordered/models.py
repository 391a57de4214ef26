"""What the ordered-hours model stores (issue 16).

- :class:`HourOrder`: the hours (minutes) one participant orders for one year;
- :class:`OrderedYear`: the year's budget as voted (rate, total, vote's date and
  reference) and, at the year's end, the groupement's real expenses;
- :class:`ContributionDocument`: a numbered document of the groupement's series
  (the numbers of :mod:`gic.billing.statements`, shared with the settlement
  statements): a provisional call, or a participant's year-end regularisation
  statement; its :class:`ContributionLine` rows say what it asks or gives back.
  ``data`` is frozen when issued and ``pdf`` rendered once from it.
"""

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.models import Establishment


class HourOrder(db.Model):
    """The minutes ``establishment`` orders for ``year`` (entered by the coordinator)."""

    __tablename__ = "hour_order"
    __table_args__ = (UniqueConstraint("establishment_id", "year"),
                      CheckConstraint("minutes >= 0", name="minutes_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    year: Mapped[int]
    minutes: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow,
                                                 onupdate=timeutil.utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    establishment: Mapped[Establishment] = relationship()


class OrderedYear(db.Model):
    """One year of an ordered-hours groupement: its budget once voted (the rate and
    the total are frozen by the vote; orders no longer change), its real expenses
    entered by the coordinator at the year's end."""

    __tablename__ = "ordered_year"
    __table_args__ = (UniqueConstraint("groupement_id", "year"),
                      CheckConstraint("real_expenses IS NULL OR real_expenses >= 0",
                                      name="expenses_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    year: Mapped[int]
    # The vote (None until recorded).
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    ordered_minutes: Mapped[int | None]
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    voted_on: Mapped[date | None]
    vote_reference: Mapped[str | None] = mapped_column(Text)
    voted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    voted_at: Mapped[datetime | None]
    # The year's end.
    real_expenses: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    expenses_note: Mapped[str | None] = mapped_column(Text)
    regularised_at: Mapped[datetime | None]

    @property
    def voted(self) -> bool:
        """True once the coordinator recorded the budget's vote."""
        return self.voted_on is not None


class DocumentKind(Labelled):
    """A provisional call of the first semester, or a year-end regularisation."""

    CALL = "call", N_("Appel de contribution provisionnel")
    REGULARISATION = "regularisation", N_("Relevé de régularisation")


class LineKind(Labelled):
    """What a line asks of the participant (provisional, complement, deficit share)
    or gives back to it (refund, surplus share)."""

    PROVISIONAL = "provisional", N_("Contribution provisionnelle (heures commandées × taux)")
    COMPLEMENT = ("complement",
                  N_("Appel complémentaire (heures consommées au-delà des sommes appelées)"))
    REFUND = "refund", N_("Remboursement (sommes appelées au-delà des heures consommées)")
    SURPLUS_SHARE = ("surplus_share",
                     N_("Part de l'excédent du groupement restituée (à l'euro l'euro)"))
    DEFICIT_SHARE = "deficit_share", N_("Part du déficit du groupement à couvrir (à l'euro l'euro)")

# +1: the participant pays the groupement; -1: the groupement pays it back.
LINE_SIGNS = {LineKind.PROVISIONAL: 1, LineKind.COMPLEMENT: 1, LineKind.DEFICIT_SHARE: 1,
              LineKind.REFUND: -1, LineKind.SURPLUS_SHARE: -1}


class ContributionDocument(db.Model):
    """A numbered contribution document of one participant for one year.

    ``amount`` is the document's net total, signed: > 0 the participant pays,
    < 0 the groupement pays back. A call may be one instalment of several
    (``instalment`` of ``instalments``). ``cancelled_at`` is set when a reopened
    year's regularisation is withdrawn; cancelled documents keep their number.
    """

    __tablename__ = "contribution_document"
    __table_args__ = (UniqueConstraint("groupement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, 20))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    instalment: Mapped[int | None]
    instalments: Mapped[int | None]
    due_on: Mapped[date | None]
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None]
    data: Mapped[dict] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))

    establishment: Mapped[Establishment] = relationship()
    lines: Mapped[list[ContributionLine]] = relationship(
        back_populates="document", order_by="ContributionLine.id",
        cascade="all, delete-orphan")

    @property
    def cancelled(self) -> bool:
        """True once withdrawn."""
        return self.cancelled_at is not None


class ContributionLine(db.Model):
    """One line of a contribution document; ``amount`` >= 0, its direction is its kind's."""

    __tablename__ = "contribution_line"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("contribution_document.id"),
                                             index=True)
    kind: Mapped[LineKind] = mapped_column(enum_type(LineKind, 20))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    document: Mapped[ContributionDocument] = relationship(back_populates="lines")

    @property
    def signed(self) -> Decimal:
        """The amount, negative when the groupement pays back."""
        return LINE_SIGNS[self.kind] * Decimal(self.amount)
