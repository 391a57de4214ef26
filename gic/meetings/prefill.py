"""The data a minutes draft starts from: what happened since the previous meeting.

:func:`build_snapshot` returns plain JSON (ints, strings, ISO dates) stored on
the minutes version, so that a finalised version shows the numbers as they were
on the day, whatever is logged later. Aggregations are grouped SQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.convention.history import cap_for_year
from gic.convention.ledger import cap_use_by_beneficiary
from gic.convention.rules import Mode
from gic.equipment.queries import loans_out_on
from gic.extensions import db
from gic.governance import electorate
from gic.interventions.models import Intervention, InterventionSession
from gic.meetings.models import (
    Action,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    to_utc,
)
from gic.models import Establishment, MembershipStatus


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The last meeting of the same kind before this one (cancelled ones do not count)."""
    return db.session.scalars(
        select(Meeting).where(
            Meeting.groupement_id == meeting.groupement_id, Meeting.kind == meeting.kind,
            Meeting.status != MeetingStatus.CANCELLED, Meeting.starts_at < meeting.starts_at,
            Meeting.id != meeting.id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1)).first()


def period_of(meeting: Meeting) -> tuple[date, date, Meeting | None]:
    """The days the minutes report on: the day after the previous meeting of the
    same kind (or 1 January of the meeting's year) up to the meeting's day,
    never beyond today. Also returns that previous meeting."""
    end = min(meeting.local_date, timeutil.local_today(meeting.groupement.timezone))
    previous = previous_meeting(meeting)
    if previous is not None:
        start = previous.local_date + timedelta(days=1)
    else:
        start = date(meeting.local_date.year, 1, 1)
    return min(start, end), end, previous


def activity_by_establishment(groupement_id: int, start: date,
                              end: date) -> dict[str, dict[int, dict[str, int]]]:
    """Interventions and minutes (on site, remote) each establishment gave and
    received between ``start`` and ``end`` inclusive: two grouped queries."""
    onsite = func.sum(case((InterventionSession.mode == Mode.ONSITE,
                            InterventionSession.minutes), else_=0))
    remote = func.sum(case((InterventionSession.mode == Mode.REMOTE,
                            InterventionSession.minutes), else_=0))
    result: dict[str, dict[int, dict[str, int]]] = {}
    for direction, column in (("given", Intervention.provider_id),
                              ("received", Intervention.beneficiary_id)):
        stmt = (
            select(column, func.count(func.distinct(Intervention.id)), onsite, remote)
            .join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .where(Intervention.groupement_id == groupement_id,
                   InterventionSession.date >= start, InterventionSession.date <= end)
            .group_by(column)
        )
        result[direction] = {
            establishment: {"interventions": int(count), "onsite": int(on or 0),
                            "remote": int(off or 0)}
            for establishment, count, on, off in db.session.execute(stmt)}
    return result


def latest_final_minutes(meeting: Meeting) -> Minutes | None:
    """The newest finalised version of a meeting's minutes."""
    return db.session.scalars(
        select(Minutes).where(Minutes.meeting_id == meeting.id,
                              Minutes.status == MinutesStatus.FINAL)
        .order_by(Minutes.version.desc()).limit(1)).first()


def open_actions_before(meeting: Meeting) -> list[Action]:
    """Actions not done in the newest finalised minutes of the last earlier meeting
    of the same kind that has some (carried-over actions chain from meeting to
    meeting, so that one set of minutes holds every open action)."""
    minutes = db.session.scalars(
        select(Minutes).join(Meeting, Meeting.id == Minutes.meeting_id).where(
            Meeting.groupement_id == meeting.groupement_id, Meeting.kind == meeting.kind,
            Meeting.starts_at < meeting.starts_at, Meeting.id != meeting.id,
            Minutes.status == MinutesStatus.FINAL)
        .order_by(Meeting.starts_at.desc(), Minutes.version.desc()).limit(1)).first()
    if minutes is None:
        return []
    return list(db.session.scalars(
        select(Action).where(Action.minutes_id == minutes.id, Action.done.is_(False))
        .options(selectinload(Action.minutes).selectinload(Minutes.meeting))
        .order_by(Action.id)))


