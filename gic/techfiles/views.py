"""Pages of the techfiles area: index, a file, editing a section with a preview,
history, attachments, and the read log.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. Every page that shows the file's content (the file, the edit
page, a past version, a download) writes one row of the read log. Refusals:
404 outside the groupement, 403 with the reason inside it (the file exists; its
content is confidential), 409/422 on a form, what was typed kept.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gic.errors import DomainError, Forbidden, NotFound
from gic.extensions import db
from gic.interventions.models import Intervention
from gic.models import Establishment
from gic.pages import me as _me
from gic.pages import paginate
from gic.policy import can
from gic.techfiles import bp, services
from gic.techfiles.access import (
    Access,
    get_file,
    granting_interventions,
    log_read,
    opens_file,
    read_log,
)
from gic.techfiles.forms import SectionForm, UploadForm
from gic.techfiles.models import (
    SECTION_HINTS,
    ReadKind,
    SectionKind,
)
from gic.techfiles.passwords import find_passwords
from gic.techfiles.queries import SECTIONS_TOTAL, file_summaries
from gic.techfiles.rendering import render
from gic.techfiles.uploads import ALLOWED_LABEL, MAX_ATTACHMENT_BYTES

READS_PER_PAGE = 30
KIND = "<any(" + ", ".join(k.value for k in SectionKind) + "):kind>"
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def _refused_page(error: DomainError):
    """404 as the error page; 403 with its reason."""
    db.session.rollback()
    if error.status == 404:
        abort(404)
    return render_template("techfiles/refused.html", message=error.message), error.status


def _load(establishment_id: int, need: str = "read") -> tuple[Establishment, Access]:
    return get_file(_me(), establishment_id, need)


@bp.app_template_global()
def techfile_opened_by(intervention: Intervention) -> bool:
    """For the intervention page: does this intervention open its beneficiary's
    technical file to the current user now?"""
    return current_user.is_authenticated and opens_file(_me(), intervention)


@bp.route("/")
@login_required
def index():
    """One's own establishment's file, the files opened by one's accepted
    interventions; for a coordinator, how complete each member's file is."""
    me = _me()
    opened = list(db.session.scalars(granting_interventions(me).options(
        selectinload(Intervention.beneficiary))))
    overview = []
    if can(me, "techfile.overview"):
        overview = list(db.session.scalars(
            select(Establishment).where(Establishment.groupement_id == me.groupement_id)
            .order_by(Establishment.name)))
    ids = {e.id for e in overview} | ({me.establishment_id} if me.establishment_id else set())
    return render_template("techfiles/index.html", own=me.establishment, opened=opened,
                           overview=overview, summaries=file_summaries(sorted(ids)),
                           total=SECTIONS_TOTAL)


@bp.route("/<int:establishment_id>")
@login_required
def view(establishment_id: int):
    """The file: its sections rendered, its attachments; the read is logged."""
    try:
        establishment, access = _load(establishment_id)
    except DomainError as error:
        return _refused_page(error)
    sections = services.sections_of(establishment.id)
    attachments = services.attachments_of(establishment.id)
    log_read(_me(), establishment, access, ReadKind.FILE)
    rendered = {kind: render(s.body) for kind, s in sections.items()}
    return render_template("techfiles/view.html", establishment=establishment, access=access,
                           sections=sections, rendered=rendered, attachments=attachments,
                           kinds=list(SectionKind))


@bp.route(f"/<int:establishment_id>/{KIND}/edit", methods=["GET", "POST"])
@login_required
def edit(establishment_id: int, kind: str):
    """Edit one section: « Aperçu » renders the text below the form without saving;
    « Enregistrer » saves a new version (or explains why not)."""
    try:
        establishment, access = _load(establishment_id, "edit")
    except DomainError as error:
        return _refused_page(error)
    kind = SectionKind(kind)
    section = services.get_section(establishment, kind)
    form = SectionForm()
    page = {"establishment": establishment, "kind": kind, "label": kind.label,
            "hint": SECTION_HINTS[kind], "section": section, "form": form, "preview": None,
            "findings": [], "error": None}
    if not form.is_submitted():
        form.body.data = section.body if section else ""
        form.base_version.data = section.version if section else 0
        log_read(_me(), establishment, access, ReadKind.VERSION, section_kind=kind,
                 version=section.version if section else None)
        return render_template("techfiles/edit.html", **page)
    if not form.validate():
        return render_template("techfiles/edit.html", **page), 422
    if form.preview.data and not form.save.data:
        page["preview"] = render(form.body.data)
        page["findings"] = find_passwords(form.body.data or "")
        if page["findings"]:  # said now, refused at saving unless confirmed
            page["error"] = services.password_warning(page["findings"])
        return render_template("techfiles/edit.html", **page)
    try:
        saved = services.save_section(_me(), establishment.id, kind, form.body.data,
                                      base_version=form.base_version.data,
                                      confirm_no_password=form.confirm_no_password.data)
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            return _refused_page(error)
        page["findings"] = getattr(error, "findings", [])
        if page["findings"]:
            page["error"] = error.message
        else:  # a conflict, a text too long…: on the field
            form.body.errors = [*form.body.errors, error.message]
        return render_template("techfiles/edit.html", **page), error.status
    if saved is None:
        flash(gettext("« %(label)s » : texte inchangé, aucune nouvelle version.",
                      label=kind.label), "info")
    else:
        flash(gettext("« %(label)s » enregistrée (version %(number)s).", label=kind.label,
                      number=saved.version), "success")
    return redirect(url_for(".view", establishment_id=establishment.id, _anchor=kind.value))


