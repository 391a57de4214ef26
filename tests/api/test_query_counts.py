"""SPEC §10: an API call issues a number of SQL queries that does not grow with the data."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from gic.extensions import db
from tests.helpers import accepted, session


@contextmanager
def count_queries():
    """Count the statements sent to the database inside the block."""
    counter = {"n": 0}

    def _count(*_args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def _queries(api, path, user) -> int:
    api.token(user)  # made before counting
    db.session.expire_all()
    with count_queries() as counter:
        assert api.get(path, user).status_code == 200
    return counter["n"]


def _with_sessions(world, n: int, month: int):
    i = accepted(world)
    for day in range(1, n + 1):
        session(world, i, date(2025, month, day), "08:00", "09:00", mode="remote")
    return i


def test_list_does_not_grow_with_interventions(api, world):
    _with_sessions(world, 1, month=1)
    few = _queries(api, "/interventions", world.coordinator)
    for month in range(2, 8):
        _with_sessions(world, 2, month)
    assert _queries(api, "/interventions", world.coordinator) == few


def test_detail_does_not_grow_with_sessions(api, world):
    small, big = _with_sessions(world, 1, month=1), _with_sessions(world, 9, month=2)
    assert (_queries(api, f"/interventions/{big.id}", world.directors["B"])
            == _queries(api, f"/interventions/{small.id}", world.directors["B"]))


def test_billing_does_not_grow_with_pairs(api, world):
    i = _with_sessions(world, 1, month=1)
    few = _queries(api, "/billing/2025", world.accountant)
    for provider in ("A", "C"):
        j = accepted(world, provider=provider, beneficiary="B")
        session(world, j, date(2025, 4, 1), "08:00", "15:00", provider=provider)
    assert i and _queries(api, "/billing/2025", world.accountant) == few


def test_establishments_with_identities_do_not_grow_with_establishments(api, world):
    """Each identity's engagement numbers: one query for all, not one each."""
    from gic.admin.services import create_establishment

    def with_identity(e):
        e.legal_name, e.siret = e.name, "73282932000074"  # what the identity page saves
        db.session.commit()

    with_identity(world.establishments["A"])
    few = _queries(api, "/establishments", world.accountant)
    for n in range(4):
        with_identity(create_establishment(world.coordinator, name=f"EHPAD {n}",
                                           finess=f"65000{n}123"))
    assert _queries(api, "/establishments", world.accountant) == few
