"""Minutes pages: start a draft or a new version, read, edit, finalise, download
(PDF, DOCX), and the directors' vote form.

Thin handlers as in :mod:`gic.meetings.views`. Editing a finalised version, or
editing without being the coordinator, is refused by the service (409, 403)
and answered with the read-only page and the refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from flask_wtf import FlaskForm

from gic.errors import DomainError, NotFound
from gic.meetings import bp, services, votes
from gic.meetings import minutes as steps
from gic.meetings.documents import (
    document_name,
    minutes_context,
    minutes_docx,
    minutes_pdf,
)
from gic.meetings.forms import (
    ActionForm,
    AttendeeForm,
    ButtonForm,
    DecisionForm,
    DoneForm,
    SummaryForm,
    VoteForm,
    presence_form,
)
from gic.meetings.models import Minutes
from gic.meetings.pages import detail_page as _detail_page
from gic.meetings.pages import load_meeting as _load
from gic.meetings.permissions import MANAGE_REFUSAL, can_manage, can_vote
from gic.pages import me as _me
from gic.pages import refused as _refused

BASE = "/<int:meeting_id>/minutes/<int:version>"


def _load_minutes(meeting_id: int, version: int) -> Minutes:
    meeting = _load(meeting_id)
    try:
        return steps.get_minutes(_me(), meeting, version)
    except NotFound:
        abort(404)


def _read_page(minutes: Minutes, status: int = 200, refusal: str | None = None):
    return render_template("meetings/minutes.html", print=False, refusal=refusal,
                           **minutes_context(_me(), minutes)), status


def _edit_page(minutes: Minutes, status: int = 200, refusal: str | None = None,
               submitted: dict[str, FlaskForm] | None = None):
    """The coordinator's editing page of a draft; anyone else, or a finalised
    version, gets the read-only page with the refusal."""
    me = _me()
    if minutes.is_final or not can_manage(me, minutes.meeting):
        return _read_page(minutes, status, refusal)
    people = services.invitable_users(minutes.meeting.groupement_id)
    forms = {"summary": SummaryForm(data={"summary": minutes.summary}),
             "presence": presence_form(minutes.attendance),
             "attendee": AttendeeForm(formdata=None), "decision": DecisionForm(formdata=None),
             "action": ActionForm(formdata=None), "done": DoneForm(formdata=None),
             "button": ButtonForm()}
    forms.update(submitted or {})
    forms["attendee"].set_people(people)
    forms["action"].set_people(people)
    return render_template("meetings/minutes_edit.html", refusal=refusal, forms=forms,
                           **minutes_context(me, minutes)), status


def _step(meeting_id: int, version: int, name: str, form: FlaskForm,
          call: Callable[[Minutes, FlaskForm], object], success: str, anchor: str = ""):
    """Validate ``form``, call one service, then back to the editing page (``success``:
    the flash, already translated)."""
    minutes = _load_minutes(meeting_id, version)
    if name == "presence":
        form = presence_form(minutes.attendance)
    if not form.validate_on_submit():
        return _edit_page(minutes, 422, gettext("Rien n'a été enregistré : corrigez les "
                                                "champs signalés."), {name: form})
    try:
        call(minutes, form)
    except DomainError as error:
        return _edit_page(minutes, _refused(error, form), error.message, {name: form})
    flash(success, "success")
    return redirect(url_for(".edit_minutes", meeting_id=meeting_id, version=version)
                    + (f"#{anchor}" if anchor else ""))


# --- Versions ------------------------------------------------------------------

@bp.post("/<int:meeting_id>/minutes")
@login_required
def start_minutes(meeting_id: int):
    """Start version 1 (pre-filled) or a new version copying the last final one."""
    meeting = _load(meeting_id)
    if not ButtonForm().validate_on_submit():
        return _detail_page(meeting, 400, gettext("Formulaire expiré : rechargez la page."))
    try:
        minutes = steps.start_minutes(meeting, _me())
    except DomainError as error:
        return _detail_page(meeting, _refused(error), error.message)
    flash(gettext("Brouillon du compte rendu (version %(version)s) créé.",
                  version=minutes.version), "success")
    return redirect(url_for(".edit_minutes", meeting_id=meeting_id, version=minutes.version))


@bp.route(BASE)
@login_required
def minutes(meeting_id: int, version: int):
    """Read one version (drafts: the coordinator only)."""
    return _read_page(_load_minutes(meeting_id, version))


@bp.route(BASE + ".pdf")
@login_required
def minutes_pdf_file(meeting_id: int, version: int):
    """The version as PDF (same template as the page)."""
    record = _load_minutes(meeting_id, version)
    return _download(minutes_pdf(_me(), record), "application/pdf", document_name(record, "pdf"))


@bp.route(BASE + ".docx")
@login_required
def minutes_docx_file(meeting_id: int, version: int):
    """The version as a Word document."""
    record = _load_minutes(meeting_id, version)
    return _download(minutes_docx(_me(), record),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     document_name(record, "docx"))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Editing a draft -------------------------------------------------------------

@bp.route(BASE + "/edit", methods=["GET", "POST"])
@login_required
def edit_minutes(meeting_id: int, version: int):
    """The coordinator's editing page; its own form is the summary text."""
    record = _load_minutes(meeting_id, version)
    if not SummaryForm().is_submitted():
        if not can_manage(_me(), record.meeting):
            return _read_page(record, 403, MANAGE_REFUSAL)
        if record.is_final:
            return _read_page(record, 409, gettext(
                "Ce compte rendu est finalisé : il ne se modifie plus. Créez une nouvelle "
                "version pour le corriger."))
        return _edit_page(record)
    return _step(meeting_id, version, "summary", SummaryForm(),
                 lambda m, f: steps.update_summary(m, _me(), f.summary.data),
                 gettext("Compte rendu enregistré."), "deroule")


