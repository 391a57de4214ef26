"""Planning meetings, and the scheduled jobs about them (SPEC §5, §6).

One function per step: :func:`plan_meeting`, :func:`update_meeting`,
:func:`set_status`. Each checks the actor (coordinator of the groupement), the
input's meaning, writes the audit log, commits, then notifies the people
concerned. The minutes' steps are in :mod:`gic.meetings.minutes`.

The three ``job_*`` functions are called by the scheduler (:mod:`gic.jobs`)
with the day of the run; each is idempotent through its notification keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.audit.services import record
from gic.convention import rules
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.formatting import hours_minutes, long_datetime
from gic.forms import MAX_INT
from gic.i18n import in_french
from gic.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingInvitee,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    to_utc,
)
from gic.meetings.permissions import can_view
from gic.meetings.prefill import day_bounds_utc, technicians_meetings_in_year
from gic.models import Groupement, Role, User
from gic.notifications.services import link_for, notify, public_link, users_with_role
from gic.per_groupement import for_each_groupement
from gic.policy import authorize

TECHNICIANS_MEETINGS_PER_YEAR = 3  # seed 002: « les techniciens se réunissent 3 fois par an »
REMINDER_DAYS = 2  # invitees are reminded of meetings starting within this many days
MINUTES_DUE_DAYS = 15  # minutes should be final this many days after the meeting
MAX_AGENDA_ITEMS = 50
DEFAULT_ROLE = {MeetingKind.TECHNICIANS: Role.TECHNICIAN, MeetingKind.DIRECTORS: Role.DIRECTOR}


# --- Reading -------------------------------------------------------------------

def get_meeting(user: User, meeting_id: int) -> Meeting:
    """The meeting if ``user`` may read it; :class:`NotFound` otherwise."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can_view(user, meeting):
        raise NotFound(gettext("Réunion introuvable."))
    return meeting


def invitable_users(groupement_id: int) -> list[User]:
    """Active people of the groupement, who may be invited (by role, then name)."""
    return list(db.session.scalars(
        select(User).where(User.groupement_id == groupement_id, User.active.is_(True))
        .options(selectinload(User.establishment)).order_by(User.role, User.name)))


def default_invitees(groupement_id: int, kind: MeetingKind | str) -> list[User]:
    """All technicians for a technicians' meeting, all directors for a directors' one."""
    return users_with_role(groupement_id, DEFAULT_ROLE[MeetingKind(kind)])


def technicians_meetings_count(groupement: Groupement, year: int) -> int:
    """Technicians' meetings planned or held in ``year`` (the seed asks for 3)."""
    return technicians_meetings_in_year(groupement.id, year, groupement.timezone)


def when_text(meeting: Meeting) -> str:
    """« mardi 1 décembre 2026 à 14:00 » in the groupement's time zone."""
    return long_datetime(meeting.local_start, weekday=True)


# --- Checking input ------------------------------------------------------------

def _text(value: str | None, field: str, label: str, limit: int, *, required: bool) -> str:
    """``value`` stripped; ``label`` (translated) names the field in the refusal."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidField(gettext("%(label)s : ce champ est obligatoire.", label=label),
                           field=field)
    if len(value) > limit:
        raise InvalidField(gettext("%(label)s : %(limit)s caractères au plus.", label=label,
                                   limit=limit), field=field)
    return value


def _checked(groupement: Groupement, *, kind: str, title: str | None, day: date | None,
             start: time | None, duration_minutes: int | None, place: str | None,
             video_url: str | None, agenda: Iterable[str] | None) -> dict:
    """The meeting's fields, checked and normalised (French refusals on the field)."""
    try:
        kind_value = MeetingKind(kind)
    except ValueError:
        raise InvalidField(gettext("Type de réunion inconnu."), field="kind") from None
    if day is None or not rules.is_plausible_year(day.year):
        raise InvalidField(gettext("Indiquez la date de la réunion."), field="day")
    if start is None:
        raise InvalidField(gettext("Indiquez l'heure de début."), field="start")
    if duration_minutes is None or not 15 <= duration_minutes <= 24 * 60:
        raise InvalidField(gettext("La durée va de 15 minutes à 24 heures."),
                           field="duration_minutes")
    place = _text(place, "place", gettext("Lieu"), 300, required=False)
    video_url = _text(video_url, "video_url", gettext("Lien de visioconférence"), 500,
                      required=False)
    if video_url and (not video_url.startswith(("https://", "http://"))
                      or any(c.isspace() for c in video_url)):
        raise InvalidField(gettext("Le lien de visioconférence est une adresse web "
                                   "(https://…) sans espace."), field="video_url")
    if not place and not video_url:
        raise InvalidField(gettext("Indiquez un lieu ou un lien de visioconférence."),
                           field="place")
    items = [line.strip() for line in (agenda or []) if line and line.strip()]
    if len(items) > MAX_AGENDA_ITEMS or any(len(item) > 500 for item in items):
        raise InvalidField(gettext("Ordre du jour : %(count)s points au plus, de 500 "
                                   "caractères chacun.", count=MAX_AGENDA_ITEMS), field="agenda")
    title = _text(title, "title", gettext("Titre"), 200, required=False) or _default_title(
        kind_value)
    rules.check_local_time(day, start, groupement.timezone, "start")  # was moved silently
    starts_at = to_utc(datetime.combine(day, start), groupement.timezone)
    return {"kind": kind_value, "title": title, "starts_at": starts_at,
            "duration_minutes": duration_minutes, "place": place, "video_url": video_url,
            "agenda": items}


