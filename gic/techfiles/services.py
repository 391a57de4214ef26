"""One function per step on a technical file: save a section, erase a past version,
attach or delete a file. Each checks the access (:mod:`gic.techfiles.access`), the
input, writes the audit log and commits; refusals are :mod:`gic.errors` (gettext).

Reading goes through :func:`gic.techfiles.access.get_file` and
:func:`gic.techfiles.access.log_read`; lists and the bilan are in
:mod:`gic.techfiles.queries`.
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext, ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.audit.services import record
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.models import Establishment, User
from gic.techfiles.access import Access, get_file
from gic.techfiles.models import (
    SectionKind,
    TechFileAttachment,
    TechFileAttachmentContent,
    TechFileSection,
    TechFileVersion,
)
from gic.techfiles.passwords import Finding, find_passwords
from gic.techfiles.uploads import check_upload, scanned_text

MAX_SECTION_CHARS = 50_000
MAX_DESCRIPTION = 300
MAX_ATTACHMENTS = 50  # per establishment, not counting deleted ones
MAX_LISTED_FINDINGS = 10  # places shown in a warning about an attached file


class PasswordSuspected(InvalidField):
    """The text seems to hold a password: not saved; ``findings`` names the lines."""

    def __init__(self, findings: list[Finding], field: str = "body") -> None:
        super().__init__(ngettext(
            "Texte non enregistré : la ligne %(lines)s semble contenir un mot de passe. Un "
            "dossier technique ne doit jamais en contenir : reformulez (par exemple « mot de "
            "passe : voir le coffre-fort ») ou confirmez qu'il n'y en a pas.",
            "Texte non enregistré : les lignes %(lines)s semblent contenir un mot de passe. "
            "Un dossier technique ne doit jamais en contenir : reformulez (par exemple « mot "
            "de passe : voir le coffre-fort ») ou confirmez qu'il n'y en a pas.",
            len(findings), lines=_lines(findings)), code="password_suspected", field=field)
        self.findings = findings


def _lines(findings: list[Finding]) -> str:
    return ", ".join(str(f.line) for f in findings)


def password_warning(findings: list[Finding]) -> str:
    """What the preview says about a text that seems to hold a password (saving it
    would be refused unless confirmed: :class:`PasswordSuspected`)."""
    return ngettext(
        "Attention : la ligne %(lines)s semble contenir un mot de passe. Un dossier technique "
        "ne doit jamais en contenir : reformulez (par exemple « mot de passe : voir le "
        "coffre-fort ») ou confirmez qu'il n'y en a pas.",
        "Attention : les lignes %(lines)s semblent contenir un mot de passe. Un dossier "
        "technique ne doit jamais en contenir : reformulez (par exemple « mot de passe : voir "
        "le coffre-fort ») ou confirmez qu'il n'y en a pas.",
        len(findings), lines=_lines(findings))


class PasswordInFile(PasswordSuspected):
    """An attached file (text, DOCX, ODT) seems to hold a password: nothing is stored
    unless the author confirms there is none, as for a section's text."""

    def __init__(self, filename: str, findings: list[Finding], *, lines: bool) -> None:
        unit = "ligne" if lines else "paragraphe"
        shown = findings[:MAX_LISTED_FINDINGS]
        where = ", ".join(str(f.line) for f in shown) + (" …" if len(findings) > len(shown)
                                                          else "")
        if lines:
            message = ngettext(
                "Fichier non joint : « %(name)s » semble contenir un mot de passe (ligne "
                "%(where)s). Un dossier technique ne doit jamais en contenir : retirez-le du "
                "fichier (par exemple « mot de passe : voir le coffre-fort ») puis joignez-le "
                "de nouveau. S'il n'y en a pas, cochez la confirmation ci-dessous et choisissez "
                "de nouveau le fichier.",
                "Fichier non joint : « %(name)s » semble contenir un mot de passe (lignes "
                "%(where)s). Un dossier technique ne doit jamais en contenir : retirez-le du "
                "fichier (par exemple « mot de passe : voir le coffre-fort ») puis joignez-le "
                "de nouveau. S'il n'y en a pas, cochez la confirmation ci-dessous et choisissez "
                "de nouveau le fichier.", len(findings), name=filename, where=where)
        else:
            message = ngettext(
                "Fichier non joint : « %(name)s » semble contenir un mot de passe (paragraphe "
                "%(where)s). Un dossier technique ne doit jamais en contenir : retirez-le du "
                "fichier (par exemple « mot de passe : voir le coffre-fort ») puis joignez-le "
                "de nouveau. S'il n'y en a pas, cochez la confirmation ci-dessous et choisissez "
                "de nouveau le fichier.",
                "Fichier non joint : « %(name)s » semble contenir un mot de passe (paragraphes "
                "%(where)s). Un dossier technique ne doit jamais en contenir : retirez-le du "
                "fichier (par exemple « mot de passe : voir le coffre-fort ») puis joignez-le "
                "de nouveau. S'il n'y en a pas, cochez la confirmation ci-dessous et choisissez "
                "de nouveau le fichier.", len(findings), name=filename, where=where)
        InvalidField.__init__(self, message, code="password_suspected", field="file")
        self.findings, self.unit = shown, unit


