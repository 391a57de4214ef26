"""The figures the session form shows (GIC issue 14, item 2), from plain values."""

from __future__ import annotations

from gic.convention.rules import CapStatus


def status(**values) -> CapStatus:
    base = {"year": 2026, "cap_minutes": 2100, "billable_minutes": 0, "threshold_minutes": 420,
            "counted_minutes": 0, "onsite_other_years": 0, "other_years": ()}
    return CapStatus(**{**base, **values})


def test_exactly_the_threshold_is_reached_and_billable():
    assert not status(counted_minutes=419).reached
    assert status(counted_minutes=420).reached
    assert status(counted_minutes=419).before_threshold == 1
    assert status(counted_minutes=500).before_threshold == 0


def test_remaining_never_below_zero():
    assert status(billable_minutes=1800).remaining_minutes == 300
    assert status(billable_minutes=2200).remaining_minutes == 0


def test_threshold_breaks_the_cap_when_the_whole_on_site_time_would_not_fit():
    # SPEC §4 case 6: 30 h used, 4 h on site: reaching 7 h bills 7 h > 5 h left.
    assert status(billable_minutes=1800, counted_minutes=240).threshold_breaks_cap
    assert not status(billable_minutes=1680, counted_minutes=240).threshold_breaks_cap
    assert not status(billable_minutes=2000, counted_minutes=420).threshold_breaks_cap
    # 5 h on site dated last year count on last year's cap: only 2 h fall in this one.
    assert not status(billable_minutes=1980, counted_minutes=300, onsite_other_years=300,
                      other_years=(2025,)).threshold_breaks_cap
    assert status(billable_minutes=2000, counted_minutes=300, onsite_other_years=300,
                  other_years=(2025,)).threshold_breaks_cap