def action_origin(action: Action) -> str:
    """« Réunion des techniciens du 12/03/2026 »: where an action was first decided."""
    if action.origin:
        return action.origin
    meeting = action.minutes.meeting
    return f"{meeting.title} du {meeting.local_date:%d/%m/%Y}"


def build_snapshot(meeting: Meeting) -> dict:
    """The pre-filled content of a minutes draft, as JSON-ready values."""
    start, end, previous = period_of(meeting)
    groupement = meeting.groupement
    establishments = list(db.session.scalars(  # members only: they vote (SPEC §7)
        select(Establishment).where(Establishment.groupement_id == groupement.id,
                                    Establishment.status == MembershipStatus.MEMBER)
        .order_by(Establishment.name)))
    activity = activity_by_establishment(groupement.id, start, end)
    empty = {"interventions": 0, "onsite": 0, "remote": 0}
    year = end.year
    cap = cap_for_year(groupement.id, year)
    used = cap_use_by_beneficiary(groupement.id, year)
    snapshot = {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "previous_meeting": None if previous is None else {
            "id": previous.id, "title": previous.title,
            "date": previous.local_date.isoformat()},
        "establishments": [
            {"id": e.id, "name": e.name,
             "given": activity["given"].get(e.id, empty),
             "received": activity["received"].get(e.id, empty)}
            for e in establishments],
        "cap": {"year": year, "cap_minutes": cap, "rows": [
            {"id": e.id, "name": e.name, "used": used.get(e.id, 0),
             "remaining": max(cap - used.get(e.id, 0), 0)}
            for e in establishments]},
        # Loans of the equipment register still out at the end of the period.
        "equipment": loans_out_on(groupement.id, end),
        "open_actions": [
            {"text": a.text, "owner": a.owner_name,
             "due_date": a.due_date.isoformat() if a.due_date else None,
             "origin": action_origin(a)}
            for a in open_actions_before(meeting)],
    }
    vote = weighted_vote(groupement.id, meeting.local_date)
    if vote is not None:
        snapshot["vote"] = vote
    return snapshot


def weighted_vote(groupement_id: int, day: date) -> dict | None:
    """Under the ordered-hours model on ``day`` (issue 16 item 6): the voters (no
    « utilisateur ») with their contributions of the year, and the quorum and
    majority of the version in force, frozen with the minutes. None otherwise."""
    terms = electorate.weighted_terms(groupement_id, day)
    if terms is None:
        return None
    voters = electorate.voters(groupement_id)
    amounts = electorate.weights(groupement_id, terms.year, [e.id for e in voters])
    return {"year": terms.year, "quorum_percent": terms.quorum_percent,
            "majority_percent": terms.majority_percent,
            "voters": [{"id": e.id, "name": e.name, "amount": f"{amounts[e.id]:.2f}"}
                       for e in voters]}


def year_bounds_utc(year: int, tz: str) -> tuple[datetime, datetime]:
    """1 January 00:00 of ``year`` and of the next, local time, as naive UTC."""
    return to_utc(datetime(year, 1, 1), tz), to_utc(datetime(year + 1, 1, 1), tz)


def day_bounds_utc(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """Local midnight starting ``first`` and ending ``last``, as naive UTC."""
    return (to_utc(datetime.combine(first, datetime.min.time()), tz),
            to_utc(datetime.combine(last + timedelta(days=1), datetime.min.time()), tz))


def technicians_meetings_in_year(groupement_id: int, year: int, tz: str) -> int:
    """Technicians' meetings planned or held in ``year`` (local time)."""
    low, high = year_bounds_utc(year, tz)
    return int(db.session.scalar(select(func.count(Meeting.id)).where(
        Meeting.groupement_id == groupement_id, Meeting.kind == MeetingKind.TECHNICIANS,
        Meeting.status != MeetingStatus.CANCELLED,
        Meeting.starts_at >= low, Meeting.starts_at < high)))

