"""The test fixtures themselves: each test's writes are rolled back, the clock is pinned."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gic import timeutil
from gic.extensions import db
from gic.models import Groupement
from tests.conftest import TODAY, build_world


def test_a_test_commits_a_groupement(app):
    build_world()  # commits
    db.session.remove()  # a new session sees what was committed
    assert db.session.scalar(select(func.count()).select_from(Groupement)) == 1


def test_the_next_test_starts_from_empty_tables(app):
    assert db.session.scalar(select(func.count()).select_from(Groupement)) == 0


def test_the_clock_is_pinned_and_moves_when_told(clock):
    assert timeutil.local_today() == TODAY
    clock.move_to("2027-01-02 10:00Z")
    assert timeutil.local_today() == date(2027, 1, 2)
    assert timeutil.utcnow().year == 2027
