"""Many clients at once over real HTTP (issue 5, item 5).

The app is served for real on 127.0.0.1 (werkzeug's threaded server: one thread,
one app context and one database connection per request) on the suite's
database — a SQLite file in WAL mode with a busy timeout, or PostgreSQL — and
driven by client threads with API tokens (``http.client``, no extra dependency):

- 20 technicians log on-site sessions on their own interventions (and read
  the list of interventions after each), all for the same beneficiary, whose
  annual cap (35 h) lets only a few interventions become billable (an
  intervention is billable from 7 h on site);
- 4 directors of that beneficiary activate 30 requests estimated at 7 h on site
  (R7: refused once the cap has no room for them), each request by two directors
  at once.

Checked afterwards in the database: the cap is never exceeded, not even at the
moment of each activation (replayed from the audit log, written under the same
lock); no answer is a 5xx; every 201 is stored and nothing refused is; every
refusal is a 409 or 422 JSON error of SPEC §8. The load held is printed.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text
from werkzeug.serving import make_server

from gic.audit.models import AuditEntry
from gic.auth.services import create_token
from gic.convention import ledger, rules
from gic.convention.history import cap_for_year
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import Role
from gic.timeutil import local_today
from tests.conftest import add_user, make_app

# Served in threads on their own connections: the data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

TECHNICIANS = 20  # clients logging sessions (10 from A, 10 from C)
DIRECTORS = 4  # clients activating requests (directors of B)
SESSIONS = 7  # on-site sessions of 2 h each technician tries (billable from the 4th)
DRAFTS = 30  # requests of 7 h on site to activate, each by two directors
TIME_LIMIT = 60  # seconds: the whole load must be served well within this
ERROR_CODES = {409: {"cap_exceeded", "wrong_state"}, 422: {"invalid_field"}}


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port), one thread per request; yields its URL."""
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # no line per request; errors still shown
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # server_close() then waits for the request threads, done with their teardown (their
    # database connections back in the pool, closed when the caller disposes of it).
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="gic-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        werkzeug_log.setLevel(level)


@dataclass
class Answer:
    """One HTTP exchange as the client saw it."""

    method: str
    path: str
    status: int  # 0: no answer (connection error)
    body: object = None
    content_type: str = ""
    error: str = ""
    sent: dict | None = None