@bp.post(BASE + "/presences")
@login_required
def presences(meeting_id: int, version: int):
    """Present / excused / absent for everyone on the list."""
    def call(m, f):
        steps.set_presences(m, _me(), {a.id: f[f"presence_{a.id}"].data for a in m.attendance})
    return _step(meeting_id, version, "presence", ButtonForm(), call,
                 gettext("Présences enregistrées."), "presences")


@bp.post(BASE + "/attendees")
@login_required
def add_attendee(meeting_id: int, version: int):
    """Add a person of the groupement or a guest to the attendance."""
    return _step(meeting_id, version, "attendee", AttendeeForm(),
                 lambda m, f: steps.add_attendee(m, _me(), user_id=f.user_id.data,
                                                 name=f.name.data, presence=f.presence.data),
                 gettext("Participant ajouté."), "presences")


@bp.post(BASE + "/attendees/<int:item_id>/delete")
@login_required
def remove_attendee(meeting_id: int, version: int, item_id: int):
    """Remove someone from the attendance."""
    return _step(meeting_id, version, "button", ButtonForm(),
                 lambda m, f: steps.remove_attendee(m, _me(), item_id),
                 gettext("Participant retiré."), "presences")


@bp.post(BASE + "/decisions")
@login_required
def add_decision(meeting_id: int, version: int):
    """Add a decision (possibly needing every director's vote, or the members'
    weighted vote under the ordered-hours model)."""
    return _step(meeting_id, version, "decision", DecisionForm(),
                 lambda m, f: steps.add_decision(m, _me(), text=f.text.data,
                                                 needs_unanimity=f.needs_unanimity.data,
                                                 weighted=f.weighted.data),
                 gettext("Décision ajoutée."), "decisions")


@bp.post(BASE + "/decisions/<int:item_id>/delete")
@login_required
def remove_decision(meeting_id: int, version: int, item_id: int):
    """Remove a decision and its votes."""
    return _step(meeting_id, version, "button", ButtonForm(),
                 lambda m, f: steps.remove_decision(m, _me(), item_id),
                 gettext("Décision retirée."), "decisions")


