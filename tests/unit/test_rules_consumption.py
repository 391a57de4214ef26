"""Issue 16, item 4: consumption against the hours ordered, as pure rules. The worked
example of the issue: three members ordering 100, 60 and 40 h, consuming 110, 50
and 40 h."""

from __future__ import annotations

import pytest

from gic.errors import RuleRefused
from gic.rules_consumption import OrderStatus, alert_level, check_order

H = 60


@pytest.mark.parametrize(("consumed", "ordered", "level"), [
    (0, 6000, None), (4799, 6000, None), (4800, 6000, 80), (5999, 6000, 80),
    (6000, 6000, 100), (6600, 6000, 100), (10, 0, None)])
def test_alert_levels_at_80_and_100_percent_of_the_order(consumed, ordered, level):
    assert alert_level(consumed, ordered) == level


def test_the_worked_example_member_by_member():
    first = OrderStatus(year=2026, ordered_minutes=100 * H, consumed_minutes=110 * H,
                        overrun_allowed=True)
    assert (first.remaining_minutes, first.over_minutes, first.percent, first.level) == (
        0, 10 * H, 110, 100)
    assert first.exhausted
    second = OrderStatus(2026, 60 * H, 50 * H, overrun_allowed=False)
    assert (second.remaining_minutes, second.over_minutes, second.percent, second.level) == (
        10 * H, 0, 83, 80)
    assert not second.exhausted
    third = OrderStatus(2026, 40 * H, 40 * H, overrun_allowed=False)
    assert (third.remaining_minutes, third.percent, third.level) == (0, 100, 100)
    assert third.as_json() == {
        "year": 2026, "ordered_minutes": 2400, "consumed_minutes": 2400,
        "remaining_minutes": 0, "over_minutes": 0, "percent": 100, "overrun_allowed": False,
        "threshold_minutes": 0}


def test_no_order_no_percentage():
    status = OrderStatus(2026, 0, 90, overrun_allowed=True)
    assert (status.percent, status.level, status.remaining_minutes, status.over_minutes) == (
        None, None, 0, 90)


def test_going_over_is_refused_citing_the_hours_ordered_and_left():
    # Member 2 ordered 60 h and has used 50 h elsewhere: a 12 h session goes over.
    with pytest.raises(RuleRefused) as refused:
        check_order(before={}, after={2026: 12 * H}, used_by_others={2026: 50 * H},
                    ordered_by_year={2026: 60 * H}, overrun_allowed=False,
                    beneficiary="APEAI OH")
    error = refused.value
    assert error.code == "order_exceeded" and error.status == 409
    assert error.extra == {"remaining_minutes": 600, "year": 2026, "ordered_minutes": 3600}
    assert error.message == (
        "Séance refusée : APEAI OH a commandé 60 h 00 d'intervention pour 2026 et il en reste "
        "10 h 00 (600 min) ; cette saisie en compterait 12 h 00. La convention du groupement "
        "ne permet pas de dépasser les heures commandées : la coordination peut enregistrer "
        "une commande complémentaire.")


def test_exactly_what_is_left_passes_and_a_minute_more_does_not():
    facts = {"used_by_others": {2026: 50 * H}, "ordered_by_year": {2026: 60 * H},
             "overrun_allowed": False}
    # The intervention already counts 1 h: 9 h are left for its next sessions.
    check_order(before={2026: H}, after={2026: 10 * H}, **facts)
    with pytest.raises(RuleRefused) as refused:
        check_order(before={2026: H}, after={2026: 10 * H + 1}, **facts)
    assert refused.value.extra["remaining_minutes"] == 9 * H


def test_allowed_overrun_lowering_and_no_order():
    # The version allows going over: member 1 consumes 110 h of its 100 h.
    check_order(before={}, after={2026: 20 * H}, used_by_others={2026: 90 * H},
                ordered_by_year={2026: 100 * H}, overrun_allowed=True)
    # Lowering a year already over is always allowed, even when going over is refused.
    check_order(before={2026: 20 * H}, after={2026: 15 * H}, used_by_others={2026: 90 * H},
                ordered_by_year={2026: 100 * H}, overrun_allowed=False)
    with pytest.raises(RuleRefused, match="n'a commandé aucune heure d'intervention pour 2027"):
        check_order(before={}, after={2027: 30}, used_by_others={}, ordered_by_year={},
                    overrun_allowed=False)
