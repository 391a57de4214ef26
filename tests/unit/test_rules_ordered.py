"""The ordered-hours model (issue 16) on the pure functions of
:mod:`gic.convention.rules_ordered`.

The worked example, written before the code: three members order 100, 60 and
40 h at 45 EUR/h and consume 110, 50 and 40 h.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gic.convention import rules_ordered as ro
from gic.errors import InvalidField

RATE = Decimal("45.00")
H = 60
ORDERS = {"A": 100 * H, "B": 60 * H, "C": 40 * H}
CONSUMED = {"A": 110 * H, "B": 50 * H, "C": 40 * H}


def participants(called=None, users=()):
    called = called or {k: ro.ordered_amount(m, RATE) for k, m in ORDERS.items()}
    return [ro.Participant(key=k, member=k not in users, ordered_minutes=ORDERS[k],
                           consumed_minutes=CONSUMED[k], called=called[k]) for k in ORDERS]


# --- Budget and calls ---------------------------------------------------------------

def test_worked_example_budget():
    assert {k: ro.ordered_amount(m, RATE) for k, m in ORDERS.items()} == {
        "A": Decimal("4500.00"), "B": Decimal("2700.00"), "C": Decimal("1800.00")}
    assert ro.budget(ORDERS.values(), RATE) == Decimal("9000.00")


def test_budget_is_the_sum_of_rounded_orders_so_calls_reconcile():
    # 10 min at 45 EUR/h = 7.50; 1 min = 0.75; 7 min at 25 = 2.9166… -> 2.92 each
    orders = [7, 7, 7]
    assert ro.ordered_amount(7, Decimal("25")) == Decimal("2.92")
    assert ro.budget(orders, Decimal("25")) == Decimal("8.76")


def test_instalments_add_up_to_the_cent():
    assert ro.instalments(Decimal("4500.00"), 2) == [Decimal("2250.00")] * 2
    assert ro.instalments(Decimal("100.00"), 3) == [
        Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert ro.instalments(Decimal("0.02"), 3) == [
        Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_instalments_refuse_a_bad_count():
    with pytest.raises(InvalidField):
        ro.instalments(Decimal("10"), 0)
    with pytest.raises(InvalidField):
        ro.instalments(Decimal("10"), ro.MAX_INSTALMENTS + 1)


@given(st.integers(0, 10**9), st.integers(1, ro.MAX_INSTALMENTS))
def test_instalments_always_reconcile(cents, n):
    total = Decimal(cents) / 100
    parts = ro.instalments(total, n)
    assert sum(parts) == total and len(parts) == n
    assert max(parts) - min(parts) <= Decimal("0.01")


# --- Consumption ----------------------------------------------------------------------

def test_consumption_counts_remote_and_onsite_alike_without_threshold():
    assert ro.counted_minutes([30, 90], 0) == 120


def test_consumption_with_a_threshold_counts_an_intervention_once_reached():
    # per intervention: 60 min is under 120 (free), 120 counts in full, 200 too
    assert ro.counted_minutes([60, 120, 200], 120) == 320


def test_consumption_status_of_the_worked_example():
    a = ro.consumption(ORDERS["A"], CONSUMED["A"])
    assert (a.left_minutes, a.over_minutes, a.percent) == (0, 10 * H, 110)
    assert a.alert_level == 100
    b = ro.consumption(ORDERS["B"], CONSUMED["B"])
    assert (b.left_minutes, b.over_minutes, b.percent, b.alert_level) == (10 * H, 0, 83, 80)
    c = ro.consumption(ORDERS["C"], CONSUMED["C"])
    assert (c.left_minutes, c.percent, c.alert_level) == (0, 100, 100)
    assert ro.consumption(600, 100).alert_level is None
    assert ro.consumption(0, 0).percent == 0 and ro.consumption(0, 30).alert_level == 100


def test_overrun_refused_when_the_version_says_so():
    ro.check_overrun(ordered=600, consumed=540, adding=60, allowed=False)  # exactly the order
    with pytest.raises(ro.RuleRefused) as refused:
        ro.check_overrun(ordered=600, consumed=540, adding=61, allowed=False,
                         beneficiary="Établissement B")
    assert "commandées" in refused.value.message
    ro.check_overrun(ordered=600, consumed=540, adding=600, allowed=True)


# --- Year-end regularisation ------------------------------------------------------------

def test_worked_example_regularisation_without_real_expenses():
    reg = ro.regularise(participants(), RATE)
    lines = {line.key: line for line in reg.lines}
    assert lines["A"].due == Decimal("4950.00")
    assert lines["A"].adjustment == Decimal("450.00")  # complementary call
    assert lines["B"].adjustment == Decimal("-450.00")  # refund
    assert lines["C"].adjustment == Decimal("0.00")
    assert reg.result == 0 and all(line.share == 0 for line in reg.lines)
    assert reg.budget == reg.called == Decimal("9000.00")
    assert reg.income == Decimal("9000.00") == reg.expenses


def test_worked_example_surplus_shared_euro_for_euro():
    reg = ro.regularise(participants(), RATE, real_expenses=Decimal("8700.00"))
    lines = {line.key: line for line in reg.lines}
    assert reg.result == Decimal("300.00")  # a surplus, given back to the members
    # à l'euro l'euro: in proportion to each member's contribution (4950, 2250, 1800)
    assert [lines[k].share for k in "ABC"] == [
        Decimal("-165.00"), Decimal("-75.00"), Decimal("-60.00")]
    assert [lines[k].net for k in "ABC"] == [
        Decimal("285.00"), Decimal("-525.00"), Decimal("-60.00")]
    assert [lines[k].contributed for k in "ABC"] == [
        Decimal("4785.00"), Decimal("2175.00"), Decimal("1740.00")]
    assert sum(line.contributed for line in reg.lines) == Decimal("8700.00") == reg.expenses
    assert reg.called + sum(line.net for line in reg.lines) == reg.expenses


def test_deficit_is_covered_by_members_only():
    reg = ro.regularise(participants(users=("C",)), RATE, real_expenses=Decimal("9300.00"))
    lines = {line.key: line for line in reg.lines}
    assert reg.result == Decimal("-300.00")
    # members A (4950) and B (2250) cover it; C, a « utilisateur », does not
    assert lines["A"].share == Decimal("206.25") and lines["B"].share == Decimal("93.75")
    assert lines["C"].share == 0 and lines["C"].net == Decimal("0.00")
    assert sum(line.contributed for line in reg.lines) == Decimal("9300.00")


def test_shares_use_the_largest_remainder_to_reconcile_to_the_cent():
    assert ro.share_out(Decimal("100.00"), {"A": 1, "B": 1, "C": 1}) == {
        "A": Decimal("33.34"), "B": Decimal("33.33"), "C": Decimal("33.33")}
    assert ro.share_out(Decimal("-0.01"), {"A": 1, "B": 2}) == {
        "A": Decimal("0.00"), "B": Decimal("-0.01")}
    # no contribution at all: equal shares
    assert ro.share_out(Decimal("1.00"), {"A": 0, "B": 0}) == {
        "A": Decimal("0.50"), "B": Decimal("0.50")}
    assert ro.share_out(Decimal("5"), {}) == {}


@given(st.integers(-10**8, 10**8),
       st.lists(st.integers(0, 10**7), min_size=1, max_size=12))
def test_shares_always_reconcile(cents, bases):
    total = Decimal(cents) / 100
    shares = ro.share_out(total, {i: Decimal(b) for i, b in enumerate(bases)})
    assert sum(shares.values()) == total


def test_partial_calls_are_regularised_against_what_was_called():
    called = {"A": Decimal("2250.00"), "B": Decimal("2700.00"), "C": Decimal("0.00")}
    reg = ro.regularise(participants(called=called), RATE)
    lines = {line.key: line for line in reg.lines}
    assert lines["A"].adjustment == Decimal("2700.00")
    assert lines["C"].adjustment == Decimal("1800.00")
    assert reg.called == Decimal("4950.00") and reg.budget == Decimal("9000.00")


# --- Vote weights ---------------------------------------------------------------------

def test_vote_weights_in_percent_add_up_to_100():
    weights = ro.vote_weights({"A": Decimal("4785"), "B": Decimal("2175"),
                               "C": Decimal("1740")})
    assert weights == {"A": Decimal("55.00"), "B": Decimal("25.00"), "C": Decimal("20.00")}
    thirds = ro.vote_weights({"A": Decimal(1), "B": Decimal(1), "C": Decimal(1)})
    assert sum(thirds.values()) == Decimal("100.00")