def _default_title(kind: MeetingKind) -> str:
    """The kind's name, in French whoever plans: the title is stored and read by all
    (invitations, the minutes of record)."""
    with in_french():
        return kind.label


def _invitees(groupement_id: int, kind: MeetingKind,
              invitee_ids: Iterable[int] | None) -> list[User]:
    ids = sorted(set(invitee_ids or []))
    if not ids:
        return default_invitees(groupement_id, kind)
    if not all(1 <= i <= MAX_INT for i in ids):  # cannot exist (PostgreSQL: out of range)
        raise InvalidField(gettext("Invité inconnu dans ce groupement."), field="invitees")
    users = list(db.session.scalars(select(User).where(
        User.id.in_(ids), User.groupement_id == groupement_id, User.active.is_(True))
        .order_by(User.id)))
    if len(users) != len(ids):
        raise InvalidField(gettext("Invité inconnu dans ce groupement."), field="invitees")
    return users


def _audit_values(meeting: Meeting) -> dict:
    return {"kind": str(meeting.kind), "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(timespec="minutes"),
            "duration_minutes": meeting.duration_minutes, "place": meeting.place,
            "video_url": meeting.video_url, "status": str(meeting.status),
            "invitees": sorted(i.user_id for i in meeting.invitees),
            "agenda": [item.text for item in meeting.agenda]}


def _apply(meeting: Meeting, values: dict, invitees: list[User]) -> None:
    for name in ("kind", "title", "starts_at", "duration_minutes", "place", "video_url"):
        setattr(meeting, name, values[name])
    wanted = {u.id for u in invitees}
    for invitee in list(meeting.invitees):
        if invitee.user_id not in wanted:
            meeting.invitees.remove(invitee)
    present = {i.user_id for i in meeting.invitees}
    meeting.invitees.extend(MeetingInvitee(user_id=u.id) for u in invitees if u.id not in present)
    meeting.agenda.clear()
    db.session.flush()  # old agenda rows go before the new ones take their positions
    meeting.agenda.extend(AgendaItem(position=n, text=text)
                          for n, text in enumerate(values["agenda"], start=1))


# --- Steps ---------------------------------------------------------------------

def plan_meeting(actor: User, *, kind: str, title: str | None, day: date | None,
                 start: time | None, duration_minutes: int | None, place: str | None = "",
                 video_url: str | None = "", invitee_ids: Iterable[int] | None = None,
                 agenda: Iterable[str] | None = None) -> Meeting:
    """The coordinator plans a meeting; invitees default to the kind's role.

    ``day`` and ``start`` are local (groupement's time zone). Invitees of a
    meeting still to come are notified, with the iCalendar link.
    """
    authorize(actor, "meeting.manage")
    groupement = actor.groupement
    values = _checked(groupement, kind=kind, title=title, day=day, start=start,
                      duration_minutes=duration_minutes, place=place, video_url=video_url,
                      agenda=agenda)
    invitees = _invitees(groupement.id, values["kind"], invitee_ids)
    meeting = Meeting(groupement_id=groupement.id, created_by_id=actor.id,
                      status=MeetingStatus.PLANNED)
    db.session.add(meeting)
    _apply(meeting, values, invitees)
    db.session.flush()
    record(actor, "meeting.plan", meeting, after=_audit_values(meeting))
    db.session.commit()
    invite(meeting)
    return meeting


def _require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise RuleRefused(gettext("Cette réunion est annulée : elle ne se modifie plus."))
    final = db.session.scalar(select(func.count(Minutes.id)).where(
        Minutes.meeting_id == meeting.id, Minutes.status == MinutesStatus.FINAL))
    if final:
        raise RuleRefused(gettext("Le compte rendu de cette réunion est finalisé : la réunion "
                                  "ne se modifie plus."), code="minutes_final")


