"""A session logged with the UUID its client made (offline outbox, double tap, API
``Idempotency-Key``) is stored once: a replay answers the stored session and changes
nothing, even when two replays race (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.errors import InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession
from gic.models import User
from tests.helpers import accepted, hm
from tests.services.test_concurrency import race

DAY = date(2025, 3, 3)
KEY = "3f2c8a9e-1b4d-4c6e-9a0b-5d7e8f901234"


def count_sessions() -> int:
    return db.session.scalar(select(func.count(InterventionSession.id)))


def creations() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "session.create"))


def once(i, key=KEY, start="08:00", end="10:00", notes="Onduleur", actor=None, day=DAY):
    return services.log_session_once(i, actor or i.technician, day=day, start=hm(start),
                                     end=hm(end), mode="onsite", notes=notes, client_uuid=key)


def test_a_replay_answers_the_stored_session_and_changes_nothing(world):
    i = accepted(world)
    s, created = once(i)
    assert created and s.client_uuid == KEY
    audited = creations()
    again, created = once(i, key=KEY.upper(), notes=" Onduleur ")  # same entry, as typed
    assert (again.id, created) == (s.id, False)
    assert count_sessions() == 1 and creations() == audited


def test_a_replay_is_answered_after_the_intervention_moved_on(world):
    """The response was lost, the technician completed the work: the replay still
    answers the stored session (a refusal would say it was not stored)."""
    i = accepted(world)
    s, _ = once(i)
    services.complete(i, i.technician, "Fait.")
    assert once(i) == (s, False)


@pytest.mark.parametrize("change", [{"start": "08:30"}, {"notes": "Autre chose"},
                                    {"day": date(2025, 3, 4)}])
def test_the_same_key_with_other_values_is_refused(world, change):
    i = accepted(world)
    once(i)
    with pytest.raises(RuleRefused) as error:
        once(i, **change)
    assert error.value.code == "idempotency_conflict" and error.value.status == 409
    db.session.rollback()
    assert count_sessions() == 1


def test_another_technicians_key_is_refused_without_showing_his_session(world):
    mine = accepted(world, provider="A", beneficiary="B")
    theirs = accepted(world, provider="C", beneficiary="B")
    once(theirs)
    with pytest.raises(RuleRefused) as error:
        once(mine)
    assert error.value.code == "idempotency_conflict"
    assert "08:00" not in error.value.message and "Onduleur" not in error.value.message


def test_a_key_that_is_no_uuid_is_refused(world):
    i = accepted(world)
    with pytest.raises(InvalidField) as error:
        once(i, key="42")
    assert error.value.field == "client_uuid"
    db.session.rollback()
    assert count_sessions() == 0


def test_without_a_key_every_call_is_a_new_session(world):
    i = accepted(world)
    once(i, key=None)
    once(i, key="", start="10:00", end="11:00")
    assert count_sessions() == 2
    assert db.session.scalars(select(InterventionSession.client_uuid)).all() == [None, None]


# --- Replays at the same moment ------------------------------------------------------

def replay(intervention_id: int, key: str):
    """The assigned technician sends the entry ``key``; the result: (id, stored now)."""
    def prepare():
        i = db.session.get(Intervention, intervention_id)
        technician = db.session.get(User, i.technician_id)

        def action():
            s, created = services.log_session_once(
                i, technician, day=DAY, start=hm("08:00"), end=hm("10:00"), mode="onsite",
                notes="Onduleur", client_uuid=key)
            return s.id, created
        return action
    return prepare


def assert_once(results, key: str) -> None:
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, results
    ids = {r[0] for r in results}
    assert len(ids) == 1 and sorted(r[1] for r in results) == [False, True], results
    assert db.session.scalar(select(func.count(InterventionSession.id)).where(
        InterventionSession.client_uuid == key)) == 1
    assert count_sessions() == 1


@pytest.mark.commits
@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
def test_two_replays_at_once_store_one_session(app, world, round_):
    """The second waits at the beneficiary's lock, then finds the first's session."""
    i = accepted(world)
    key = str(uuid.uuid4())
    assert_once(race(app, [replay(i.id, key), replay(i.id, key)]), key)


@pytest.mark.commits
@pytest.mark.slow
def test_without_the_lock_the_unique_index_still_stores_one(app, world, monkeypatch):
    """Both replays pass every check (no lock, « no such key » read, no overlap check):
    the unique index refuses the second insert, which answers the first's session."""
    i = accepted(world)
    key = str(uuid.uuid4())
    looked_up = []
    original = services._replayed

    def nothing_yet(*args):
        looked_up.append(args)
        if len(looked_up) <= 4:  # the two looks before the insert find nothing
            return None
        return original(*args)

    monkeypatch.setattr(services, "_lock", lambda beneficiary_id: None)
    monkeypatch.setattr(services, "_check_overlap", lambda *args, **kwargs: None)
    monkeypatch.setattr(services, "_replayed", nothing_yet)
    results = race(app, [replay(i.id, key), replay(i.id, key)])
    monkeypatch.undo()
    assert_once(results, key)