def section_kind(value: str) -> SectionKind:
    """The section named in a URL (404 for an unknown one)."""
    try:
        return SectionKind(value)
    except ValueError:
        raise NotFound(gettext("Rubrique inconnue.")) from None


def sections_of(establishment_id: int) -> dict[SectionKind, TechFileSection]:
    """The saved sections of an establishment's file, by kind (one query)."""
    rows = db.session.scalars(select(TechFileSection)
                              .where(TechFileSection.establishment_id == establishment_id)
                              .options(selectinload(TechFileSection.updated_by)))
    return {s.kind: s for s in rows}


def get_section(establishment: Establishment, kind: SectionKind) -> TechFileSection | None:
    """One saved section (None: never written)."""
    return db.session.scalars(select(TechFileSection).where(
        TechFileSection.establishment_id == establishment.id,
        TechFileSection.kind == kind)).first()


def _clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in body:
        raise InvalidField(gettext("Le texte contient un caractère invalide."), field="body")
    if len(body) > MAX_SECTION_CHARS:
        raise InvalidField(gettext("Texte trop long (%(max)s caractères au plus par rubrique) : "
                                   "mettez le reste dans une pièce jointe.",
                                   max=MAX_SECTION_CHARS), field="body")
    return body.strip("\n")


def _conflict(section: TechFileSection | None) -> RuleRefused:
    if section is None:
        message = gettext(
            "Cette rubrique a été modifiée pendant que vous la modifiiez : votre texte est "
            "conservé ci-dessous. Ouvrez la version en cours dans un autre onglet, reportez-y "
            "vos changements, puis enregistrez.")
    else:
        message = gettext(
            "Cette rubrique a été modifiée par %(name)s pendant que vous la modifiiez : votre "
            "texte est conservé ci-dessous. Ouvrez la version en cours dans un autre onglet, "
            "reportez-y vos changements, puis enregistrez.", name=section.updated_by.name)
    return RuleRefused(message, code="conflict", field="body")