def call(base: str, method: str, path: str, token: str, body: dict | None = None) -> Answer:
    """One request on a new connection (the development server speaks HTTP/1.0)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        content_type = response.getheader("Content-Type", "")
        parsed = json.loads(raw) if content_type.startswith("application/json") else raw
        return Answer(method, path, response.status, parsed, content_type, sent=body)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Answer(method, path, 0, error=f"{type(error).__name__}: {error}", sent=body)
    finally:
        connection.close()


@dataclass
class Load:
    """What the clients did: every answer, per client."""

    answers: dict[str, list[Answer]] = field(default_factory=dict)
    seconds: float = 0.0

    def all(self) -> list[Answer]:
        return [a for answers in self.answers.values() for a in answers]


def run_clients(clients: dict[str, callable]) -> Load:
    """Start every client together (barrier) and wait for all."""
    load = Load(answers={name: [] for name in clients})  # filled by one thread each
    barrier = threading.Barrier(len(clients))

    def run(name, client) -> None:
        barrier.wait(timeout=30)
        try:
            client(load.answers[name])
        except Exception as error:  # noqa: BLE001 - a client bug is a failure, reported
            load.answers[name].append(Answer("-", "-", 0, error=repr(error)))

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in clients.items()]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIME_LIMIT * 2)
    load.seconds = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client is stuck"
    return load


def session_days(today: date) -> list[date]:
    """Past days, one per session (never the same day twice for a technician)."""
    return [today - timedelta(days=n) for n in range(1, SESSIONS + 1)]


def test_many_clients_log_sessions_and_activate_for_one_beneficiary(app, world):
    groupement = world.groupement
    beneficiary = world.establishments["B"]
    today = local_today(groupement.timezone)
    days = session_days(today)

    # --- the people and the requests, through the services ----------------------------
    technicians = []
    for letter in "AC":
        for n in range(TECHNICIANS // 2):
            technicians.append(add_user(groupement, f"tech{n}.{letter.lower()}@gic65.test",
                                        Role.TECHNICIAN, world.establishments[letter]))
    directors = [world.directors["B"]] + [
        add_user(groupement, f"dir{n}.b@gic65.test", Role.DIRECTOR, beneficiary)
        for n in range(1, DIRECTORS)]
    db.session.commit()
    assigned = {}
    for technician in technicians:
        provider = technician.establishment_id
        letter = "A" if provider == world.establishments["A"].id else "C"
        i = services.create_draft(world.technicians["B"], provider_id=provider, axis=2,
                                  nature="incident", description="Panne du serveur")
        services.activate(i, world.directors["B"])
        services.accept(i, world.directors[letter], technician.id)
        assigned[technician.id] = i.id
    drafts = [services.create_draft(world.technicians["B"],
                                    provider_id=world.establishments["AC"[n % 2]].id, axis=2,
                                    nature="incident", description=f"Migration du poste {n}",
                                    estimated_onsite_minutes=420).id for n in range(DRAFTS)]
    tokens = {user.id: create_token(user, "charge")[1] for user in technicians + directors}
    setup_done = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    db.session.commit()

    # --- the clients ----------------------------------------------------------------------
    def technician_client(technician_id: int):
        token, intervention_id = tokens[technician_id], assigned[technician_id]
        path = f"/api/v1/interventions/{intervention_id}"

        def client(answers: list[Answer]) -> None:
            for day in days:
                answers.append(call(base, "POST", path + "/sessions", token, {
                    "date": day.isoformat(), "start": "08:00", "end": "10:00",
                    "mode": "onsite", "notes": "Remplacement du commutateur"}))
                answers.append(call(base, "GET", "/api/v1/interventions?per_page=5", token))
            # Overlaps its own first session: refused (422), whatever the cap.
            answers.append(call(base, "POST", path + "/sessions", token, {
                "date": days[0].isoformat(), "start": "09:00", "end": "11:00",
                "mode": "onsite"}))
            answers.append(call(base, "GET", path, token))  # reads what it wrote
        return client

    def director_client(n: int, director_id: int):
        token = tokens[director_id]
        mine = [d for k, d in enumerate(drafts) if k % DIRECTORS in (n, (n + 1) % DIRECTORS)]
        random.Random(n).shuffle(mine)

        def client(answers: list[Answer]) -> None:
            for draft_id in mine:
                answers.append(call(base, "POST", f"/api/v1/interventions/{draft_id}/activate",
                                    token, {}))
                # Reads the request between two activations, as a director does:
                # the activations spread over the sessions' run.
                answers.append(call(base, "GET", f"/api/v1/interventions/{draft_id}", token))
            answers.append(call(base, "GET", "/api/v1/interventions?state=active&per_page=100",
                                token))
        return client

    clients = {f"technician-{t.id}": technician_client(t.id) for t in technicians}
    clients |= {f"director-{d.id}": director_client(n, d.id) for n, d in enumerate(directors)}
    server_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    if db.engine.dialect.name == "sqlite":  # a file in WAL mode, writers wait their turn
        with server_app.app_context():
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000
            db.session.remove()
    try:
        with serve(server_app) as base:
            load = run_clients(clients)
    finally:
        with server_app.app_context():
            db.engine.dispose()
    db.session.rollback()  # read what the server committed
    answers = load.all()
    statuses = Counter(a.status for a in answers)
    codes = Counter((a.status, a.body["error"]["code"]) for a in answers
                    if a.status in ERROR_CODES and isinstance(a.body, dict) and "error" in a.body)
    print(f"\nHTTP load ({db.engine.dialect.name}): {len(clients)} clients, {len(answers)} "
          f"requests in {load.seconds:.1f} s ({len(answers) / load.seconds:.0f}/s); statuses "
          f"{dict(sorted(statuses.items()))}; refusals {dict(sorted(codes.items()))}; errors "
          f"{sum(1 for a in answers if a.status == 0 or a.status >= 500)}")

    # --- every answer is an expected one --------------------------------------------------
    broken = [a for a in answers if a.status == 0 or a.status >= 500]
    assert not broken, broken[:5]
    assert set(statuses) <= {200, 201, 409, 422}, statuses
    for a in answers:
        if a.status in ERROR_CODES:
            assert a.content_type.startswith("application/json"), a
            assert a.body["error"]["code"] in ERROR_CODES[a.status], a
            assert a.body["error"]["message"], a
    # Each draft: two directors, each activating it then reading it.
    assert len(answers) == TECHNICIANS * (2 * SESSIONS + 2) + 2 * 2 * DRAFTS + DIRECTORS
    assert load.seconds < TIME_LIMIT

    # --- nothing accepted is lost, nothing refused is stored --------------------------------
    created = {a.body["id"]: a for a in answers if a.status == 201}
    stored = {s.id: s for s in db.session.scalars(select(InterventionSession))}
    assert set(stored) == set(created)
    for session_id, answer in created.items():
        s = stored[session_id]
        assert (s.date.isoformat(), s.start_time.strftime("%H:%M"), s.mode) == (
            answer.sent["date"], answer.sent["start"], answer.sent["mode"])
    for name, client_answers in load.answers.items():
        if name.startswith("technician-"):
            *posts, overlap = [a for a in client_answers if a.method == "POST"]
            detail = client_answers[-1]
            assert overlap.status == 422 and overlap.body["error"]["field"] == "start"
            assert detail.status == 200
            assert {s["id"] for s in detail.body["sessions"]} == {
                a.body["id"] for a in posts if a.status == 201}
            refused = [a for a in posts if a.status != 201]
            assert all(a.status == 409 and a.body["error"]["code"] == "cap_exceeded"
                       for a in refused), refused
    audited = db.session.scalars(select(AuditEntry.object_id).where(
        AuditEntry.action == "session.create")).all()
    assert sorted(audited) == sorted(stored)

    # --- the cap holds at the end, and held at each activation -------------------------------
    cap = cap_for_year(groupement.id, today.year)
    years = sorted({s.year for s in stored.values()})
    use = ledger.cap_use(beneficiary.id, years)
    assert all(use.get(y, 0) <= cap for y in years), use
    assert codes[(409, "cap_exceeded")] > 0  # the load did reach the cap
    facts: dict[int, list[rules.SessionFact]] = defaultdict(list)
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.id > setup_done,
        AuditEntry.action.in_(["session.create", "intervention.activate"]))
        .order_by(AuditEntry.id)).all()  # the order of the beneficiary's lock
    activated_when = []
    for entry in entries:
        if entry.action == "session.create":
            s = stored[entry.object_id]
            facts[s.intervention_id].append(
                rules.SessionFact(day=s.date, mode=rules.Mode(s.mode), minutes=s.minutes))
        used = {y: sum(rules.billable_by_year(f, 420).get(y, 0) for f in facts.values())
                for y in years}
        assert all(minutes <= cap for minutes in used.values()), (entry.id, used)
        if entry.action == "intervention.activate":
            assert used.get(today.year, 0) + 420 <= cap, (entry.id, used)  # R7
            activated_when.append(used.get(today.year, 0))
    assert {y: m for y, m in used.items() if m} == {y: m for y, m in use.items() if m}

    # --- each request was activated once at most, as answered --------------------------------
    activations = defaultdict(list)
    for a in answers:
        if a.path.endswith("/activate"):
            activations[int(a.path.split("/")[4])].append(a)
    states = dict(db.session.execute(select(Intervention.id, Intervention.state).where(
        Intervention.id.in_(drafts))).all())
    for draft_id, attempts in activations.items():
        won = [a for a in attempts if a.status == 200]
        assert len(won) <= 1 and len(attempts) == 2
        assert states[draft_id] == (State.ACTIVE if won else State.DRAFT)
        if won:
            assert won[0].body["state"] == "active"
    assert len(activated_when) == sum(1 for s in states.values() if s == State.ACTIVE)
    print(f"activations: {len(activated_when)} of {DRAFTS} requests; cap use of B "
          f"{dict(use)} / {cap} min")
