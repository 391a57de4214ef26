"""The iCalendar document of a user's feed, written with the ``icalendar`` library.

What is in it follows the permissions already defined elsewhere:

- intervention sessions (one event per logged session, with its start and end)
  of the interventions the user may see (:func:`visible_clause`); a technician's
  feed keeps his own work: the interventions he is assigned to and the sessions
  he logged. Interventions have no planned dates: only sessions are dated;
- the meetings he may read (:func:`visible_meetings`), cancelled ones marked so.

Only a window is sent (``PAST_DAYS`` back, ``FUTURE_DAYS`` ahead) so the feed
stays small; it is built with three queries whatever its size. Every event has
a stable UID and its DTSTAMP is the row's last change, not "now": the same data
give the same bytes, and a calendar sees what changed. Times are local to the
groupement (``TZID``) with their ``VTIMEZONE``. The texts are in the subscriber's
language (his profile's), whoever's calendar reads the address.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from icalendar import Calendar, Event, vDuration
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from gic import timeutil
from gic.calendar.services import public_host
from gic.convention.rules import Mode
from gic.extensions import db
from gic.formatting import numero
from gic.interventions.models import Intervention, InterventionSession
from gic.interventions.permissions import visible_clause
from gic.meetings.models import Meeting, MeetingStatus, to_local
from gic.meetings.permissions import visible_meetings
from gic.models import Establishment, User
from gic.policy import can

PRODID = "-//GIC//Agenda personnel//FR"
# The window sent: this many days back and ahead of today (groupement's time zone).
PAST_DAYS = 365
FUTURE_DAYS = 365
# What calendars are asked to wait between two readings.
REFRESH = timedelta(hours=1)
# Longest request description copied into an event.
DESCRIPTION_CHARS = 300


def window(tz: str) -> tuple[date, date]:
    """First day in, first day out of the feed."""
    today = timeutil.local_today(tz)
    return today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)


def sessions_for(user: User, since: date, until: date) -> list[InterventionSession]:
    """The sessions the feed shows, with their intervention, establishments and
    technician (one query)."""
    stmt = (select(InterventionSession)
            .join(InterventionSession.intervention)
            .where(visible_clause(user), InterventionSession.date >= since,
                   InterventionSession.date < until)
            .options(contains_eager(InterventionSession.intervention).options(
                         joinedload(Intervention.beneficiary), joinedload(Intervention.provider)),
                     joinedload(InterventionSession.technician))
            .order_by(InterventionSession.date, InterventionSession.start_time,
                      InterventionSession.id))
    if not can(user, "calendar.all_sessions"):  # a technician: his own sessions
        stmt = stmt.where(or_(Intervention.technician_id == user.id,
                              InterventionSession.technician_id == user.id))
    return list(db.session.scalars(stmt).unique())


def meetings_for(user: User, since: datetime, until: datetime) -> list[Meeting]:
    """The meetings the feed shows (naive UTC bounds), with their agenda (two queries)."""
    return list(db.session.scalars(
        visible_meetings(user)
        .where(Meeting.starts_at >= since, Meeting.starts_at < until)
        .options(selectinload(Meeting.agenda))
        .order_by(Meeting.starts_at, Meeting.id)))


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


def _place(e: Establishment) -> str:
    """« Établissement B, 3 rue du Lac, 65000 Tarbes » (what is known of it)."""
    town = " ".join(part for part in (e.postal_code, e.city) if part)
    return ", ".join(part for part in (e.name, e.street, town) if part)


def session_event(s: InterventionSession, tz: ZoneInfo, host: str, page_url: str) -> Event:
    """One logged session: « Intervention Établissement A → Établissement B (sur site) »."""
    i = s.intervention
    mode = s.mode.label.lower()
    event = Event()
    event.add("uid", f"intervention-session-{s.id}@{host}")
    event.add("dtstamp", _utc(s.updated_at))
    event.add("created", _utc(s.created_at))
    event.add("last-modified", _utc(s.updated_at))
    event.add("dtstart", datetime.combine(s.date, s.start_time, tz))
    event.add("dtend", datetime.combine(s.date, s.end_time, tz))
    event.add("summary", gettext("Intervention %(provider)s → %(beneficiary)s (%(mode)s)",
                                 provider=i.provider.name, beneficiary=i.beneficiary.name,
                                 mode=mode))
    if s.mode == Mode.ONSITE:
        event.add("location", _place(i.beneficiary))
    request = i.description.strip()
    if len(request) > DESCRIPTION_CHARS:
        request = request[:DESCRIPTION_CHARS].rstrip() + "…"
    lines = [gettext("Demande %(number)s — %(nature)s", number=numero(i.id),
                     nature=i.nature.label),
             gettext("Prestataire : %(name)s", name=i.provider.name),
             gettext("Bénéficiaire : %(name)s", name=i.beneficiary.name),
             gettext("Séance de %(name)s, %(mode)s", name=s.technician.name, mode=mode),
             "", request]
    if s.notes.strip():
        lines += ["", gettext("Notes de la séance : %(notes)s", notes=s.notes.strip())]
    lines += ["", gettext("Détails : %(url)s", url=page_url)]
    event.add("description", "\n".join(lines))
    event.add("url", page_url)
    event.add("categories", [gettext("Intervention")])
    event.add("status", "CONFIRMED")
    return event


def meeting_event(m: Meeting, tz: str, host: str, page_url: str) -> Event:
    """One meeting, cancelled ones kept with ``STATUS:CANCELLED`` (calendars strike
    them through instead of losing them silently)."""
    start = to_local(m.starts_at, tz)
    event = Event()
    event.add("uid", f"meeting-{m.id}@{host}")
    event.add("sequence", m.sequence)
    event.add("dtstamp", _utc(m.updated_at))
    event.add("created", _utc(m.created_at))
    event.add("last-modified", _utc(m.updated_at))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=m.duration_minutes))
    event.add("summary", m.title)
    if m.place:
        event.add("location", m.place)
    lines = [m.kind.label]
    if m.agenda:
        lines.append(gettext("Ordre du jour :"))
        lines += [f"{item.position}. {item.text}" for item in m.agenda]
    if m.video_url:
        lines.append(gettext("Visioconférence : %(url)s", url=m.video_url))
    lines.append(gettext("Détails : %(url)s", url=page_url))
    event.add("description", "\n".join(lines))
    event.add("url", page_url)
    event.add("categories", [gettext("Réunion")])
    event.add("status", "CANCELLED" if m.status == MeetingStatus.CANCELLED else "CONFIRMED")
    return event


def build_feed(user: User) -> bytes:
    """The user's feed as iCalendar bytes (RFC 5545), in his language."""
    from gic.notifications.services import language_of
    with force_locale(language_of(user)):
        return _feed(user)


def _feed(user: User) -> bytes:
    from gic.notifications.services import public_link
    tz_name = user.groupement.timezone
    tz = ZoneInfo(tz_name)
    since, until = window(tz_name)
    host = public_host()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = f"GIC – {user.name}"
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", gettext("Vos séances d'intervention et vos réunions (GIC)"))
    calendar.add("x-wr-timezone", tz_name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for s in sessions_for(user, since, until):
        calendar.add_component(session_event(
            s, tz, host, public_link("interventions.detail", intervention_id=s.intervention_id)))
    bounds = [datetime.combine(day, datetime.min.time(), tz).astimezone(UTC).replace(tzinfo=None)
              for day in (since, until)]
    for m in meetings_for(user, *bounds):
        calendar.add_component(meeting_event(
            m, tz_name, host, public_link("meetings.detail", meeting_id=m.id)))
    # The zone's rules over whole years around the window: the same bytes all year.
    calendar.add_missing_timezones(first_date=date(since.year, 1, 1),
                                   last_date=date(until.year + 1, 1, 1))
    return calendar.to_ical()