def update_meeting(meeting: Meeting, actor: User, *, kind: str, title: str | None,
                   day: date | None, start: time | None, duration_minutes: int | None,
                   place: str | None = "", video_url: str | None = "",
                   invitee_ids: Iterable[int] | None = None,
                   agenda: Iterable[str] | None = None) -> Meeting:
    """Change a meeting (not cancelled, minutes not finalised). New invitees get
    the invitation; everyone is told when the date, time or place changed."""
    authorize(actor, "meeting.manage", meeting)
    _require_open(meeting)
    before = _audit_values(meeting)
    values = _checked(meeting.groupement, kind=kind, title=title, day=day, start=start,
                      duration_minutes=duration_minutes, place=place, video_url=video_url,
                      agenda=agenda)
    _apply(meeting, values, _invitees(meeting.groupement_id, values["kind"], invitee_ids))
    after = _audit_values(meeting)
    if after == before:
        db.session.rollback()
        return meeting
    meeting.sequence += 1
    record(actor, "meeting.update", meeting, before=before, after=after)
    db.session.commit()
    moved = any(before[k] != after[k] for k in ("starts_at", "duration_minutes", "place",
                                                "video_url"))
    if moved and meeting.starts_at > timeutil.utcnow():
        _tell_invitees(meeting, f"meeting:{meeting.id}:update:{meeting.sequence}",
                       lambda: gettext("Réunion modifiée : %(title)s le %(when)s",
                                       title=meeting.title, when=when_text(meeting)),
                       lambda: gettext("La date, l'heure ou le lieu de cette réunion ont "
                                       "changé."))
    invite(meeting)
    return meeting


STATUS_MOVES = {
    MeetingStatus.HELD: frozenset({MeetingStatus.PLANNED}),
    MeetingStatus.CANCELLED: frozenset({MeetingStatus.PLANNED}),
    MeetingStatus.PLANNED: frozenset({MeetingStatus.HELD}),
}


def set_status(meeting: Meeting, actor: User, status: str) -> Meeting:
    """Mark a planned meeting held or cancelled (a held one back to planned).
    A cancelled meeting's invitees are told; once minutes exist, the meeting stays held."""
    authorize(actor, "meeting.manage", meeting)
    try:
        target = MeetingStatus(status)
    except ValueError:
        raise InvalidField(gettext("État de réunion inconnu."), field="status") from None
    if meeting.status not in STATUS_MOVES[target]:
        raise RuleRefused(gettext("Cette réunion est « %(status)s » : ce changement n'est "
                                  "pas possible.", status=meeting.status.label))
    if target != MeetingStatus.HELD and meeting.minutes:
        raise RuleRefused(gettext("Cette réunion a un compte rendu : elle a eu lieu, son état "
                                  "ne change plus."))
    before = {"status": str(meeting.status)}
    meeting.status = target
    meeting.sequence += 1
    record(actor, "meeting.status", meeting, before=before, after={"status": str(target)})
    db.session.commit()
    if target == MeetingStatus.CANCELLED and meeting.starts_at > timeutil.utcnow():
        _tell_invitees(meeting, f"meeting:{meeting.id}:cancel",
                       lambda: gettext("Réunion annulée : %(title)s du %(when)s",
                                       title=meeting.title, when=when_text(meeting)),
                       lambda: gettext("Cette réunion est annulée. Vous pouvez la retirer de "
                                       "votre agenda."))
    return meeting


# --- Notifications -------------------------------------------------------------

def _details(meeting: Meeting) -> str:
    lines = [gettext("%(kind)s « %(title)s »", kind=meeting.kind.label, title=meeting.title),
             gettext("Quand : %(when)s (%(duration)s)", when=when_text(meeting),
                     duration=hours_minutes(meeting.duration_minutes))]
    if meeting.place:
        lines.append(gettext("Lieu : %(place)s", place=meeting.place))
    if meeting.video_url:
        lines.append(gettext("Visioconférence : %(url)s", url=meeting.video_url))
    if meeting.agenda:
        lines.append(gettext("Ordre du jour :"))
        lines.extend(f"  {item.position}. {item.text}" for item in meeting.agenda)
    lines.append(gettext("Ajouter à votre agenda (iCalendar) : %(url)s",
                         url=public_link("meetings.ics", meeting_id=meeting.id)))
    return "\n".join(lines)


def _invitee_users(meeting: Meeting) -> list[User]:
    return [i.user for i in meeting.invitees]


def _tell_invitees(meeting: Meeting, key: str, subject: Callable[[], str],
                   intro: Callable[[], str]) -> int:
    """Tell the invitees, each in his language (``subject``, ``intro``: made under it)."""
    return len(notify(
        _invitee_users(meeting), kind="meeting", key=key, subject=subject,
        body=lambda: f"{intro()}\n\n{_details(meeting)}",
        link=link_for("meetings.detail", meeting_id=meeting.id)))


