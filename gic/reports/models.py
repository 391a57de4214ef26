"""Versions of the annual bilan: a draft that is refreshed, published ones frozen,
and the PDFs of published versions, rendered once and stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.models import User


class BilanStatus(Labelled):
    """A draft is recomputed on demand; a published version never changes again."""

    DRAFT = "draft", N_("Brouillon")
    PUBLISHED = "published", N_("Publié")


class BilanVersion(db.Model):
    """One version of a groupement's bilan of a civil year, with its data snapshot.

    ``data`` is the plain JSON computed by :func:`gic.reports.services.compute_bilan`
    (money as strings): the page, the PDF and the API read it, never the live
    tables, so that a published version says the same thing forever.
    """

    __tablename__ = "bilan_version"
    __table_args__ = (
        UniqueConstraint("groupement_id", "year", "version"),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
        # At most one draft per groupement and year (two job runs racing create one).
        Index("ix_bilan_version_one_draft", "groupement_id", "year", unique=True,
              sqlite_where=text("status = 'draft'"),
              postgresql_where=text("status = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    year: Mapped[int]
    version: Mapped[int]
    status: Mapped[BilanStatus] = mapped_column(enum_type(BilanStatus, 10),
                                               default=BilanStatus.DRAFT)
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # When ``data`` was last computed (a draft is refreshed; frozen once published).
    computed_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    published_by: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        """True once frozen."""
        return self.status == BilanStatus.PUBLISHED


class BilanPdf(db.Model):
    """The PDF of a published version, rendered once (WeasyPrint takes seconds) and
    served as stored: the same bytes at every download.

    A director's copy highlights his establishment, so there is one PDF per
    version and ``audience`` (the highlighted establishment's id, 0 for none).
    ``source_sha256`` is the hash of the HTML and CSS it was rendered from: when
    they change (a new version of the app prints differently) the PDF is rendered
    again and replaces this one. Drafts are never stored: they change.
    """

    __tablename__ = "bilan_pdf"
    __table_args__ = (UniqueConstraint("bilan_version_id", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bilan_version_id: Mapped[int] = mapped_column(ForeignKey("bilan_version.id"))
    audience: Mapped[int]
    source_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
