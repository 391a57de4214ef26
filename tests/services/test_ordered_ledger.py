"""The ordered-hours model's figures (gic.ordered.ledger) on a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gic.convention import history
from gic.extensions import db
from gic.models import ConventionModel, Participation
from gic.ordered import ledger
from gic.ordered.models import (
    ContributionDocument,
    ContributionLine,
    DocumentKind,
    HourOrder,
    LineKind,
    OrderedYear,
)
from tests.helpers import accepted, session
from tests.ordered_helpers import H, make_ordered

YEAR = 2026


def order(world, letter: str, minutes: int, year: int = YEAR) -> HourOrder:
    row = HourOrder(groupement_id=world.groupement.id,
                    establishment_id=world.establishments[letter].id, year=year,
                    minutes=minutes)
    db.session.add(row)
    db.session.flush()
    return row


def document(world, letter: str, lines: dict[LineKind, str], *, sequence: int,
             cancelled: bool = False, kind: DocumentKind = DocumentKind.CALL):
    doc = ContributionDocument(
        groupement_id=world.groupement.id, establishment_id=world.establishments[letter].id,
        year=YEAR, sequence=sequence, number=f"GIC65-{YEAR}-{sequence:04d}", kind=kind,
        amount=Decimal(0), issued_on=date(2026, 3, 1), issued_by_id=world.coordinator.id,
        data={}, pdf=b"%PDF", pdf_sha256="0" * 64,
        cancelled_at=ledger_now() if cancelled else None)
    doc.lines = [ContributionLine(kind=k, amount=Decimal(v)) for k, v in lines.items()]
    db.session.add(doc)
    db.session.flush()
    return doc


def ledger_now():
    from gic import timeutil
    return timeutil.utcnow()


def test_gic65_stays_per_intervention(world):
    assert history.model_on(world.groupement.id, date(2026, 11, 23)) == \
        ConventionModel.PER_INTERVENTION
    assert not history.is_ordered(world.groupement.id, YEAR)
    assert world.establishments["A"].participation == Participation.MEMBER


def test_model_follows_the_version_in_force(world):
    make_ordered(world)
    gid = world.groupement.id
    assert history.model_on(gid, date(2025, 12, 31)) == ConventionModel.PER_INTERVENTION
    assert history.model_on(gid, date(2026, 1, 1)) == ConventionModel.ORDERED_HOURS
    assert history.is_ordered(gid, 2026) and not history.is_ordered(gid, 2025)
    assert ledger.year_rate(gid, 2026) == Decimal("45.00")


def test_consumption_counts_remote_and_onsite_against_the_beneficiary(world):
    make_ordered(world)
    for_b = accepted(world, provider="A", beneficiary="B")
    session(world, for_b, date(2026, 11, 2), "08:00", "12:00", "onsite")
    session(world, for_b, date(2026, 11, 3), "09:00", "10:30", "remote")
    for_c = accepted(world, provider="A", beneficiary="C")
    session(world, for_c, date(2026, 11, 4), "14:00", "15:00", "remote")
    db.session.commit()
    assert ledger.consumed_minutes(world.groupement.id, YEAR) == {
        world.establishments["B"].id: 330, world.establishments["C"].id: 60}
    assert ledger.consumed_minutes(world.groupement.id, YEAR,
                                   beneficiary_id=world.establishments["C"].id) == {
        world.establishments["C"].id: 60}
    assert ledger.consumed_minutes(world.groupement.id, YEAR, validated_only=True) == {}
    assert ledger.consumed_minutes(world.groupement.id, 2025) == {}


def test_consumption_applies_the_versions_threshold(world):
    make_ordered(world, threshold=120)
    short = accepted(world, provider="A", beneficiary="B")
    session(world, short, date(2026, 11, 2), "08:00", "09:00", "remote")  # 60 < 120: free
    long = accepted(world, provider="C", beneficiary="B")
    session(world, long, date(2026, 11, 2), "10:00", "11:00", "remote")
    session(world, long, date(2026, 11, 3), "10:00", "11:00", "onsite")  # 120: counts
    db.session.commit()
    assert ledger.consumed_minutes(world.groupement.id, YEAR) == {
        world.establishments["B"].id: 120}


def test_contributions_before_and_after_calls(world):
    make_ordered(world)
    gid, ids = world.groupement.id, {k: e.id for k, e in world.establishments.items()}
    order(world, "A", 100 * H)
    order(world, "B", 60 * H)
    order(world, "C", 40 * H)
    assert ledger.contributions(gid, YEAR) == {
        ids["A"]: Decimal("4500.00"), ids["B"]: Decimal("2700.00"),
        ids["C"]: Decimal("1800.00")}
    document(world, "A", {LineKind.PROVISIONAL: "2250.00"}, sequence=1)
    document(world, "A", {LineKind.PROVISIONAL: "2250.00"}, sequence=2)
    document(world, "B", {LineKind.PROVISIONAL: "2700.00"}, sequence=3)
    document(world, "B", {LineKind.REFUND: "450.00", LineKind.SURPLUS_SHARE: "75.00"},
             sequence=4, kind=DocumentKind.REGULARISATION)
    document(world, "C", {LineKind.PROVISIONAL: "999.00"}, sequence=5, cancelled=True)
    assert ledger.contributions(gid, YEAR) == {
        ids["A"]: Decimal("4500.00"), ids["B"]: Decimal("2175.00"),
        ids["C"]: Decimal("1800.00")}  # C: its only document is cancelled -> its order


def test_year_figures(world):
    make_ordered(world, users="C")
    gid, ids = world.groupement.id, {k: e.id for k, e in world.establishments.items()}
    order(world, "A", 10 * H)
    order(world, "B", 6 * H)
    for_b = accepted(world, provider="A", beneficiary="B")
    session(world, for_b, date(2026, 11, 2), "08:00", "15:00", "onsite")  # 7 h
    document(world, "B", {LineKind.PROVISIONAL: "270.00"}, sequence=1)
    db.session.add(OrderedYear(groupement_id=gid, year=YEAR, hourly_rate=Decimal("45.00"),
                               ordered_minutes=16 * H, budget=Decimal("720.00"),
                               voted_on=date(2025, 12, 10)))
    db.session.commit()
    figures = ledger.year_figures(gid, YEAR)
    assert figures.model == ConventionModel.ORDERED_HOURS and figures.voted
    assert figures.budget == Decimal("720.00") and figures.rate == Decimal("45.00")
    b = figures.row(ids["B"])
    assert (b.ordered_minutes, b.consumed_minutes, b.left_minutes) == (360, 420, 0)
    assert (b.ordered_amount, b.consumed_amount, b.called) == (
        Decimal("270.00"), Decimal("315.00"), Decimal("270.00"))
    assert b.balance == Decimal("45.00") and b.consumption.alert_level == 100
    c = figures.row(ids["C"])
    assert c.participation == Participation.USER and not c.is_member
    totals = figures.totals
    assert (totals.ordered_minutes, totals.consumed_minutes) == (960, 420)
    assert totals.ordered_amount == Decimal("720.00") and totals.called == Decimal("270.00")
    assert not figures.regularised and figures.real_expenses is None