def invite(meeting: Meeting) -> int:
    """Send the invitation to invitees not yet invited, if the meeting is still to come."""
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= timeutil.utcnow():
        return 0
    return _tell_invitees(meeting, f"meeting:{meeting.id}:invite",
                          lambda: gettext("Invitation : %(title)s le %(when)s",
                                          title=meeting.title, when=when_text(meeting)),
                          lambda: gettext("Vous êtes invité(e) à cette réunion du groupement."))


# --- Scheduled jobs ------------------------------------------------------------

def job_technicians_meetings(today: date) -> dict[str, int]:
    """Remind coordinators, once a month, while fewer than 3 technicians' meetings
    are planned or held in the year."""
    return for_each_groupement(_technicians_meetings_of, today)


def _technicians_meetings_of(groupement: Groupement, today: date) -> int:
    count = technicians_meetings_count(groupement, today.year)
    if count >= TECHNICIANS_MEETINGS_PER_YEAR:
        return 0
    return len(notify(
        users_with_role(groupement.id, Role.COORDINATOR), kind="meeting",
        key=f"tech-meetings:{groupement.id}:{today:%Y-%m}",
        subject=lambda: gettext("Réunions de techniciens %(year)s : %(count)s sur "
                                "%(expected)s prévues", year=today.year, count=count,
                                expected=TECHNICIANS_MEETINGS_PER_YEAR),
        body=lambda: gettext("La convention prévoit que les techniciens se réunissent "
                             "%(expected)s fois par an ; %(count)s réunion(s) de techniciens "
                             "sont prévues ou tenues en %(year)s. Pensez à planifier les "
                             "suivantes.", expected=TECHNICIANS_MEETINGS_PER_YEAR, count=count,
                             year=today.year),
        link=link_for("meetings.new")))


def job_meeting_reminders(today: date) -> dict[str, int]:
    """Remind invitees of the planned meetings starting today or within 2 days (once)."""
    return for_each_groupement(_reminders_of, today)


def _reminders_of(groupement: Groupement, today: date) -> int:
    low, high = day_bounds_utc(today, today + timedelta(days=REMINDER_DAYS),
                               groupement.timezone)
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.groupement_id == groupement.id,
                              Meeting.status == MeetingStatus.PLANNED,
                              Meeting.starts_at >= low, Meeting.starts_at < high)
        .options(selectinload(Meeting.invitees).selectinload(MeetingInvitee.user),
                 selectinload(Meeting.agenda))
        .order_by(Meeting.starts_at))
    return sum(_tell_invitees(m, f"meeting:{m.id}:reminder",
                              lambda m=m: gettext("Rappel : %(title)s le %(when)s",
                                                  title=m.title, when=when_text(m)),
                              lambda: gettext("Rappel : cette réunion approche."))
               for m in meetings)


def job_minutes_overdue(today: date) -> dict[str, int]:
    """Alert coordinators about meetings held more than 15 days ago whose minutes
    are not finalised (once per meeting)."""
    return for_each_groupement(_overdue_of, today)


def _overdue_of(groupement: Groupement, today: date) -> int:
    # Held more than 15 days ago: on or before today - 16, i.e. before today - 15 at 00:00.
    before = to_utc(datetime.combine(today - timedelta(days=MINUTES_DUE_DAYS), time()),
                    groupement.timezone)
    final = select(Minutes.meeting_id).where(Minutes.status == MinutesStatus.FINAL)
    meetings = list(db.session.scalars(
        select(Meeting).where(Meeting.groupement_id == groupement.id,
                              Meeting.status != MeetingStatus.CANCELLED,
                              Meeting.starts_at < before, Meeting.id.not_in(final))
        .order_by(Meeting.starts_at)))
    coordinators = users_with_role(groupement.id, Role.COORDINATOR)
    sent = 0
    for m in meetings:
        sent += len(notify(
            coordinators, kind="meeting", key=f"minutes-overdue:{m.id}",
            subject=lambda m=m: gettext("Compte rendu à finaliser : %(title)s du %(day)s",
                                        title=m.title, day=m.local_date.strftime("%d/%m/%Y")),
            body=lambda m=m: gettext("La réunion « %(title)s » a eu lieu le %(when)s, il y a "
                                     "plus de %(days)s jours, et son compte rendu n'est pas "
                                     "finalisé.", title=m.title, when=when_text(m),
                                     days=MINUTES_DUE_DAYS),
            link=link_for("meetings.detail", meeting_id=m.id)))
    return sent
