"""Meetings pages: list, plan, detail, iCalendar invitation, status.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. A refusal (:class:`gic.errors.DomainError`) is rolled back
and shown in the reader's language with its status (403, 409, 422). The minutes pages are in
:mod:`gic.meetings.minutes_views`; what both share, in :mod:`gic.meetings.pages`.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import func, select

from gic import timeutil
from gic.errors import DomainError
from gic.extensions import db
from gic.meetings import bp, services
from gic.meetings.documents import meeting_ics
from gic.meetings.forms import MeetingForm, StatusForm
from gic.meetings.models import Meeting, Minutes, MinutesStatus
from gic.meetings.pages import detail_page as _detail_page
from gic.meetings.pages import load_meeting as _load
from gic.meetings.permissions import MANAGE_REFUSAL, can_manage, visible_meetings
from gic.notifications.services import public_link
from gic.pages import me as _me
from gic.pages import paginate
from gic.pages import refused as _refused

PER_PAGE = 20


def _final_versions(meeting_ids: list[int]) -> dict[int, int]:
    """Newest finalised version of each meeting (one grouped query)."""
    if not meeting_ids:
        return {}
    return dict(db.session.execute(
        select(Minutes.meeting_id, func.max(Minutes.version))
        .where(Minutes.meeting_id.in_(meeting_ids), Minutes.status == MinutesStatus.FINAL)
        .group_by(Minutes.meeting_id)).all())


@bp.route("/")
@login_required
def index():
    """Upcoming and past meetings the user may read; for the coordinator, the
    count of this year's technicians' meetings (3 expected)."""
    me = _me()
    now = timeutil.utcnow()
    upcoming = list(db.session.scalars(
        visible_meetings(me).where(Meeting.starts_at >= now).order_by(Meeting.starts_at)))
    past = paginate(visible_meetings(me).where(Meeting.starts_at < now)
                    .order_by(Meeting.starts_at.desc(), Meeting.id.desc()), PER_PAGE)
    finals = _final_versions([m.id for m in upcoming] + [m.id for m in past.items])
    count = None
    if can_manage(me):
        year = timeutil.local_today(me.groupement.timezone).year
        count = (year, services.technicians_meetings_count(me.groupement, year))
    return render_template("meetings/index.html", upcoming=upcoming, past=past, finals=finals,
                           count=count, expected=services.TECHNICIANS_MEETINGS_PER_YEAR,
                           can_plan=can_manage(me))


def _meeting_values(form: MeetingForm) -> dict:
    return {"kind": form.kind.data, "title": form.title.data, "day": form.day.data,
            "start": form.start.data, "duration_minutes": form.duration_minutes.data,
            "place": form.place.data, "video_url": form.video_url.data,
            "invitee_ids": form.invitees.data or [], "agenda": form.agenda_lines()}


def _meeting_form_page(form: MeetingForm, meeting: Meeting | None, status: int = 200,
                       error: str | None = None):
    return render_template("meetings/form.html", form=form, meeting=meeting,
                           error=error), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The coordinator plans a meeting (others: 403)."""
    me = _me()
    form = MeetingForm()
    if not can_manage(me):
        return render_template("meetings/refused.html",
                               message=MANAGE_REFUSAL), 403
    form.set_people(services.invitable_users(me.groupement_id))
    if not form.is_submitted():
        return _meeting_form_page(form, None)
    if not form.validate():
        return _meeting_form_page(form, None, 422, gettext(
            "Réunion non enregistrée : corrigez les champs signalés."))
    try:
        meeting = services.plan_meeting(me, **_meeting_values(form))
    except DomainError as error:
        return _meeting_form_page(form, None, _refused(error, form), error.message)
    flash(gettext("Réunion planifiée ; les invités sont prévenus."), "success")
    return redirect(url_for(".detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    """Change the date, place, invitees or agenda of a meeting."""
    me = _me()
    meeting = _load(meeting_id)
    if not can_manage(me, meeting):
        return _detail_page(meeting, 403, gettext("Seule la coordination modifie les réunions."))
    local = meeting.local_start
    form = MeetingForm(data={
        "kind": meeting.kind, "title": meeting.title, "day": local.date(),
        "start": local.time().replace(tzinfo=None), "duration_minutes": meeting.duration_minutes,
        "place": meeting.place, "video_url": meeting.video_url,
        "invitees": [i.user_id for i in meeting.invitees],
        "agenda": "\n".join(item.text for item in meeting.agenda)})
    form.set_people(services.invitable_users(me.groupement_id))
    if not form.is_submitted():
        return _meeting_form_page(form, meeting)
    if not form.validate():
        return _meeting_form_page(form, meeting, 422, gettext(
            "Réunion non modifiée : corrigez les champs signalés."))
    try:
        services.update_meeting(meeting, me, **_meeting_values(form))
    except DomainError as error:
        return _meeting_form_page(form, meeting, _refused(error, form), error.message)
    flash(gettext("Réunion modifiée."), "success")
    return redirect(url_for(".detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    """A meeting: facts, agenda, invitees, .ics link, minutes versions, votes to cast."""
    return _detail_page(_load(meeting_id))


@bp.post("/<int:meeting_id>/status")
@login_required
def status(meeting_id: int):
    """Mark the meeting held or cancelled (or planned again)."""
    meeting = _load(meeting_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail_page(meeting, 422, gettext("Changement d'état invalide."))
    try:
        services.set_status(meeting, _me(), form.status.data)
    except DomainError as error:
        return _detail_page(meeting, _refused(error), error.message)
    flash(gettext("Réunion : %(status)s.", status=meeting.status.label.lower()), "success")
    return redirect(url_for(".detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>.ics")
@login_required
def ics(meeting_id: int):
    """The iCalendar invitation of a meeting the user may read."""
    meeting = _load(meeting_id)
    body = meeting_ics(meeting, public_link("meetings.detail", meeting_id=meeting.id))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8; method=" + (
        "CANCEL" if meeting.status == "cancelled" else "REQUEST")
    response.headers["Content-Disposition"] = f'attachment; filename="reunion-{meeting.id}.ics"'
    return response