@bp.post(BASE + "/actions")
@login_required
def add_action(meeting_id: int, version: int):
    """Add an action with its owner and due date."""
    return _step(meeting_id, version, "action", ActionForm(),
                 lambda m, f: steps.add_action(m, _me(), text=f.text.data,
                                               owner_id=f.owner_id.data, due_date=f.due_date.data),
                 gettext("Action ajoutée."), "actions")


@bp.post(BASE + "/actions/<int:item_id>/done")
@login_required
def action_done(meeting_id: int, version: int, item_id: int):
    """Mark an action done or not yet."""
    return _step(meeting_id, version, "done", DoneForm(),
                 lambda m, f: steps.set_action_done(m, _me(), item_id, f.done.data == "1"),
                 gettext("Action mise à jour."), "actions")


@bp.post(BASE + "/actions/<int:item_id>/delete")
@login_required
def remove_action(meeting_id: int, version: int, item_id: int):
    """Remove an action."""
    return _step(meeting_id, version, "button", ButtonForm(),
                 lambda m, f: steps.remove_action(m, _me(), item_id),
                 gettext("Action retirée."), "actions")


@bp.post(BASE + "/refresh")
@login_required
def refresh(meeting_id: int, version: int):
    """Recompute the pre-filled data of a draft."""
    return _step(meeting_id, version, "button", ButtonForm(),
                 lambda m, f: steps.refresh_snapshot(m, _me()),
                 gettext("Données mises à jour."), "donnees")


@bp.post(BASE + "/finalise")
@login_required
def finalise(meeting_id: int, version: int):
    """Finalise: read-only from now on; readers are notified."""
    minutes = _load_minutes(meeting_id, version)
    if not ButtonForm().validate_on_submit():
        return _edit_page(minutes, 400, gettext("Formulaire expiré : rechargez la page."))
    try:
        steps.finalise(minutes, _me())
    except DomainError as error:
        return _edit_page(minutes, _refused(error), error.message)
    flash(gettext("Compte rendu finalisé (version %(version)s) ; les participants et les "
                  "directions sont prévenus.", version=version), "success")
    return redirect(url_for(".minutes", meeting_id=meeting_id, version=version))


# --- Votes ---------------------------------------------------------------------

def _vote_page(decision, form: VoteForm, status: int = 200, refusal: str | None = None):
    meeting = decision.minutes.meeting
    me = _me()
    return render_template("meetings/vote.html", decision=decision, form=form,
                           outcome=votes.outcome(decision), refusal=refusal, meeting=meeting,
                           can_vote=can_vote(me, meeting) and not decision.minutes.is_final
                           and ("vote" not in decision.minutes.snapshot
                                or votes.votes_in(me, decision.minutes))), status


@bp.route("/decisions/<int:decision_id>/vote", methods=["GET", "POST"])
@login_required
def vote(decision_id: int):
    """A director records his establishment's vote on a decision put to the vote."""
    me = _me()
    try:
        decision = votes.get_decision(me, decision_id)
    except NotFound:
        abort(404)
    mine = next((v for v in decision.votes if v.establishment_id == me.establishment_id), None)
    form = VoteForm(data={"choice": mine.choice, "comment": mine.comment} if mine else None)
    if not form.is_submitted():
        return _vote_page(decision, form)
    if not form.validate():
        return _vote_page(decision, form, 422, gettext(
            "Vote non enregistré : choisissez pour, contre ou abstention."))
    try:
        votes.cast_vote(decision, me, choice=form.choice.data, comment=form.comment.data)
    except DomainError as error:
        return _vote_page(decision, form, _refused(error, form), error.message)
    flash(gettext("Votre vote est enregistré."), "success")
    return redirect(url_for(".vote", decision_id=decision.id))
