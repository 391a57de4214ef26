"""Invariants of the convention rules, checked with hypothesis on the pure functions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gic.convention import rules
from gic.convention.rules import Mode, SessionFact
from gic.errors import RuleRefused

YEARS = (2023, 2024, 2025)
days = st.dates(min_value=date(YEARS[0], 1, 1), max_value=date(YEARS[-1], 12, 31))
rates = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("200.00"), places=2,
                    allow_nan=False, allow_infinity=False)
session_facts = st.builds(SessionFact, day=days, mode=st.sampled_from(list(Mode)),
                          minutes=st.integers(1, 14 * 60), rate=rates)
sessions_lists = st.lists(session_facts, max_size=12)
thresholds = st.sampled_from([0, 1, 60, 419, 420, 421, 900])


def onsite_total(sessions):
    return sum(s.minutes for s in sessions if s.mode == Mode.ONSITE)


@given(sessions_lists, thresholds, st.lists(session_facts, max_size=6))
def test_remote_is_never_billed(sessions, threshold, extra):
    remote_extra = [SessionFact(day=s.day, mode=Mode.REMOTE, minutes=s.minutes, rate=s.rate)
                    for s in extra]
    onsite_only = [s for s in sessions if s.mode == Mode.ONSITE]
    result = rules.billable_by_year(sessions, threshold)
    assert result == rules.billable_by_year(onsite_only, threshold)
    assert result == rules.billable_by_year(sessions + remote_extra, threshold)
    if not onsite_only:
        assert result == {}


@given(sessions_lists, thresholds)
def test_billable_is_all_or_nothing_per_intervention(sessions, threshold):
    result = rules.billable_by_year(sessions, threshold)
    total = onsite_total(sessions)
    if total >= threshold:
        assert sum(result.values()) == total
        expected: dict[int, int] = defaultdict(int)
        for s in sessions:
            if s.mode == Mode.ONSITE:
                expected[s.day.year] += s.minutes
        assert result == dict(expected)
    else:
        assert result == {}
    assert all(v > 0 for v in result.values())


def half_up_cents(value: Fraction) -> Decimal:
    """Independent half-up rounding of a non-negative exact value to the cent."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole).scaleb(-2).quantize(Decimal("0.01"))


@given(st.lists(st.tuples(st.integers(0, 100_000), rates), max_size=30))
def test_amount_is_exact_sum_rounded_once_half_up(lines):
    exact = sum((Fraction(m) * Fraction(r) for m, r in lines), Fraction(0)) / 60
    assert rules.amount(lines) == half_up_cents(exact)


@given(st.lists(st.tuples(st.integers(1, 1000), rates), min_size=1, max_size=10))
def test_rounding_once_differs_from_sum_of_rounded_by_less_than_a_cent_per_line(lines):
    once = rules.amount(lines)
    per_line = sum((rules.amount([line]) for line in lines), Decimal(0))
    assert abs(once - per_line) <= Decimal("0.005") * len(lines) + Decimal("0.005")


year_minutes = st.dictionaries(st.sampled_from(YEARS), st.integers(0, 3000), max_size=3)


@given(before=year_minutes, after=year_minutes, used=year_minutes,
       cap=st.sampled_from([0, 420, 2100]))
def test_check_cap_never_lets_a_raised_year_exceed_the_cap(before, after, used, cap):
    cap_by_year = {y: cap for y in YEARS}
    raised = [y for y in after if after[y] > before.get(y, 0)]
    try:
        rules.check_cap(before=before, after=after, used_by_others=used,
                        cap_by_year=cap_by_year)
    except RuleRefused as refused:
        year = refused.extra["year"]
        assert year in raised
        assert used.get(year, 0) + after[year] > cap
        assert refused.extra["remaining_minutes"] == max(
            0, cap - used.get(year, 0) - before.get(year, 0))
    else:
        for y in raised:
            assert used.get(y, 0) + after[y] <= cap


ids = st.integers(1, 5)
pair_amounts = st.dictionaries(
    st.tuples(ids, ids).filter(lambda p: p[0] != p[1]),
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100000.00"), places=2,
                allow_nan=False, allow_infinity=False),
    max_size=12)


def net_positions(flows):
    """What each establishment receives minus what it pays."""
    net: dict[int, Decimal] = defaultdict(Decimal)
    for payee, payer, value in flows:
        net[payee] += value
        net[payer] -= value
    return {k: v for k, v in net.items() if v}


@given(pair_amounts)
def test_settlements_conserve_net_flows(owed):
    lines = rules.settlements(owed)
    # pair (provider, beneficiary): the beneficiary pays the provider.
    expected = net_positions((p, b, v) for (p, b), v in owed.items())
    assert net_positions((payee, payer, v) for payer, payee, v in lines) == expected
    pairs = [frozenset((payer, payee)) for payer, payee, _ in lines]
    assert len(pairs) == len(set(pairs))  # one line per two establishments
    assert all(v > 0 and payer != payee for payer, payee, v in lines)
    for payer, payee, v in lines:
        assert v == owed.get((payee, payer), 0) - owed.get((payer, payee), 0)


@pytest.mark.parametrize("threshold", [420])
@given(st.lists(st.integers(1, 600), max_size=8))
def test_threshold_reached_exactly_when_total_reaches_it(threshold, minutes):
    sessions = [SessionFact(day=date(2025, 1, 1 + n), mode=Mode.ONSITE, minutes=m)
                for n, m in enumerate(minutes)]
    assert bool(rules.billable_by_year(sessions, threshold)) == (sum(minutes) >= threshold)
