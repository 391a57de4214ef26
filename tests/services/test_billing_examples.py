"""The worked examples of SPEC §4, through the real services and database.

Each example logs sessions as the assigned technician, completes and validates
as the people allowed to, then reads what is stored (minutes), the cap use
(:func:`gic.convention.ledger.cap_use`) and the billing (:func:`billing_summary`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing import queries
from gic.billing.services import billing_summary
from gic.convention import ledger
from gic.errors import RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import InterventionSession
from gic.models import ConventionVersion
from tests.helpers import accepted, session

DAY = date(2025, 3, 3)


def finish(world, i, beneficiary: str = "B") -> None:
    """Complete (technician) and validate (beneficiary's director)."""
    services.complete(i, i.technician, "Travail terminé.")
    services.validate(i, world.directors[beneficiary])


def ids(world, *letters: str) -> list[int]:
    return [world.establishments[x].id for x in letters]


def stored_minutes(i) -> list[tuple[str, int]]:
    return [tuple(row) for row in db.session.execute(
        select(InterventionSession.mode, InterventionSession.minutes)
        .where(InterventionSession.intervention_id == i.id)
        .order_by(InterventionSession.date, InterventionSession.start_time))]


def line(world, provider: str, beneficiary: str, minutes: int, amount: str) -> dict:
    p, b = ids(world, provider, beneficiary)
    return {"provider_id": p, "beneficiary_id": b, "billable_minutes": minutes,
            "amount": Decimal(amount)}


def cap_of(world, letter: str, year: int = 2025) -> int:
    return ledger.cap_use(world.establishments[letter].id, [year]).get(year, 0)


def beneficiary_row(summary, world, letter: str) -> dict:
    (row,) = [r for r in summary.beneficiaries
              if r["beneficiary_id"] == world.establishments[letter].id]
    return row


def snapshot() -> tuple[list, int]:
    """Every stored session and the audit log size: what a refusal must not change."""
    sessions = db.session.execute(
        select(InterventionSession.id, InterventionSession.intervention_id,
               InterventionSession.date, InterventionSession.start_time,
               InterventionSession.end_time, InterventionSession.mode,
               InterventionSession.minutes, InterventionSession.hourly_rate)
        .order_by(InterventionSession.id)).all()
    return [tuple(r) for r in sessions], db.session.scalar(select(func.count(AuditEntry.id)))


def test_case_1_remote_is_free_and_uses_no_cap(world):
    i = accepted(world)
    session(world, i, DAY, "08:00", "18:00", mode="remote")
    finish(world, i)
    assert stored_minutes(i) == [("remote", 600)]
    assert cap_of(world, "B") == 0
    summary = billing_summary(world.accountant, 2025)
    assert summary.lines == [] and summary.pending == [] and summary.settlements == []
    assert beneficiary_row(summary, world, "B") == {
        "beneficiary_id": world.establishments["B"].id, "billable_minutes": 0,
        "cap_minutes": 2100, "remaining_minutes": 2100}


def test_case_2_onsite_6h59_is_free(world):
    i = accepted(world)
    session(world, i, DAY, "08:00", "14:59")
    finish(world, i)
    assert stored_minutes(i) == [("onsite", 419)]
    assert cap_of(world, "B") == 0
    assert billing_summary(world.accountant, 2025).lines == []


def test_case_3_exactly_7h_is_billable(world):
    i = accepted(world)
    session(world, i, DAY, "08:00", "15:00")
    finish(world, i)
    assert stored_minutes(i) == [("onsite", 420)]
    assert cap_of(world, "B") == 420
    summary = billing_summary(world.accountant, 2025)
    assert summary.lines == [line(world, "A", "B", 420, "175.00")]
    a, b = ids(world, "A", "B")
    assert summary.settlements == [{"from_id": b, "to_id": a, "amount": Decimal("175.00")}]
    assert beneficiary_row(summary, world, "B")["remaining_minutes"] == 1680


def test_case_4_two_days_of_4h_one_intervention(world):
    i = accepted(world)
    session(world, i, date(2025, 3, 3), "08:00", "12:00")
    assert cap_of(world, "B") == 0  # 4 h alone is still free
    session(world, i, date(2025, 3, 4), "13:00", "17:00")
    finish(world, i)
    assert stored_minutes(i) == [("onsite", 240), ("onsite", 240)]
    assert cap_of(world, "B") == 480
    assert billing_summary(world.accountant, 2025).lines == [
        line(world, "A", "B", 480, "200.00")]


def test_case_5_7h20_is_183_33(world):
    i = accepted(world)
    session(world, i, DAY, "08:00", "15:20")
    finish(world, i)
    assert stored_minutes(i) == [("onsite", 440)]
    assert cap_of(world, "B") == 440
    assert billing_summary(world.accountant, 2025).lines == [
        line(world, "A", "B", 440, "183.33")]


def used_30_hours(world) -> None:
    """B has 30 h billable in 2025: three 10 h on-site interventions from C."""
    for n in range(3):
        i = accepted(world, provider="C")
        session(world, i, date(2025, 2, 3 + n), "08:00", "18:00")
    assert cap_of(world, "B") == 1800


def test_case_6_second_session_refused_300_minutes_left_nothing_stored(world):
    used_30_hours(world)
    i = accepted(world)
    first = session(world, i, date(2025, 4, 1), "08:00", "12:00")
    assert first.minutes == 240 and cap_of(world, "B") == 1800  # stored, free
    before = snapshot()
    with pytest.raises(RuleRefused) as refused:
        session(world, i, date(2025, 4, 2), "08:00", "11:00")
    error = refused.value
    assert error.status == 409 and error.code == "cap_exceeded"
    assert error.extra["remaining_minutes"] == 300
    assert "300 min" in error.message and "Établissement B" in error.message
    db.session.rollback()  # what the web view and the API do on a refusal
    assert snapshot() == before
    assert stored_minutes(i) == [("onsite", 240)]
    assert cap_of(world, "B") == 1800
    # A 2 h session keeps the intervention under 7 h on site (free): accepted.
    session(world, i, date(2025, 4, 2), "08:00", "10:00")
    assert cap_of(world, "B") == 1800


def test_case_7_third_refused_28_plus_8_over_35(world):
    for provider, day in (("A", 3), ("C", 10)):
        i = accepted(world, provider=provider)
        session(world, i, date(2025, 3, day), "08:00", "15:00")
        session(world, i, date(2025, 3, day + 1), "08:00", "15:00")
    assert cap_of(world, "B") == 1680
    third = accepted(world, provider="C")
    before = snapshot()
    with pytest.raises(RuleRefused) as refused:
        session(world, third, date(2025, 4, 1), "08:00", "16:00")
    assert refused.value.extra["remaining_minutes"] == 420
    db.session.rollback()
    assert snapshot() == before
    assert cap_of(world, "B") == 1680
    # Exactly what is left still fits: 7 h reaches the cap, no more.
    session(world, third, date(2025, 4, 1), "08:00", "15:00")
    assert cap_of(world, "B") == 2100


def test_case_8_pair_total_rounded_once(world):
    for day in (date(2025, 3, 3), date(2025, 3, 10)):
        i = accepted(world)
        session(world, i, day, "08:00", "15:20")
        finish(world, i)
    summary = billing_summary(world.accountant, 2025)
    assert summary.lines == [line(world, "A", "B", 880, "366.67")]
    assert queries.pair_totals(world.groupement.id, 2025) == {
        tuple(ids(world, "A", "B")): (880, Decimal("22000"))}


# --- Pending and validated ----------------------------------------------------------

def test_lines_count_validated_only_cap_use_counts_pending_too(world):
    validated = accepted(world)
    session(world, validated, date(2025, 3, 3), "08:00", "15:00")
    finish(world, validated)
    completed = accepted(world)
    session(world, completed, date(2025, 3, 4), "08:00", "16:00")
    services.complete(completed, completed.technician, "Fait.")
    in_progress = accepted(world, provider="C")
    session(world, in_progress, date(2025, 3, 5), "08:00", "15:30")
    free = accepted(world, provider="C")
    session(world, free, date(2025, 3, 6), "08:00", "09:00")

    summary = billing_summary(world.accountant, 2025)
    assert summary.lines == [line(world, "A", "B", 420, "175.00")]
    a, b, c = ids(world, "A", "B", "C")
    assert summary.pending == [
        {"intervention_id": completed.id, "provider_id": a, "beneficiary_id": b,
         "billable_minutes": 480},
        {"intervention_id": in_progress.id, "provider_id": c, "beneficiary_id": b,
         "billable_minutes": 450},
    ]
    row = beneficiary_row(summary, world, "B")
    assert row["billable_minutes"] == 420 + 480 + 450 == cap_of(world, "B")
    assert row["remaining_minutes"] == 2100 - 1350
    assert summary.settlements == [{"from_id": b, "to_id": a, "amount": Decimal("175.00")}]


def test_director_sees_own_pairs_only(world):
    for provider, beneficiary in (("A", "B"), ("C", "A")):
        i = accepted(world, provider=provider, beneficiary=beneficiary)
        session(world, i, date(2025, 3, 3), "08:00", "15:00")
        finish(world, i, beneficiary=beneficiary)
    b_view = billing_summary(world.directors["B"], 2025)
    assert b_view.lines == [line(world, "A", "B", 420, "175.00")]
    assert [r["beneficiary_id"] for r in b_view.beneficiaries] == ids(world, "B")
    all_view = billing_summary(world.accountant, 2025)
    assert len(all_view.lines) == 2 and len(all_view.beneficiaries) == 3


def test_settlement_nets_opposite_pairs(world):
    # A→B 7 h: B owes A 175.00; B→A 8 h: A owes B 200.00; net: A pays B 25.00.
    ab = accepted(world, provider="A", beneficiary="B")
    session(world, ab, date(2025, 3, 3), "08:00", "15:00")
    finish(world, ab, beneficiary="B")
    ba = accepted(world, provider="B", beneficiary="A")
    session(world, ba, date(2025, 3, 4), "08:00", "16:00")
    finish(world, ba, beneficiary="A")
    a, b = ids(world, "A", "B")
    summary = billing_summary(world.accountant, 2025)
    assert summary.settlements == [{"from_id": a, "to_id": b, "amount": Decimal("25.00")}]


# --- Rates by convention version, cap per civil year ---------------------------------

def test_rate_is_the_one_in_force_on_the_session_date(world):
    db.session.add(ConventionVersion(
        groupement_id=world.groupement.id, valid_from=date(2024, 1, 1),
        start_date=date(2019, 9, 30), duration_years=3, threshold_minutes=420,
        cap_minutes=2100, hourly_rate=Decimal("30.00")))
    db.session.commit()
    old = accepted(world)
    s_old = session(world, old, date(2023, 6, 5), "08:00", "15:00")
    new = accepted(world)
    s_new = session(world, new, date(2024, 6, 5), "08:00", "15:00")
    finish(world, old)
    finish(world, new)
    assert Decimal(s_old.hourly_rate) == Decimal("25.00")
    assert Decimal(s_new.hourly_rate) == Decimal("30.00")
    assert billing_summary(world.accountant, 2023).lines == [
        line(world, "A", "B", 420, "175.00")]
    assert billing_summary(world.accountant, 2024).lines == [
        line(world, "A", "B", 420, "210.00")]


def test_cap_is_per_civil_year_and_minutes_go_to_each_sessions_year(world):
    i = accepted(world)
    session(world, i, date(2024, 12, 31), "08:00", "12:00")
    session(world, i, date(2025, 1, 2), "08:00", "12:00")
    finish(world, i)
    b = world.establishments["B"].id
    assert ledger.cap_use(b, [2024, 2025]) == {2024: 240, 2025: 240}
    assert billing_summary(world.accountant, 2024).lines == [
        line(world, "A", "B", 240, "100.00")]
    assert billing_summary(world.accountant, 2025).lines == [
        line(world, "A", "B", 240, "100.00")]


def test_a_full_year_does_not_block_the_next(world):
    for n in range(5):  # 5 × 7 h = 35 h in 2024
        i = accepted(world)
        session(world, i, date(2024, 3, 4 + n), "08:00", "15:00")
    assert cap_of(world, "B", 2024) == 2100
    late = accepted(world)
    with pytest.raises(RuleRefused) as refused:
        session(world, late, date(2024, 12, 2), "08:00", "15:00")
    assert refused.value.extra == {"remaining_minutes": 0, "year": 2024}
    db.session.rollback()
    session(world, late, date(2025, 1, 6), "08:00", "15:00")
    assert cap_of(world, "B", 2025) == 420 and cap_of(world, "B", 2024) == 2100



def test_half_cent_rounded_up_from_the_database_sum(world):
    # 429 min at 25.10 EUR/h = 179.465 EUR exactly: 179.47 (not 179.46, not a float's guess).
    db.session.add(ConventionVersion(
        groupement_id=world.groupement.id, valid_from=date(2024, 1, 1),
        start_date=date(2019, 9, 30), duration_years=3, threshold_minutes=420,
        cap_minutes=2100, hourly_rate=Decimal("25.10")))
    db.session.commit()
    i = accepted(world)
    session(world, i, DAY, "08:00", "15:09")
    finish(world, i)
    assert billing_summary(world.accountant, 2025).lines == [
        line(world, "A", "B", 429, "179.47")]
