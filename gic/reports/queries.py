"""Grouped SQL of the bilan: a handful of queries per groupement and year.

Each query groups on the database and returns at most a row per pair and axis
(or per month and mode), whatever the number of sessions: the bilan of a
groupement with a million sessions stays one pass per query, never one query
per intervention. Sessions count when their intervention is in a state where
work is recorded (accepted, completed, validated), as in :mod:`gic.billing.queries`.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, extract, func, select

from gic.convention.ledger import COUNTED_STATES, sessions_first
from gic.convention.rules import Mode
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State


def _year_sessions(groupement_id: int, year: int) -> list:
    return [Intervention.groupement_id == groupement_id,
            InterventionSession.year == year,
            Intervention.state.in_(COUNTED_STATES)]


def activity_by_pair_axis(groupement_id: int, year: int) -> list[tuple[int, ...]]:
    """Work of the year per pair and axis: (provider, beneficiary, axis,
    interventions, not yet validated, on-site minutes, remote minutes).

    One pass: the year's sessions are first summed per intervention (an
    intervention has one pair and one axis), then the interventions per pair and
    axis, so counts add up across rows and no row is returned per session.
    """
    sessions = InterventionSession
    per_intervention = (
        select(Intervention.provider_id, Intervention.beneficiary_id, Intervention.axis,
               Intervention.state,
               func.sum(case((sessions.mode == Mode.ONSITE, sessions.minutes),
                             else_=0)).label("onsite"),
               func.sum(case((sessions.mode == Mode.ONSITE, 0),
                             else_=sessions.minutes)).label("remote"))
        .select_from(sessions_first())
        .where(*_year_sessions(groupement_id, year))
        .group_by(Intervention.id)  # its primary key: its other columns are known
        .subquery()
    )
    rows = per_intervention.c
    stmt = (
        select(rows.provider_id, rows.beneficiary_id, rows.axis, func.count(),
               func.sum(case((rows.state != State.VALIDATED, 1), else_=0)),
               func.sum(rows.onsite), func.sum(rows.remote))
        .group_by(rows.provider_id, rows.beneficiary_id, rows.axis)
    )
    return [(p, b, axis, int(n), int(k), int(onsite), int(remote))
            for p, b, axis, n, k, onsite, remote in db.session.execute(stmt)]


def minutes_by_month(groupement_id: int, year: int) -> list[tuple[int, str, int]]:
    """Session minutes of the year per month (1–12) and mode: (month, mode, minutes)."""
    month = extract("month", InterventionSession.date)
    stmt = (
        select(month, InterventionSession.mode, func.sum(InterventionSession.minutes))
        .select_from(sessions_first())
        .where(*_year_sessions(groupement_id, year))
        .group_by(month, InterventionSession.mode)
    )
    return [(int(m), str(mode), int(total)) for m, mode, total in db.session.execute(stmt)]


def meetings_models():
    """The meetings module's models if the app loaded them, else None.

    Looked up, not imported: the app imports them when the meetings area is
    installed (with its tables); before that, the bilan simply has no meetings.
    """
    return sys.modules.get("gic.meetings.models")


def meetings_of_year(groupement_id: int, year: int,
                     tz: str = "Europe/Paris") -> list[dict[str, Any]]:
    """Meetings held in the year, each with its last finalised minutes version (or None).

    ``starts_at`` is naive UTC like every timestamp; the civil year is the
    groupement's (``tz``): a meeting at 00:30 on 1 January is in the new year.
    """
    module = meetings_models()
    meeting = getattr(module, "Meeting", None)
    if meeting is None:
        return []
    minutes = getattr(module, "Minutes", None)
    begin, end = _utc(datetime(year, 1, 1), tz), _utc(datetime(year + 1, 1, 1), tz)
    columns = [meeting.id, meeting.kind, meeting.title, meeting.starts_at]
    stmt = (select(*columns)
            .where(meeting.groupement_id == groupement_id, meeting.starts_at >= begin,
                   meeting.starts_at < end, meeting.status == "held")
            .order_by(meeting.starts_at, meeting.id))
    if minutes is not None:
        stmt = (stmt.add_columns(func.max(minutes.version))
                .outerjoin(minutes, (minutes.meeting_id == meeting.id)
                           & (minutes.status == "final"))
                .group_by(*columns))
    result = []
    for row in db.session.execute(stmt):
        final = row[4] if len(row) > 4 else None
        result.append({"id": row[0], "kind": str(row[1]), "title": row[2],
                       "starts_at": row[3].isoformat(timespec="minutes"),
                       "minutes_version": final})
    return result


def _utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in ``tz`` as naive UTC."""
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
