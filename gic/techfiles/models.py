"""Tables of the techfiles area: the technical file of each establishment (SPEC §7).

- :class:`TechFileSection`: the current text of one section (Markdown) of one
  establishment's file; every save also appends a :class:`TechFileVersion`, so the
  history is complete (who, when, what) and nothing is lost silently.
- :class:`TechFileAttachment`: an attached file's description; its bytes live
  apart in :class:`TechFileAttachmentContent`, loaded only on download (and kept
  by the database backups like every other row).
- :class:`TechFileRead`: one read of the file (page, past version, attachment),
  with the intervention that granted it to another establishment's technician.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.models import Establishment, User


class SectionKind(Labelled):
    """The sections of a technical file (seed 002, « dossier technique »)."""

    REMOTE_ACCESS = "remote_access", N_("Procédure de connexion à distance")
    SERVERS = "servers", N_("Architecture des serveurs")
    ROOMS = "rooms", N_("Salles serveurs et baies de brassage")
    PROCEDURES = "procedures", N_("Procédures du système d'information")
    RECOVERY = "recovery", N_("Plan de reprise d'activité (PRA)")
    OTHER = "other", N_("Autres informations")

SECTION_HINTS = {
    SectionKind.REMOTE_ACCESS: lazy_gettext(
        "Outil (VPN, bureau à distance…), qui ouvre l'accès, à qui demander les identifiants — "
        "jamais les mots de passe eux-mêmes."),
    SectionKind.SERVERS: lazy_gettext(
        "Serveurs physiques et virtuels, rôles, systèmes, sauvegardes."),
    SectionKind.ROOMS: lazy_gettext(
        "Emplacement des salles et des baies, onduleurs, repérage du brassage."),
    SectionKind.PROCEDURES: lazy_gettext(
        "Comptes, ajout d'un poste, imprimantes, messagerie, logiciels métier."),
    SectionKind.RECOVERY: lazy_gettext(
        "Priorités de redémarrage, sauvegardes à restaurer, contacts d'urgence."),
    SectionKind.OTHER: lazy_gettext("Fournisseurs, contrats de maintenance, contacts."),
}


class ReadKind(enum.StrEnum):
    """What was read."""

    FILE = "file"
    VERSION = "version"
    ATTACHMENT = "attachment"


def _known(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class TechFileSection(db.Model):
    """The current text of one section of an establishment's technical file."""

    __tablename__ = "techfile_section"
    __table_args__ = (
        UniqueConstraint("establishment_id", "kind"),
        CheckConstraint(_known("kind", SectionKind), name="kind_known"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    kind: Mapped[SectionKind] = mapped_column(enum_type(SectionKind, 20))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)

    establishment: Mapped[Establishment] = relationship()
    updated_by: Mapped[User] = relationship()


class TechFileVersion(db.Model):
    """One saved version of a section (the newest one is the section's text)."""

    __tablename__ = "techfile_section_version"
    __table_args__ = (UniqueConstraint("section_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("techfile_section.id"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # The author saved despite the password warning, confirming there was none.
    no_password_confirmed: Mapped[bool] = mapped_column(default=False)
    # A director erased this past version's text (a secret saved by mistake).
    purged_at: Mapped[datetime | None]
    purged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    section: Mapped[TechFileSection] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    purged_by: Mapped[User | None] = relationship(foreign_keys=[purged_by_id])


class TechFileAttachment(db.Model):
    """An attached file (plan, diagram, procedure); its bytes are in the content table."""

    __tablename__ = "techfile_attachment"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300), default="")
    # Its text seemed to hold a password and the author confirmed there is none.
    no_password_confirmed: Mapped[bool] = mapped_column(default=False,
                                                        server_default=false())
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # Deleting erases the content row; this description stays for the read log.
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])


class TechFileAttachmentContent(db.Model):
    """The bytes of one attachment, apart so that lists never load them."""

    __tablename__ = "techfile_attachment_content"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("techfile_attachment.id"),
                                               primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TechFileRead(db.Model):
    """One read of an establishment's technical file (SPEC §7: each read is logged)."""

    __tablename__ = "techfile_read"
    __table_args__ = (
        CheckConstraint(_known("kind", ReadKind), name="kind_known"),
        Index("ix_techfile_read_establishment_at", "establishment_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    reader_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    kind: Mapped[ReadKind] = mapped_column(enum_type(ReadKind, 12))
    section_kind: Mapped[SectionKind | None] = mapped_column(enum_type(SectionKind, 20))
    version: Mapped[int | None]
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("techfile_attachment.id"))
    # The accepted intervention that opened the file to another establishment's
    # technician; None for the establishment's own staff.
    intervention_id: Mapped[int | None] = mapped_column(ForeignKey("intervention.id"))

    reader: Mapped[User] = relationship()
    attachment: Mapped[TechFileAttachment | None] = relationship()