def save_section(actor: User, establishment_id: int, kind: str, body: str, *,
                 base_version: int, confirm_no_password: bool = False) -> TechFileVersion | None:
    """Save a new version of a section (None when the text did not change).

    ``base_version`` is the version the author started from: if someone saved
    in between, nothing is saved (409). A text that seems to hold a password is
    refused (:class:`PasswordSuspected`) unless the author confirms there is
    none; that confirmation is audited.
    """
    establishment, _ = get_file(actor, establishment_id, "edit")
    kind = section_kind(kind)
    body = _clean_body(body)
    section = get_section(establishment, kind)
    current = section.version if section is not None else 0
    if base_version != current:
        raise _conflict(section)
    if section is not None and section.body == body:
        return None
    findings = find_passwords(body)
    if findings and not confirm_no_password:
        raise PasswordSuspected(findings)
    now = timeutil.utcnow()
    if section is None:
        section = TechFileSection(groupement_id=establishment.groupement_id,
                                  establishment_id=establishment.id, kind=kind, body=body,
                                  version=1, updated_by_id=actor.id, updated_at=now)
        try:
            with db.session.begin_nested():  # two first saves at once: one wins
                db.session.add(section)
        except IntegrityError:
            raise _conflict(None) from None
    else:  # compare-and-set: a concurrent save of the same version loses
        done = db.session.execute(
            update(TechFileSection)
            .where(TechFileSection.id == section.id, TechFileSection.version == current)
            .values(body=body, version=current + 1, updated_by_id=actor.id, updated_at=now))
        if done.rowcount != 1:
            raise _conflict(section)
        db.session.refresh(section)
    version = TechFileVersion(section_id=section.id, version=section.version, body=body,
                              author_id=actor.id, created_at=now,
                              no_password_confirmed=bool(findings))
    db.session.add(version)
    db.session.flush()
    record(actor, "techfiles.section_save", section, establishment_id=establishment.id,
           before={"version": current} if current else None,
           after={"rubrique": kind.label, "version": section.version,
                  "caractères": len(body)})
    if findings:
        record(actor, "techfiles.no_password_confirmed", section,
               establishment_id=establishment.id,
               after={"rubrique": kind.label, "version": section.version,
                      "lignes signalées": [f.line for f in findings]})
    db.session.commit()
    return version


def section_history(establishment: Establishment,
                    kind: SectionKind) -> tuple[TechFileSection | None, list[TechFileVersion]]:
    """A section and its versions, newest first (authors loaded, not the texts' readers)."""
    section = get_section(establishment, kind)
    if section is None:
        return None, []
    versions = list(db.session.scalars(
        select(TechFileVersion).where(TechFileVersion.section_id == section.id)
        .options(selectinload(TechFileVersion.author), selectinload(TechFileVersion.purged_by))
        .order_by(TechFileVersion.version.desc())))
    return section, versions


def get_version(establishment: Establishment, kind: SectionKind, number: int) -> TechFileVersion:
    """One version of a section (404 if there is none)."""
    version = db.session.scalars(
        select(TechFileVersion).join(TechFileSection)
        .where(TechFileSection.establishment_id == establishment.id,
               TechFileSection.kind == kind, TechFileVersion.version == number)).first()
    if version is None:
        raise NotFound(gettext("Version introuvable."))
    return version


def purge_version(actor: User, establishment_id: int, kind: str, number: int) -> TechFileVersion:
    """The director erases the text of a past version (a secret saved by mistake);
    who wrote it and when stay in the history, and the erasure is audited."""
    establishment, _ = get_file(actor, establishment_id, "director")
    kind = section_kind(kind)
    version = get_version(establishment, kind, number)
    if version.version == version.section.version:
        raise RuleRefused(gettext("La version en cours ne s'efface pas : modifiez la rubrique, "
                                  "puis effacez l'ancienne version."))
    if version.purged_at is not None:
        raise RuleRefused(gettext("Le texte de cette version est déjà effacé."))
    version.body = ""
    version.purged_at = timeutil.utcnow()
    version.purged_by_id = actor.id
    record(actor, "techfiles.version_purge", version.section,
           establishment_id=establishment.id,
           after={"rubrique": kind.label, "version": version.version})
    db.session.commit()
    return version


# --- Attachments -----------------------------------------------------------------

def attachments_of(establishment_id: int) -> list[TechFileAttachment]:
    """The file's attachments (not their bytes), newest first."""
    return list(db.session.scalars(
        select(TechFileAttachment)
        .where(TechFileAttachment.establishment_id == establishment_id,
               TechFileAttachment.deleted_at.is_(None))
        .options(selectinload(TechFileAttachment.uploaded_by))
        .order_by(TechFileAttachment.uploaded_at.desc(), TechFileAttachment.id.desc())))


def get_attachment(establishment: Establishment, attachment_id: int) -> TechFileAttachment:
    """An attachment of this establishment's file, not deleted (404 otherwise)."""
    attachment = db.session.get(TechFileAttachment, attachment_id)
    if (attachment is None or attachment.establishment_id != establishment.id
            or attachment.deleted_at is not None):
        raise NotFound(gettext("Pièce jointe introuvable."))
    return attachment


