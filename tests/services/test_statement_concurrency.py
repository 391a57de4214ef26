"""Statement numbers stay continuous, without gap nor double, when two accountants
close the same year at once (issue 15, item 2), on SQLite and PostgreSQL.

Real threads on their own connections (see tests/services/test_concurrency.py);
the window is widened after each racer has read the counter and the closure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gic.billing import services as billing
from gic.billing import statements
from gic.billing.models import SettlementStatement
from gic.errors import RuleRefused
from gic.extensions import db
from gic.models import Role, User
from tests.conftest import add_user
from tests.services.test_concurrency import race, slowed, split
from tests.services.test_statements import year_2024

pytestmark = [pytest.mark.commits, pytest.mark.slow]


def close_attempt(user_id: int):
    def prepare():
        accountant = db.session.get(User, user_id)
        return lambda: billing.close_year(accountant, 2024).year
    return prepare


def series(world) -> list[tuple[int, str, str]]:
    return [(s.sequence, s.number, s.kind) for s in db.session.scalars(
        select(SettlementStatement).where(SettlementStatement.groupement_id ==
                                          world.groupement.id)
        .order_by(SettlementStatement.sequence))]


def test_concurrent_closes_number_without_gap(app, world, monkeypatch):
    year_2024(world)
    second = add_user(world.groupement, "compta2@gic65.test", Role.ACCOUNTANT)
    db.session.commit()
    racers = [close_attempt(world.accountant.id), close_attempt(second.id)]
    slowed(monkeypatch, statements, "_counter")
    slowed(monkeypatch, billing, "unsettled_interventions")

    winners, losers = split(race(app, racers))
    assert winners == [2024] and len(losers) == 1 and isinstance(losers[0], RuleRefused)
    assert losers[0].code == "year_closed"
    assert series(world) == [(1, "GIC65-2024-0001", "statement"),
                             (2, "GIC65-2024-0002", "statement")]

    billing.reopen_year(db.session.get(User, world.coordinator.id), 2024, "Correction")
    winners, losers = split(race(app, racers))
    assert winners == [2024] and len(losers) == 1
    assert series(world) == [
        (1, "GIC65-2024-0001", "statement"), (2, "GIC65-2024-0002", "statement"),
        (3, "GIC65-2024-0003", "credit"), (4, "GIC65-2024-0004", "credit"),
        (5, "GIC65-2024-0005", "statement"), (6, "GIC65-2024-0006", "statement")]
