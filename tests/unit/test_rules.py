"""The convention rules of SPEC §4 on the pure functions of :mod:`gic.convention.rules`.

No app, no database: plain values in, decisions out (milliseconds).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gic.convention import rules
from gic.convention.rules import Mode, SessionFact
from gic.errors import InvalidField, RuleRefused

PARIS = ZoneInfo("Europe/Paris")
THRESHOLD, CAP, RATE = 420, 2100, Decimal("25.00")
TERMS = rules.ConventionTerms(start_date=date(2019, 9, 30), duration_years=3,
                              threshold_minutes=THRESHOLD, cap_minutes=CAP, hourly_rate=RATE)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)


def onsite(minutes: int, day: date = date(2025, 3, 3), rate: Decimal = RATE) -> SessionFact:
    return SessionFact(day=day, mode=Mode.ONSITE, minutes=minutes, rate=rate)


def remote(minutes: int, day: date = date(2025, 3, 3)) -> SessionFact:
    return SessionFact(day=day, mode=Mode.REMOTE, minutes=minutes, rate=RATE)


def pair_amount(*interventions: list[SessionFact]) -> Decimal:
    """R6 for one pair: every billable minute of every intervention, rounded once."""
    lines = []
    for sessions in interventions:
        billable = rules.billable_by_year(sessions, THRESHOLD)
        lines += [(s.minutes, s.rate) for s in sessions
                  if s.mode == Mode.ONSITE and billable]
    return rules.amount(lines)


def cap_check(*, before: int, after: int, used: int, year: int = 2025) -> None:
    rules.check_cap(before={year: before} if before else {},
                    after={year: after} if after else {},
                    used_by_others={year: used}, cap_by_year={year: CAP})


# --- Worked examples of SPEC §4 --------------------------------------------------

def test_case_1_remote_ten_hours_is_free_and_uses_no_cap():
    sessions = [remote(600)]
    assert rules.billable_by_year(sessions, THRESHOLD) == {}
    assert pair_amount(sessions) == Decimal("0.00")


def test_case_2_onsite_6h59_is_free():
    assert rules.billable_by_year([onsite(419)], THRESHOLD) == {}
    assert pair_amount([onsite(419)]) == Decimal("0.00")


def test_case_3_onsite_exactly_7h_is_billable():
    assert rules.billable_by_year([onsite(420)], THRESHOLD) == {2025: 420}
    assert pair_amount([onsite(420)]) == Decimal("175.00")


def test_case_4_two_days_of_4h_make_one_billable_intervention():
    sessions = [onsite(240, date(2025, 3, 3)), onsite(240, date(2025, 3, 4))]
    assert rules.billable_by_year(sessions, THRESHOLD) == {2025: 480}
    assert pair_amount(sessions) == Decimal("200.00")


def test_case_5_7h20_is_183_33():
    assert rules.billable_by_year([onsite(440)], THRESHOLD) == {2025: 440}
    assert pair_amount([onsite(440)]) == Decimal("183.33")


def test_case_6_first_session_free_second_refused_with_300_minutes_left():
    used = 1800  # 30 h
    first = [onsite(240)]
    assert rules.billable_by_year(first, THRESHOLD) == {}
    cap_check(before=0, after=0, used=used)  # nothing billable: nothing to refuse

    second = first + [onsite(180, date(2025, 3, 4))]
    after = rules.billable_by_year(second, THRESHOLD)
    assert after == {2025: 420}
    with pytest.raises(RuleRefused) as refused:
        rules.check_cap(before={}, after=after, used_by_others={2025: used},
                        cap_by_year={2025: CAP}, beneficiary="Établissement B")
    error = refused.value
    assert error.status == 409
    assert error.code == "cap_exceeded"
    assert error.extra["remaining_minutes"] == 300
    assert error.extra["year"] == 2025
    assert "300 min" in error.message and "5 h 00" in error.message
    assert "Établissement B" in error.message and "détachement" in error.message


def test_case_7_third_intervention_refused_28_plus_8_over_35():
    a_to_b = [onsite(420, date(2025, 3, 3)), onsite(420, date(2025, 3, 4))]
    c_to_b = [onsite(420, date(2025, 3, 5)), onsite(420, date(2025, 3, 6))]
    used = (sum(rules.billable_by_year(a_to_b, THRESHOLD).values())
            + sum(rules.billable_by_year(c_to_b, THRESHOLD).values()))
    assert used == 1680
    third = rules.billable_by_year([onsite(480, date(2025, 4, 1))], THRESHOLD)
    with pytest.raises(RuleRefused) as refused:
        rules.check_cap(before={}, after=third, used_by_others={2025: used},
                        cap_by_year={2025: CAP})
    assert refused.value.extra["remaining_minutes"] == 420


def test_case_7_variant_adding_8h_to_the_existing_c_to_b_intervention():
    # Same refusal when the 8 h go onto the C→B intervention already billable.
    with pytest.raises(RuleRefused) as refused:
        cap_check(before=840, after=840 + 480, used=840)
    assert refused.value.extra["remaining_minutes"] == 420


def test_case_8_pair_rounded_once_not_per_intervention():
    first, second = [onsite(440)], [onsite(440, date(2025, 3, 10))]
    assert pair_amount(first, second) == Decimal("366.67")
    assert pair_amount(first) + pair_amount(second) == Decimal("366.66")


# --- Threshold and rounding ---------------------------------------------------

@pytest.mark.parametrize(("minutes", "billable"), [(419, {}), (420, {2025: 420}),
                                                   (421, {2025: 421}), (0, {})])
def test_threshold_is_inclusive(minutes, billable):
    sessions = [onsite(minutes)] if minutes else []
    assert rules.billable_by_year(sessions, THRESHOLD) == billable


def test_remote_minutes_never_help_reach_the_threshold():
    assert rules.billable_by_year([onsite(419), remote(600)], THRESHOLD) == {}
    assert rules.billable_by_year([onsite(420), remote(600)], THRESHOLD) == {2025: 420}


def test_billable_minutes_go_to_the_year_of_each_session():
    sessions = [onsite(240, date(2024, 12, 31)), onsite(240, date(2025, 1, 2)),
                remote(60, date(2025, 1, 3))]
    assert rules.billable_by_year(sessions, THRESHOLD) == {2024: 240, 2025: 240}


@pytest.mark.parametrize(("lines", "expected"), [
    ([(1, "25.00")], "0.42"),              # 0.41666…
    ([(2, "25.00")], "0.83"),              # 0.8333…
    ([(1, "0.30")], "0.01"),               # 0.005 exactly: half-up, not half-even
    ([(9, "25.10")], "3.77"),              # 3.765 exactly: half-even would give 3.76
    ([(3, "25.10")], "1.26"),              # 1.255 exactly
    ([(1, "25.00"), (1, "25.00")], "0.83"),  # rounded once: not 0.42 + 0.42
    ([(440, "25.00"), (60, "30.00")], "213.33"),  # two rates, one rounding
    ([], "0.00"),
])
def test_amount_rounds_once_half_up_to_the_cent(lines, expected):
    result = rules.amount((m, Decimal(r)) for m, r in lines)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


def test_round_cents_half_up():
    assert rules.round_cents(Decimal("0.005")) == Decimal("0.01")
    assert rules.round_cents(Decimal("0.015")) == Decimal("0.02")
    assert rules.round_cents(Decimal("0.0049999")) == Decimal("0.00")
    assert rules.round_cents(Decimal("2.675")) == Decimal("2.68")  # 2.67 with floats


# --- Cap (R5) and activation (R7) -----------------------------------------------

def test_cap_allows_reaching_exactly_the_cap():
    cap_check(before=0, after=420, used=1680)


def test_cap_never_refuses_a_change_that_lowers_or_keeps_use():
    cap_check(before=600, after=500, used=2000)  # already over (older rules): may go down
    cap_check(before=600, after=600, used=2000)


def test_cap_checks_every_raised_year_and_names_it():
    with pytest.raises(RuleRefused) as refused:
        rules.check_cap(before={2024: 200}, after={2024: 300, 2025: 200},
                        used_by_others={2024: 1900, 2025: 0},
                        cap_by_year={2024: CAP, 2025: CAP})
    assert refused.value.extra == {"remaining_minutes": 0, "year": 2024}
    assert "2024" in refused.value.message


def test_remaining_minutes_is_never_negative():
    with pytest.raises(RuleRefused) as refused:
        cap_check(before=0, after=420, used=2400)
    assert refused.value.extra["remaining_minutes"] == 0


@pytest.mark.parametrize(("estimate", "used", "refused"), [
    (419, 2100, False),   # would be free
    (420, 1680, False),   # fits exactly
    (420, 1681, True),
    (0, 5000, False),
])
def test_activation_refused_when_estimate_would_break_cap(estimate, used, refused):
    if refused:
        with pytest.raises(RuleRefused) as error:
            rules.check_activation(estimate, used, TERMS, 2025)
        assert error.value.code == "cap_exceeded"
        assert error.value.extra["remaining_minutes"] == CAP - used
    else:
        rules.check_activation(estimate, used, TERMS, 2025)


# --- Session times ----------------------------------------------------------------

def test_dst_spring_forward_counts_real_minutes():
    assert rules.session_minutes(date(2025, 3, 30), time(1, 30), time(3, 30)) == 60


def test_dst_fall_back_counts_real_minutes():
    assert rules.session_minutes(date(2025, 10, 26), time(1, 30), time(3, 30)) == 180


def test_the_repeated_hour_counts_the_first_one_and_says_so():
    day = date(2026, 10, 25)
    assert rules.check_session_times(day, time(2, 15), time(2, 45), now=NOW,
                                     terms=TERMS) == 30
    note = rules.repeated_time_note(day, [time(2, 15), time(2, 45)])
    assert note == ("02:15 et 02:45 existent deux fois le 25/10/2026 (passage à l'heure "
                    "d'hiver) : c'est la première fois qui est comptée, en heure d'été "
                    "(UTC+02:00).")
    assert rules.repeated_time_note(day, [time(1, 30), time(3, 30)]) == ""
    assert rules.repeated_time_note(date(2026, 10, 24), [time(2, 15)]) == ""
    assert rules.exists_locally(day, time(2, 30))
    assert not rules.exists_locally(date(2026, 3, 29), time(2, 30))


def test_ordinary_day_minutes():
    assert rules.session_minutes(date(2025, 3, 14), time(8, 0), time(15, 20)) == 440
    assert rules.check_session_times(date(2025, 3, 30), time(1, 30), time(3, 30),
                                     now=NOW, terms=TERMS) == 60


@pytest.mark.parametrize(("day", "start", "end", "field", "text"), [
    (date(2025, 3, 14), time(10, 0), time(9, 0), "end", "après l'heure de début"),
    (date(2025, 3, 14), time(10, 0), time(10, 0), "end", "après l'heure de début"),
    (date(2026, 11, 23), time(11, 0), time(12, 30), "date", "futur"),
    (date(2027, 1, 4), time(8, 0), time(9, 0), "date", "futur"),
    (date(2019, 9, 29), time(8, 0), time(9, 0), "date", "30/09/2019"),
    # The clocks skip 02:00–03:00 on 2025-03-30 and 2026-03-29 (was stored as 15 min).
    (date(2025, 3, 30), time(2, 0), time(3, 0), "start", "02:00 n'existe pas le 30/03/2025"),
    (date(2026, 3, 29), time(2, 30), time(2, 45), "start", "passage à l'heure d'été"),
    (date(2026, 3, 29), time(1, 30), time(2, 15), "end", "02:15 n'existe pas"),
])
def test_session_times_refused(day, start, end, field, text):
    with pytest.raises(InvalidField) as refused:
        rules.check_session_times(day, start, end, now=NOW, terms=TERMS)
    assert refused.value.status == 422
    assert refused.value.field == field
    assert text in refused.value.message


def test_session_on_the_convention_start_day_and_just_before_now_accepted():
    assert rules.check_session_times(date(2019, 9, 30), time(8, 0), time(9, 0),
                                     now=NOW, terms=TERMS) == 60
    assert rules.check_session_times(date(2026, 11, 23), time(11, 0), time(12, 0),
                                     now=NOW, terms=TERMS) == 60


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("08:00", "10:00", True),    # same
    ("09:00", "09:30", True),    # inside
    ("07:00", "08:01", True),    # overlaps the start
    ("09:59", "11:00", True),    # overlaps the end
    ("07:00", "11:00", True),    # contains
    ("10:00", "12:00", False),   # touches the end
    ("06:00", "08:00", False),   # touches the start
    ("13:00", "14:00", False),
])
def test_overlaps(start, end, expected):
    def t(text):
        return time.fromisoformat(text)
    assert rules.overlaps(t(start), t(end), [(time(8), time(10))]) is expected
    assert rules.overlaps(t(start), t(end), []) is False


def test_first_overlap_says_which_session_clashes():
    others = [(time(8), time(9), "n° 1"), (time(10), time(12), "n° 2"), (time(11), time(13), 3)]
    assert rules.first_overlap(time(9), time(10), others) is None
    assert rules.first_overlap(time(9, 30), time(11, 30), others) == (time(10), time(12), "n° 2")


# --- Natures, axes, closed years ---------------------------------------------------

@pytest.mark.parametrize("nature", ["user_support", "user_training", "permanent_change"])
def test_forbidden_natures_refused_citing_the_clause(nature):
    with pytest.raises(InvalidField) as refused:
        rules.check_nature(nature)
    error = refused.value
    assert error.status == 422 and error.code == "nature_refused" and error.field == "nature"
    assert rules.Nature(nature).label in error.message
    assert ("ne peuvent être activées pour du support utilisateur/formation ou pour des "
            "modifications définitives du SI (partielle ou complète)") in error.message


@pytest.mark.parametrize("nature", ["incident", "occasional_work", "deployment"])
def test_allowed_natures(nature):
    assert rules.check_nature(nature) == rules.Nature(nature)


def test_unknown_nature_refused():
    with pytest.raises(InvalidField) as refused:
        rules.check_nature("coffee")
    assert refused.value.field == "nature"


@pytest.mark.parametrize(("axis", "ok"), [(1, False), (2, True), (3, True), (4, False),
                                          (5, False), (0, False)])
def test_interventions_are_on_axis_2_or_3(axis, ok):
    if ok:
        assert rules.check_axis(axis) == axis
    else:
        with pytest.raises(InvalidField):
            rules.check_axis(axis)


def test_closed_years_refused():
    rules.check_years_open([2025], [2024])
    rules.check_years_open([], [2024])
    with pytest.raises(RuleRefused) as refused:
        rules.check_years_open([2025, 2024], {2024})
    assert refused.value.code == "year_closed"
    assert "2024" in refused.value.message


def test_convention_end_date():
    assert TERMS.end_date == date(2022, 9, 29)


# --- Settlements --------------------------------------------------------------------

A, B, C = 1, 2, 3


def test_settlement_nets_both_directions():
    # B owes A 175.00 for A→B work, A owes B 100.00 for B→A work: B pays A 75.00.
    owed = {(A, B): Decimal("175.00"), (B, A): Decimal("100.00")}
    assert rules.settlements(owed) == [(B, A, Decimal("75.00"))]


def test_settlement_whatever_the_id_order():
    owed = {(C, A): Decimal("10.00"), (A, C): Decimal("25.50")}
    assert rules.settlements(owed) == [(C, A, Decimal("15.50"))]


def test_settlement_one_direction_and_balanced_pairs():
    owed = {(A, B): Decimal("183.33"), (A, C): Decimal("50.00"), (C, A): Decimal("50.00")}
    assert rules.settlements(owed) == [(B, A, Decimal("183.33"))]
    assert rules.settlements({}) == []
