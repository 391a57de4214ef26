"""Issue 16, item 4: in the ordered-hours model, sessions count against the
beneficiary's hours ordered (remote and on site alike); going over is refused or
allowed as the version says; the hours left are what the intervention shows."""

from __future__ import annotations

from datetime import date

import pytest

from gic.convention.rules import Mode, SessionFact
from gic.errors import RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.ordered.consumption import counted_by_year, order_status
from gic.ordered.models import HourOrder
from tests.helpers import accepted, hm, session
from tests.ordered_helpers import H, make_ordered


def order(world, letter: str, minutes: int, year: int = 2026) -> None:
    db.session.add(HourOrder(groupement_id=world.groupement.id,
                             establishment_id=world.establishments[letter].id, year=year,
                             minutes=minutes))
    db.session.commit()


def test_counted_by_year_is_the_ledgers_rule():
    facts = [SessionFact(date(2025, 12, 30), Mode.REMOTE, 90),
             SessionFact(date(2026, 1, 5), Mode.ONSITE, 200)]
    assert counted_by_year(facts, 0) == {2025: 90, 2026: 200}
    assert counted_by_year(facts, 290) == {2025: 90, 2026: 200}  # reached: all of it
    assert counted_by_year(facts, 291) == {}  # under the threshold: nothing counts


def test_going_over_the_order_is_refused_when_the_version_says_so(world):
    make_ordered(world, overrun_allowed=False)
    order(world, "B", 10 * H)
    other = accepted(world)
    session(world, other, date(2026, 11, 2), "08:00", "14:00")  # 6 h on site
    i = accepted(world)
    session(world, i, date(2026, 11, 3), "08:00", "11:00", mode="remote")  # remote counts: 9 h
    assert order_status(i).remaining_minutes == H
    with pytest.raises(RuleRefused) as refused:
        session(world, i, date(2026, 11, 4), "08:00", "09:01", mode="remote")
    error = refused.value
    assert error.code == "order_exceeded" and error.extra["remaining_minutes"] == H
    assert "a commandé 10 h 00" in error.message and "il en reste 1 h 00" in error.message
    assert "Établissement B" in error.message
    assert len(i.sessions) == 1  # nothing stored
    session(world, i, date(2026, 11, 4), "08:00", "09:00", mode="remote")  # exactly the order
    status = order_status(i)
    assert (status.ordered_minutes, status.consumed_minutes, status.remaining_minutes,
            status.level) == (10 * H, 10 * H, 0, 100)
    # Changing a session to more time is refused too; shortening one passes.
    first = i.sessions[0]
    with pytest.raises(RuleRefused, match="il en reste 0 h 00"):
        services.update_session(first, i.technician, end=hm("11:30"))
    services.update_session(first, i.technician, end=hm("10:00"))
    assert order_status(i).remaining_minutes == H


def test_no_order_means_nothing_may_be_logged_when_overruns_are_refused(world):
    make_ordered(world, overrun_allowed=False)
    i = accepted(world)
    with pytest.raises(RuleRefused, match="a commandé 0 h 00"):
        session(world, i, date(2026, 11, 3), "08:00", "08:30")


def test_an_allowed_overrun_is_stored_and_shown(world):
    make_ordered(world, overrun_allowed=True)
    order(world, "B", 2 * H)
    i = accepted(world)
    session(world, i, date(2026, 11, 3), "08:00", "12:00")  # 4 h of 2 h ordered
    status = order_status(i)
    assert (status.consumed_minutes, status.remaining_minutes, status.over_minutes,
            status.percent, status.exhausted) == (4 * H, 0, 2 * H, 200, True)
    assert status.as_json() == {
        "year": 2026, "ordered_minutes": 120, "consumed_minutes": 240, "remaining_minutes": 0,
        "over_minutes": 120, "percent": 200, "overrun_allowed": True, "threshold_minutes": 0}


def test_no_cap_in_an_ordered_year(world):
    """The cap of the per-intervention model does not apply: 40 h in a week pass."""
    version = make_ordered(world, overrun_allowed=False)
    version.cap_minutes = 35 * H
    db.session.commit()
    order(world, "B", 100 * H)
    i = accepted(world, estimated_onsite_minutes=50 * H)
    for day in range(2, 7):
        session(world, i, date(2026, 11, day), "08:00", "16:00")
    assert order_status(i).consumed_minutes == 40 * H


def test_the_per_intervention_model_shows_no_order(world):
    i = accepted(world)
    session(world, i, date(2026, 11, 3), "08:00", "10:00", mode="remote")
    assert order_status(i) is None
