"""Two stand-ins named at the same moment for overlapping ranges of one establishment:
only one is stored (issue 13 item 1: ranges of one establishment do not overlap).
The check runs under a lock on the establishment's row; the control test shows
that without it both would pass (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gic.errors import RuleRefused
from gic.extensions import db
from gic.models import Role, User
from gic.standins import services
from gic.standins.models import Standin
from tests.conftest import TODAY, add_user
from tests.services.test_concurrency import race, slowed, split

pytestmark = [pytest.mark.commits, pytest.mark.slow]


def naming(director_id: int, person_id: int, days: int):
    """An attempt of ``race``: the director names ``person`` from today for ``days``."""
    def prepare():
        director = db.session.get(User, director_id)
        return lambda: services.name_standin(
            director, standin_id=person_id, starts_on=TODAY,
            ends_on=TODAY + timedelta(days=days))
    return prepare


def two_people_of_b(world) -> list[int]:
    deputy = add_user(world.groupement, "adjoint.b@gic65.test", Role.ACCOUNTANT,
                      world.establishments["B"], "Adjoint B")
    db.session.commit()
    return [world.technicians["B"].id, deputy.id]


def count() -> int:
    return db.session.scalar(select(func.count(Standin.id)))


@pytest.mark.parametrize("round_", range(3))
def test_two_overlapping_ranges_named_at_once_one_wins(app, world, monkeypatch, round_):
    people = two_people_of_b(world)
    director = world.directors["B"].id
    slowed(monkeypatch, services, "overlapping")
    results = race(app, [naming(director, people[0], 5), naming(director, people[1], 7)])
    stored, errors = split(results)
    assert len(stored) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], RuleRefused) and errors[0].code == "standin_overlap"
    assert count() == 1


def test_without_the_lock_both_overlapping_ranges_pass(app, world, monkeypatch):
    """Control: with the lock disabled, both racers find no overlap and both store."""
    people = two_people_of_b(world)
    director = world.directors["B"].id
    both_read = threading.Barrier(2)
    original = services.overlapping

    def read_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        both_read.wait(timeout=10)
        return result

    monkeypatch.setattr(services, "overlapping", read_then_wait)
    monkeypatch.setattr(services, "_lock", lambda establishment_id: None)
    results = race(app, [naming(director, people[0], 5), naming(director, people[1], 7)])
    monkeypatch.undo()
    assert split(results)[1] == [], results
    assert count() == 2
