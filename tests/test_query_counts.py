"""SQL queries per page and API call do not grow with the data (SPEC §10, issue 6).

Each page or call of the benchmark (bench/run.py), plus the meetings list, the
billing page, the audit log and the bilan page, is requested at two sizes of
the same world: a base (one intervention of each kind the page shows, one
meeting, one audit entry…) and the base plus 40 interventions with 200
sessions over 2024–2026 in every state and pair, meetings, audit entries and
notifications. The number of SQL statements (counted on the engine's
``before_cursor_execute``) must be the same: a page that loads a list must do
it in a fixed number of queries (eager loading, grouped SQL), never one per row.
The extra data is inserted in bulk (SQLAlchemy Core), so the test stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import cycle

import pytest
from sqlalchemy import event, insert

from gic.audit.models import AuditEntry
from gic.auth.services import create_token
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession
from gic.meetings.models import Meeting, Minutes
from gic.notifications.models import Notification
from gic.reports.compute import compute_bilan
from gic.reports.services import generate_draft
from tests.conftest import login

YEAR = 2025
STATES = ("validated", "completed", "accepted", "draft", "active", "cancelled", "declined")
PAIRS = (("A", "B"), ("B", "A"), ("C", "B"), ("A", "C"), ("B", "C"), ("C", "A"))


class Ids:
    """The world's ids, read once: the test empties the session between requests."""

    def __init__(self, world) -> None:
        self.groupement = world.groupement.id
        self.establishments = {k: e.id for k, e in world.establishments.items()}
        self.technicians = {k: u.id for k, u in world.technicians.items()}
        self.directors = {k: u.id for k, u in world.directors.items()}
        self.coordinator, self.accountant = world.coordinator.id, world.accountant.id
        self.users = [*self.directors.values(), *self.technicians.values(),
                      self.coordinator, self.accountant]