@bp.route(f"/<int:establishment_id>/{KIND}/history")
@login_required
def history(establishment_id: int, kind: str):
    """The versions of a section: who saved each one, and when (not the texts)."""
    try:
        establishment, access = _load(establishment_id, "history")
    except DomainError as error:
        return _refused_page(error)
    kind = SectionKind(kind)
    section, versions = services.section_history(establishment, kind)
    return render_template("techfiles/history.html", establishment=establishment,
                           access=access, kind=kind, label=kind.label,
                           section=section, versions=versions)


@bp.route(f"/<int:establishment_id>/{KIND}/versions/<int:number>")
@login_required
def version(establishment_id: int, kind: str, number: int):
    """One past version's text (logged as a read)."""
    kind = SectionKind(kind)
    try:
        establishment, access = _load(establishment_id, "history")
        found = services.get_version(establishment, kind, number)
    except DomainError as error:
        return _refused_page(error)
    log_read(_me(), establishment, access, ReadKind.VERSION, section_kind=kind,
             version=number)
    return render_template("techfiles/version.html", establishment=establishment,
                           kind=kind, label=kind.label,
                           version=found, rendered=render(found.body))


@bp.route(f"/<int:establishment_id>/{KIND}/versions/<int:number>/purge", methods=["POST"])
@login_required
def purge(establishment_id: int, kind: str, number: int):
    """The director erases a past version's text."""
    try:
        services.purge_version(_me(), establishment_id, kind, number)
    except (Forbidden, NotFound) as error:
        return _refused_page(error)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(gettext("Texte de la version %(number)s effacé.", number=number), "success")
    return redirect(url_for(".history", establishment_id=establishment_id, kind=kind))


@bp.route("/<int:establishment_id>/attachments/new", methods=["GET", "POST"])
@login_required
def upload(establishment_id: int):
    """Attach a file (type and size checked, the text of TXT, DOCX and ODT files
    checked for passwords); refused: the form again, nothing stored."""
    try:
        establishment, _ = _load(establishment_id, "edit")
    except DomainError as error:
        return _refused_page(error)
    form = UploadForm()
    page = {"establishment": establishment, "form": form, "allowed": ALLOWED_LABEL,
            "max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024), "findings": [], "error": None}
    if not form.is_submitted():
        return render_template("techfiles/upload.html", **page)
    if not form.validate():
        return render_template("techfiles/upload.html", **page), 422
    storage = form.file.data
    data = storage.read(MAX_ATTACHMENT_BYTES + 1) if storage else b""
    try:
        attachment = services.add_attachment(
            _me(), establishment.id, filename=storage.filename if storage else None,
            data=data, description=form.description.data or "",
            confirm_no_password=form.confirm_no_password.data)
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            return _refused_page(error)
        page["findings"] = getattr(error, "findings", [])
        if page["findings"]:  # a password in the file: the warning, and the confirmation
            page["error"], page["unit"] = error.message, error.unit
        else:
            field = form[error.field] if error.field in ("file", "description") else form.file
            field.errors = [*field.errors, error.message]
        return render_template("techfiles/upload.html", **page), error.status
    flash(gettext("« %(name)s » joint au dossier.", name=attachment.filename), "success")
    return redirect(url_for(".view", establishment_id=establishment.id, _anchor="pieces"))


@bp.route("/<int:establishment_id>/attachments/<int:attachment_id>")
@login_required
def download(establishment_id: int, attachment_id: int):
    """Download an attachment (logged), as an attachment, never shown inline."""
    try:
        establishment, access, attachment = services.file_attachment(_me(), establishment_id,
                                                                     attachment_id)
        data = services.attachment_data(attachment)
    except DomainError as error:
        return _refused_page(error)
    log_read(_me(), establishment, access, ReadKind.ATTACHMENT, attachment=attachment)
    response = send_file(io.BytesIO(data), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.filename,
                         max_age=0, etag=False, conditional=False, last_modified=None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


@bp.route("/<int:establishment_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(establishment_id: int, attachment_id: int):
    """Delete an attachment (its director or technicians)."""
    try:
        services.delete_attachment(_me(), establishment_id, attachment_id)
    except DomainError as error:
        return _refused_page(error)
    flash(gettext("Pièce jointe supprimée."), "success")
    return redirect(url_for(".view", establishment_id=establishment_id, _anchor="pieces"))


@bp.route("/<int:establishment_id>/reads")
@login_required
def reads(establishment_id: int):
    """Who read the file, when, what and through which intervention (director only)."""
    try:
        establishment, stmt = read_log(_me(), establishment_id)
    except DomainError as error:
        return _refused_page(error)
    page = paginate(stmt, READS_PER_PAGE)
    return render_template("techfiles/reads.html", establishment=establishment, page=page)
