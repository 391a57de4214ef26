"""Rules that must hold when two people act at the same moment (SQLite and PostgreSQL).

R5: two sessions stored at once for the same beneficiary must not both pass the
cap check. Also: a cancel racing a session (work done is never erased by a
cancel) and a year close racing a session dated in that year (R9).

Real threads, each with its own application context, database session and
connection, start together on a barrier. The race window is widened on purpose
(a racer waits for the others after its reads, before the decision) so that without the locks both
sides would pass: the control test shows it, which proves the races can fail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select, text

from gic.billing import services as billing
from gic.convention import ledger
from gic.errors import RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import Role, User
from tests.conftest import add_user
from tests.helpers import accepted, hm, session

# Threads on their own connections race on committed data.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

ROUNDS = range(4)
RACE_DAY = date(2025, 3, 10)
WINDOW = 0.15  # seconds a racer waits for the others after reading the facts it decides on
# The rendezvous of the current race's threads (see ``slowed``), made by ``race``.
RENDEZVOUS: list[threading.Barrier] = []


def used_28_hours(world) -> None:
    """B has 28 h billable in 2025 (from C): 7 h left, room for one 7 h intervention."""
    full = accepted(world, provider="C")
    for n in range(4):
        session(world, full, date(2025, 2, 3 + n), "08:00", "15:00")


def race(app, attempts: list[Callable[[], Callable[[], object]]]) -> list[object]:
    """Run the attempts at once, each in its own thread, app context and session.

    An attempt loads what it needs by id and returns the action to race; the
    actions start together. Returns each action's result or exception.
    """
    db.session.commit()  # the main thread holds no transaction (nor lock) during the race
    barrier = threading.Barrier(len(attempts))
    RENDEZVOUS[:] = [threading.Barrier(len(attempts), timeout=WINDOW)]
    results: list[object] = [None] * len(attempts)

    def run(n: int, prepare: Callable[[], Callable[[], object]]) -> None:
        with app.app_context():
            try:
                action = prepare()
                barrier.wait(timeout=10)
                results[n] = action()
            except Exception as error:  # noqa: BLE001 - reported to the main thread
                results[n] = error

    threads = [threading.Thread(target=run, args=(n, a)) for n, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    db.session.rollback()  # read what the racers committed
    return results


def log_attempt(intervention_id: int, start: str, end: str, day: date = RACE_DAY,
                mode: str = "onsite"):
    """The assigned technician logs a session; the result is the session's id."""
    def prepare():
        i = db.session.get(Intervention, intervention_id)
        technician = db.session.get(User, i.technician_id)
        return lambda: services.log_session(i, technician, day=day, start=hm(start),
                                            end=hm(end), mode=mode).id
    return prepare


def slowed(monkeypatch, module, name: str) -> None:
    """After ``module.name`` answers, a racing thread waits for the other racers to
    have read too (at most ``WINDOW``): without the lock, every racer decides on
    the same facts, which the test then sees; with it, the others wait at the lock,
    before reading, and the first goes on once ``WINDOW`` has passed."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and RENDEZVOUS:
            try:
                RENDEZVOUS[0].wait()
            except threading.BrokenBarrierError:  # the others are at the lock
                pass
        return result

    monkeypatch.setattr(module, name, slow)


def split(results) -> tuple[list, list]:
    errors = [r for r in results if isinstance(r, Exception)]
    return [r for r in results if not isinstance(r, Exception)], errors


def count_sessions() -> int:
    return db.session.scalar(select(func.count(InterventionSession.id)))


def test_sqlite_runs_in_wal_and_waits_for_the_write_lock(app):
    """What the races rely on with SQLite: readers never block the writer, and a
    second writer waits (busy timeout) at its first write instead of failing."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite engine settings")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000


# --- R5: the cap ----------------------------------------------------------------------

def assert_one_winner(world, results) -> None:
    winners, losers = split(results)
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], RuleRefused), results
    assert losers[0].code == "cap_exceeded"
    assert losers[0].extra["remaining_minutes"] == 0
    b = world.establishments["B"].id
    assert ledger.cap_use(b, [2025]) == {2025: 2100}  # at the cap, never above
    assert db.session.scalar(select(func.count(InterventionSession.id)).where(
        InterventionSession.date == RACE_DAY, InterventionSession.minutes >= 180)) == 1


@pytest.mark.parametrize("round_", ROUNDS)
def test_two_7h_sessions_race_for_the_last_7_hours(app, world, monkeypatch, round_):
    used_28_hours(world)
    from_a = accepted(world, provider="A")
    from_c = accepted(world, provider="C")
    slowed(monkeypatch, ledger, "cap_use")
    results = race(app, [log_attempt(from_a.id, "08:00", "15:00"),
                         log_attempt(from_c.id, "08:00", "15:00")])
    assert_one_winner(world, results)


@pytest.mark.parametrize("round_", ROUNDS)
def test_two_sessions_crossing_the_threshold_race(app, world, monkeypatch, round_):
    # Each intervention already has 4 h on site (free); +3 h makes 7 h billable.
    used_28_hours(world)
    from_a = accepted(world, provider="A")
    from_c = accepted(world, provider="C")
    session(world, from_a, date(2025, 3, 3), "08:00", "12:00")
    session(world, from_c, date(2025, 3, 4), "08:00", "12:00")
    slowed(monkeypatch, ledger, "cap_use")
    results = race(app, [log_attempt(from_a.id, "13:00", "16:00"),
                         log_attempt(from_c.id, "13:00", "16:00")])
    assert_one_winner(world, results)


