"""What the meetings' pages and the minutes' pages share: loading a meeting
(or 404) and its detail page, the one a refusal without a form comes back to.

Both :mod:`gic.meetings.views` and :mod:`gic.meetings.minutes_views` import
this module; neither imports the other.
"""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gic.extensions import db
from gic.meetings import services
from gic.meetings.forms import ButtonForm, StatusForm
from gic.meetings.minutes import readable_versions
from gic.meetings.models import Meeting, MeetingInvitee
from gic.meetings.permissions import can_manage
from gic.meetings.votes import decisions_to_vote
from gic.models import User
from gic.pages import load, me


def load_meeting(meeting_id: int) -> Meeting:
    """The meeting if the user may read it, else 404."""
    return load(services.get_meeting, meeting_id)


def detail_page(meeting: Meeting, status: int = 200, refusal: str | None = None):
    """A meeting's page: facts, agenda, invitees, minutes versions, votes to cast;
    ``refusal`` on top, answered with ``status``."""
    user = me()
    invitees = list(db.session.scalars(
        select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id)
        .options(selectinload(MeetingInvitee.user).selectinload(User.establishment))
        .order_by(MeetingInvitee.id)))
    return render_template(
        "meetings/detail.html", meeting=meeting, invitees=invitees,
        versions=readable_versions(user, meeting), can_manage=can_manage(user, meeting),
        to_vote=decisions_to_vote(user, meeting), refusal=refusal, button=ButtonForm(),
        status_form=StatusForm()), status