def _interventions(world: Ids, count: int, first_day: date) -> int:
    """``count`` interventions over every state and pair, with 5 sessions each when
    work is recorded (on site reaching the threshold or not, and remote); how many
    sessions. Sessions of an intervention are on consecutive days from ``first_day``."""
    g, e, tech = world.groupement, world.establishments, world.technicians
    rows, plans = [], []
    for n, state, (provider, beneficiary) in zip(range(count), cycle(STATES), cycle(PAIRS)):
        rows.append({
            "groupement_id": g, "beneficiary_id": e[beneficiary], "provider_id": e[provider],
            "axis": 2 + n % 2, "nature": "incident", "description": f"Demande {n}",
            "urgency": "normal", "estimated_onsite_minutes": 0, "estimated_remote_minutes": 0,
            "threshold_minutes": 420, "state": state,
            "technician_id": tech[provider] if state in STATES[:3] else None,
            "created_by_id": world.directors[beneficiary],
            "created_at": datetime.combine(first_day, time(8)),
            "updated_at": datetime.combine(first_day, time(8)),
            "report": "Fait." if state in STATES[:2] else None})
        plans.append((state, tech[provider]))
    ids = db.session.scalars(
        insert(Intervention).returning(Intervention.id, sort_by_parameter_order=True), rows).all()
    sessions = []
    for n, (iid, (state, technician)) in enumerate(zip(ids, plans, strict=True)):
        if state not in STATES[:3]:
            continue
        onsite = 100 if n % 3 else 60  # 5 × 100 on site: billable; 2 × 60 + remote: free
        for k in range(5):
            day = first_day + timedelta(days=(n * 5 + k) % 300)
            mode = "onsite" if (onsite == 100 or k < 2) else "remote"
            sessions.append({
                "intervention_id": iid, "technician_id": technician, "date": day,
                "start_time": time(8), "end_time": time(8 + (onsite // 60), onsite % 60),
                "mode": mode, "minutes": onsite, "year": day.year,
                "hourly_rate": Decimal("25.00"), "notes": "",
                "created_at": datetime.combine(day, time(12)),
                "updated_at": datetime.combine(day, time(12))})
    if sessions:
        db.session.execute(insert(InterventionSession), sessions)
    return len(sessions)


def _paperwork(world: Ids, count: int, first_day: date) -> None:
    """Held meetings with final minutes, audit entries and notifications."""
    g, coordinator = world.groupement, world.coordinator
    meeting_ids = db.session.scalars(insert(Meeting).returning(
        Meeting.id, sort_by_parameter_order=True), [
        {"groupement_id": g, "kind": "technicians", "title": f"Réunion {n}",
         "starts_at": datetime.combine(first_day + timedelta(days=30 * n), time(13)),
         "duration_minutes": 120, "place": "Salle", "video_url": "", "status": "held",
         "sequence": 0, "created_by_id": coordinator,
         "created_at": datetime(2024, 1, 1), "updated_at": datetime(2024, 1, 1)}
        for n in range(count)]).all()
    db.session.execute(insert(Minutes), [
        {"meeting_id": mid, "version": 1, "status": "final", "summary": "", "snapshot": {},
         "created_by_id": coordinator, "created_at": datetime(2024, 6, 1),
         "finalised_at": datetime(2024, 6, 1), "finalised_by_id": coordinator}
        for mid in meeting_ids])
    e = world.establishments
    db.session.execute(insert(AuditEntry), [
        {"groupement_id": g, "establishment_id": e["B"], "other_establishment_id": e["A"],
         "actor_id": world.technicians["A"], "at": datetime(2025, 1, 1) + timedelta(hours=n),
         "action": "session.create", "object_type": "InterventionSession", "object_id": n,
         "before": None, "after": {"intervention_id": 1, "date": "2025-01-02", "start": "08:00",
                                   "end": "09:00", "mode": "onsite", "minutes": 60,
                                   "notes": "", "technician_id": world.technicians["A"]}}
        for n in range(count * 3)])
    db.session.execute(insert(Notification), [
        {"groupement_id": g, "user_id": u, "kind": "cap", "key": f"t:{first_day}:{n}",
         "subject": "Plafond", "body": "", "link": "/", "created_at": datetime(2025, 1, 1)}
        for u in world.users for n in range(count)])


def base(world: Ids) -> None:
    """One intervention of each state (the pages' lists are not empty), one meeting,
    three audit entries, a notification per person."""
    _interventions(world, len(STATES) * 2, date(2025, 1, 6))
    _paperwork(world, 1, date(2024, 2, 1))
    db.session.commit()


def grow(world: Ids) -> None:
    """40 interventions and 200 sessions more (2024–2026), meetings, entries, notifications."""
    for first_day in (date(2024, 3, 1), date(2025, 2, 1), date(2026, 1, 5)):
        _interventions(world, 14, first_day)
    _paperwork(world, 6, date(2024, 9, 1))
    db.session.commit()


class Probe:
    """Counts SQL statements around one request or call."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1

    def measure(self, call: Callable[[], object]) -> int:
        """Run ``call`` twice (the first warms caches up); the statements of the second."""
        call()
        db.session.remove()
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self)
        try:
            call()
        finally:
            event.remove(db.engine, "before_cursor_execute", self)
        db.session.remove()
        return self.count


def _page(role: str, path: str):
    def call(ctx):
        response = ctx.clients[role].get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()
    return call


def _api(role: str, path: str):
    def call(ctx):
        response = ctx.client.get(f"/api/v1{path}",
                                  headers={"Authorization": f"Bearer {ctx.tokens[role]}"})
        assert response.status_code == 200, (path, response.status_code, response.get_data())
        response.get_data()
    return call


def _create_session(ctx):
    """POST a session on the open intervention of technician A (a new slot each time)."""
    ctx.slot += 1
    response = ctx.client.post(
        f"/api/v1/interventions/{ctx.intervention_id}/sessions",
        headers={"Authorization": f"Bearer {ctx.tokens['technician']}"},
        json={"date": "2026-10-01", "start": f"{ctx.slot:02d}:00", "end": f"{ctx.slot:02d}:30",
              "mode": "onsite", "notes": ""})
    assert response.status_code == 201, response.get_data()


def _pair_page(ctx):
    """The billing page of pair B -> A (validated billable interventions at both sizes)."""
    e = ctx.ids.establishments
    _page("accountant", f"/billing/{YEAR}/paires/{e['B']}-{e['A']}")(ctx)


def _compute(ctx):
    compute_bilan(ctx.ids.groupement, YEAR)


CALLS = {
    "dashboard technician": _page("technician", "/"),
    "dashboard director": _page("director", "/"),
    "dashboard accountant": _page("accountant", "/"),
    "dashboard coordinator": _page("coordinator", "/"),
    "interventions list": _page("coordinator", "/interventions/"),
    "interventions list (director)": _page("director", "/interventions/"),
    "interventions list (technician)": _page("technician", "/interventions/"),
    "interventions list of a year": _page("coordinator", f"/interventions/?year={YEAR}"),
    "meetings list": _page("coordinator", "/meetings/"),
    "notifications list": _page("director", "/notifications/"),
    "billing page": _page("accountant", f"/billing/{YEAR}"),
    "billing page (director)": _page("director", f"/billing/{YEAR}"),
    "billing page of a pair": _pair_page,
    "audit log": _page("coordinator", "/audit/"),
    "bilan page": _page("coordinator", f"/bilan/{YEAR}"),
    "API billing": _api("accountant", f"/billing/{YEAR}"),
    "API bilan": _api("coordinator", f"/bilan/{YEAR}"),
    "API CSV export": _api("accountant", f"/billing/{YEAR}.csv"),
    "API XLSX export": _api("accountant", f"/billing/{YEAR}.xlsx"),
    "API session creation": _create_session,
    "bilan computation": _compute,
}


class Context:
    """Logged-in clients (pages) and tokens (API) of the world's four roles."""

    def __init__(self, app, world, ids: Ids) -> None:
        self.ids, self.client, self.slot = ids, app.test_client(), 6
        people = {"technician": world.technicians["A"], "director": world.directors["A"],
                  "accountant": world.accountant, "coordinator": world.coordinator}
        self.clients, self.tokens = {}, {}
        for role, user in people.items():
            self.clients[role] = app.test_client()
            assert login(self.clients[role], user).status_code == 302
            self.tokens[role] = create_token(user, "compteur")[1]
        self.intervention_id = db.session.scalars(
            db.select(Intervention.id).where(Intervention.technician_id == ids.technicians["A"],
                                             Intervention.state == "accepted")
            .order_by(Intervention.id)).first()


@pytest.mark.parametrize("name", list(CALLS))
def test_queries_do_not_grow_with_the_data(app, world, name):
    ids = Ids(world)
    base(ids)
    ctx = Context(app, world, ids)
    call = CALLS[name]
    probe = Probe()
    generate_draft(ids.groupement, YEAR)
    small = probe.measure(lambda: call(ctx))
    grow(ids)
    generate_draft(ids.groupement, YEAR)
    large = probe.measure(lambda: call(ctx))
    assert small == large, f"{name}: {small} requêtes avec peu de données, {large} avec plus"