def file_attachment(user: User, establishment_id: int, attachment_id: int,
                    need: str = "read") -> tuple[Establishment, Access, TechFileAttachment]:
    """The establishment, the user's access and one attachment of its file.

    An attachment that is not this establishment's (another groupement's among
    them) is 404 whoever asks, before the access check's 403 (SPEC §8)."""
    attachment = db.session.get(TechFileAttachment, attachment_id)
    if (attachment is None or attachment.establishment_id != establishment_id
            or attachment.groupement_id != user.groupement_id):
        raise NotFound(gettext("Pièce jointe introuvable."))
    establishment, access = get_file(user, establishment_id, need)
    return establishment, access, get_attachment(establishment, attachment_id)


def attachment_data(attachment: TechFileAttachment) -> bytes:
    """The bytes of an attachment (loaded only here, for the download)."""
    content = db.session.get(TechFileAttachmentContent, attachment.id)
    if content is None:
        raise NotFound(gettext("Pièce jointe introuvable."))
    return content.data


def add_attachment(actor: User, establishment_id: int, *, filename: str | None, data: bytes,
                   description: str = "", confirm_no_password: bool = False
                   ) -> TechFileAttachment:
    """Attach a file after checking its size, extension and content; nothing is
    stored when it is refused.

    The text of a text, DOCX or ODT file goes through the password detector like
    a section's text: a file that seems to hold one is refused
    (:class:`PasswordInFile`) unless the author confirms there is none; that
    confirmation is audited and shown next to the file."""
    establishment, _ = get_file(actor, establishment_id, "edit")
    description = " ".join((description or "").split())
    if len(description) > MAX_DESCRIPTION:
        raise InvalidField(gettext("Description trop longue (%(max)s caractères au plus).",
                                   max=MAX_DESCRIPTION), field="description")
    if find_passwords(description):
        raise InvalidField(gettext("La description semble contenir un mot de passe : "
                                   "reformulez-la."), field="description")
    checked = check_upload(filename, data)
    text = scanned_text(checked)
    findings = find_passwords(text) if text else []
    if findings and not confirm_no_password:
        raise PasswordInFile(checked.filename, findings,
                             lines=checked.content_type.startswith("text/"))
    count = db.session.scalar(select(func.count(TechFileAttachment.id)).where(
        TechFileAttachment.establishment_id == establishment.id,
        TechFileAttachment.deleted_at.is_(None)))
    if count >= MAX_ATTACHMENTS:
        raise RuleRefused(gettext("Le dossier a déjà %(max)s pièces jointes : supprimez celles "
                                  "qui ne servent plus.", max=MAX_ATTACHMENTS), field="file")
    attachment = TechFileAttachment(
        groupement_id=establishment.groupement_id, establishment_id=establishment.id,
        filename=checked.filename, content_type=checked.content_type, size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(), description=description,
        uploaded_by_id=actor.id, no_password_confirmed=bool(findings))
    db.session.add(attachment)
    db.session.flush()
    db.session.add(TechFileAttachmentContent(attachment_id=attachment.id, data=checked.data))
    record(actor, "techfiles.attachment_add", attachment, establishment_id=establishment.id,
           after={"fichier": attachment.filename, "octets": attachment.size,
                  "sha256": attachment.sha256})
    if findings:
        record(actor, "techfiles.no_password_confirmed", attachment,
               establishment_id=establishment.id,
               after={"fichier": attachment.filename,
                      "passages signalés": [f.line for f in findings[:MAX_LISTED_FINDINGS]]})
    db.session.commit()
    return attachment


def delete_attachment(actor: User, establishment_id: int, attachment_id: int) -> None:
    """Delete an attachment: its bytes are erased; its name stays for the read log."""
    establishment, _, attachment = file_attachment(actor, establishment_id, attachment_id, "edit")
    attachment.deleted_at = timeutil.utcnow()
    attachment.deleted_by_id = actor.id
    content = db.session.get(TechFileAttachmentContent, attachment.id)
    if content is not None:
        db.session.delete(content)
    record(actor, "techfiles.attachment_delete", attachment, establishment_id=establishment.id,
           before={"fichier": attachment.filename, "octets": attachment.size,
                   "sha256": attachment.sha256})
    db.session.commit()