def test_different_beneficiaries_do_not_block_each_other(app, world, monkeypatch):
    for_b = accepted(world, provider="A", beneficiary="B")
    for_a = accepted(world, provider="C", beneficiary="A")
    slowed(monkeypatch, ledger, "cap_use")
    results = race(app, [log_attempt(for_b.id, "08:00", "15:00"),
                         log_attempt(for_a.id, "08:00", "15:00")])
    assert split(results)[1] == [], results
    assert ledger.cap_use(world.establishments["B"].id, [2025]) == {2025: 420}
    assert ledger.cap_use(world.establishments["A"].id, [2025]) == {2025: 420}


def test_without_the_lock_the_race_breaks_the_cap(app, world, monkeypatch):
    """Control: with the lock disabled, both racers read 28 h and both store 7 h."""
    used_28_hours(world)
    from_a = accepted(world, provider="A")
    from_c = accepted(world, provider="C")
    both_read = threading.Barrier(2)
    original = ledger.cap_use

    def read_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        both_read.wait(timeout=10)  # each racer has read the cap use before either writes
        return result

    monkeypatch.setattr(ledger, "cap_use", read_then_wait)
    monkeypatch.setattr(services, "_lock", lambda beneficiary_id: None)
    results = race(app, [log_attempt(from_a.id, "08:00", "15:00"),
                         log_attempt(from_c.id, "08:00", "15:00")])
    monkeypatch.undo()
    assert split(results)[1] == [], results
    assert ledger.cap_use(world.establishments["B"].id, [2025]) == {2025: 2520}


# --- A cancel never erases work; a closed year has no unsettled session ------------------

@pytest.mark.parametrize("round_", ROUNDS)
def test_cancel_racing_a_session(app, world, monkeypatch, round_):
    i = accepted(world)
    iid, director_id = i.id, world.directors["B"].id

    def cancel_attempt():
        intervention = db.session.get(Intervention, iid)
        director = db.session.get(User, director_id)
        return lambda: services.cancel(intervention, director).state

    slowed(monkeypatch, services, "_session_count")
    slowed(monkeypatch, services, "_check_overlap")
    results = race(app, [cancel_attempt, log_attempt(iid, "08:00", "10:00", mode="remote")])
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], RuleRefused) and losers[0].code == "wrong_state"
    state = State(db.session.get(Intervention, iid).state)
    sessions = count_sessions()
    assert (state, sessions) in {(State.CANCELLED, 0), (State.ACCEPTED, 1)}


@pytest.mark.parametrize("round_", ROUNDS)
def test_year_close_racing_a_session_of_that_year(app, world, monkeypatch, round_):
    i = accepted(world)  # accepted, nothing logged in 2024 yet: closing 2024 is allowed
    iid, accountant_id = i.id, world.accountant.id

    def close_attempt():
        accountant = db.session.get(User, accountant_id)
        return lambda: billing.close_year(accountant, 2024).year

    slowed(monkeypatch, billing, "unsettled_interventions")
    slowed(monkeypatch, services, "closed_years")
    results = race(app, [close_attempt,
                         log_attempt(iid, "08:00", "10:00", day=date(2024, 12, 2))])
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], RuleRefused)
    assert losers[0].code in ("year_closed", "interventions_pending")
    closed = billing.is_closed(world.groupement.id, 2024)
    assert (closed, count_sessions()) in {(True, 0), (False, 1)}
    # Never a closed year with an unsettled intervention in it.
    assert not (closed and billing.unsettled_interventions(world.groupement.id, 2024))


# --- One transition wins: two directors' clicks on the same request ----------------------

@pytest.mark.parametrize("round_", ROUNDS)
def test_accept_racing_decline_of_the_same_request(app, world, monkeypatch, round_):
    """The provider's director double-clicks (accept in one tab, decline in another):
    one wins, the other is refused on the state it reads under the lock."""
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Panne du serveur")
    services.activate(i, world.directors["B"])
    iid, director_id, tech_id = i.id, world.directors["A"].id, world.technicians["A"].id

    def attempt(action):
        def prepare():
            intervention = db.session.get(Intervention, iid)
            director = db.session.get(User, director_id)
            if action == "accept":
                return lambda: services.accept(intervention, director, tech_id).state
            return lambda: services.decline(intervention, director, "Pas disponible").state
        return prepare

    slowed(monkeypatch, services, "authorize")  # widen the window before the lock
    results = race(app, [attempt("accept"), attempt("decline")])
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], RuleRefused) and losers[0].code == "wrong_state"
    final = db.session.get(Intervention, iid)
    assert State(final.state) == State(winners[0])
    transitions = db.session.scalar(text(
        "SELECT count(*) FROM audit_entry WHERE object_id = :i AND action IN "
        "('intervention.accept', 'intervention.decline')"), {"i": iid})
    assert transitions == 1


@pytest.mark.parametrize("round_", ROUNDS)
def test_two_coordinators_removing_each_other_leave_one(app, world, monkeypatch, round_):
    """Each deactivates the other at the same moment: without the groupement's lock
    both see « another coordinator is left » and the groupement has none."""
    from gic.admin import users

    second = add_user(world.groupement, "coordination2@gic65.test", Role.COORDINATOR)
    pair = [(world.coordinator.id, second.id), (second.id, world.coordinator.id)]

    def deactivate(actor_id: int, target_id: int):
        def prepare():
            actor, target = db.session.get(User, actor_id), db.session.get(User, target_id)
            return lambda: users.set_active(actor, target, False)
        return prepare

    slowed(monkeypatch, users, "_other_active_coordinators")
    done, refused = split(race(app, [deactivate(a, t) for a, t in pair]))
    assert len(done) == 1 and len(refused) == 1
    assert refused[0].code == "last_coordinator"
    assert db.session.scalar(select(func.count(User.id)).where(
        User.role == Role.COORDINATOR, User.active.is_(True))) == 1
