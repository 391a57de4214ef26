"""The ordered-hours year through its services (issue 16, items 2, 3 and 5): orders,
the budget's vote, the provisional calls as numbered documents with a PDF, and the
year-end regularisation after the close."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing import services as billing
from gic.billing.models import SettlementStatement
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.interventions import services as interventions
from gic.ordered import ledger, services
from gic.ordered.models import HourOrder, LineKind
from tests.helpers import accepted, session
from tests.ordered_helpers import H, make_ordered

YEAR = 2026
PARIS = ZoneInfo("Europe/Paris")


def ids(world) -> dict[str, int]:
    return {k: e.id for k, e in world.establishments.items()}


def ordered_world(world, **options):
    make_ordered(world, **options)
    e = ids(world)
    services.save_orders(world.coordinator, YEAR, {e["A"]: 10 * H, e["B"]: 6 * H,
                                                   e["C"]: 4 * H})


def voted_world(world, **options):
    ordered_world(world, **options)
    services.record_vote(world.coordinator, YEAR, date(2025, 12, 10), "AG du 10/12/2025")


def consume(world, provider: str, beneficiary: str, days_hours: list[tuple[int, str, str]],
            mode: str = "onsite"):
    i = accepted(world, provider=provider, beneficiary=beneficiary)
    for day, start, end in days_hours:
        session(world, i, date(2026, 11, day), start, end, mode)
    interventions.complete(i, i.technician, "Fait.")
    interventions.validate(i, world.directors[beneficiary])
    return i


def test_orders_are_saved_and_audited(world):
    ordered_world(world)
    assert ledger.ordered_minutes(world.groupement.id, YEAR) == {
        ids(world)["A"]: 600, ids(world)["B"]: 360, ids(world)["C"]: 240}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "ordered.order")) == 3
    # unchanged values change nothing
    assert services.save_orders(world.coordinator, YEAR, {ids(world)["A"]: 600}) == 0


def test_only_the_coordinator_orders_and_only_its_establishments(world, other_world):
    make_ordered(world)
    for user in (world.directors["A"], world.accountant, world.technicians["A"]):
        with pytest.raises(Forbidden):
            services.save_orders(user, YEAR, {ids(world)["A"]: 60})
    with pytest.raises(NotFound):
        services.save_orders(world.coordinator, YEAR,
                             {other_world.establishments["X"].id: 60})
    with pytest.raises(InvalidField):
        services.save_orders(world.coordinator, YEAR, {ids(world)["A"]: -1})
    assert db.session.scalar(select(func.count()).select_from(HourOrder)) == 0


def test_orders_need_the_ordered_model(world):
    with pytest.raises(RuleRefused, match="heures commandées"):
        services.save_orders(world.coordinator, YEAR, {ids(world)["A"]: 60})


def test_the_vote_freezes_the_budget_and_the_orders(world):
    ordered_world(world)
    with pytest.raises(InvalidField):
        services.record_vote(world.coordinator, YEAR, date(2026, 12, 1), "")  # future
    year_row = services.record_vote(world.coordinator, YEAR, date(2025, 12, 10), "AG")
    assert year_row.budget == Decimal("900.00") and year_row.hourly_rate == Decimal("45.00")
    assert year_row.ordered_minutes == 20 * H
    with pytest.raises(RuleRefused, match="voté"):
        services.save_orders(world.coordinator, YEAR, {ids(world)["A"]: 60})
    with pytest.raises(RuleRefused):
        services.record_vote(world.coordinator, YEAR, date(2025, 12, 11), "")


def test_provisional_calls_in_instalments_are_numbered_documents(world):
    voted_world(world, instalments=2)
    docs = services.issue_calls(world.coordinator, YEAR)
    assert [d.number for d in docs] == [f"GIC65-2026-{n:04d}" for n in range(1, 7)]
    by = {(d.establishment_id, d.instalment): d for d in docs}
    a = ids(world)["A"]
    assert by[(a, 1)].amount == by[(a, 2)].amount == Decimal("225.00")
    assert by[(a, 1)].lines[0].kind == LineKind.PROVISIONAL
    # the due dates of the first semester are past on 23 November: 30 days from today
    assert by[(a, 1)].due_on == date(2026, 12, 23)
    assert all(d.pdf.startswith(b"%PDF") and len(d.pdf_sha256) == 64 for d in docs)
    assert sum(d.amount for d in docs) == Decimal("900.00")
    assert ledger.contributions(world.groupement.id, YEAR) == {
        a: Decimal("450.00"), ids(world)["B"]: Decimal("270.00"),
        ids(world)["C"]: Decimal("180.00")}
    with pytest.raises(RuleRefused, match="déjà émis"):
        services.issue_calls(world.coordinator, YEAR)


def test_calls_need_the_vote(world):
    ordered_world(world)
    with pytest.raises(RuleRefused, match="vote"):
        services.issue_calls(world.coordinator, YEAR)


def test_due_dates_spread_over_the_first_semester():
    assert services.default_due_dates(2027, 1) == [date(2027, 6, 30)]
    assert services.default_due_dates(2027, 2) == [date(2027, 3, 31), date(2027, 6, 30)]
    assert services.default_due_dates(2027, 3) == [
        date(2027, 2, 28), date(2027, 4, 30), date(2027, 6, 30)]


def test_documents_are_read_by_scope(world, other_world):
    voted_world(world)
    docs = services.issue_calls(world.coordinator, YEAR)
    mine = [d for d in docs if d.establishment_id == ids(world)["A"]]
    assert services.year_documents(world.directors["A"], YEAR) == mine
    assert len(services.year_documents(world.accountant, YEAR)) == 3
    with pytest.raises(NotFound):
        services.get_document(world.directors["B"], mine[0].id)
    with pytest.raises(NotFound):
        services.get_document(other_world.coordinator, mine[0].id)
    with pytest.raises(Forbidden):
        services.get_document(world.technicians["A"], mine[0].id)
    doc, pdf = services.download(world.directors["A"], mine[0].id)
    assert pdf == doc.pdf and services.file_name(doc) == f"appel-{doc.number}.pdf"


def test_regularisation_after_the_close(world, clock):
    voted_world(world, users="C")
    services.issue_calls(world.coordinator, YEAR)
    consume(world, "B", "A", [(2, "08:00", "18:00"), (3, "08:00", "09:00")])  # A: 11 h
    consume(world, "A", "B", [(4, "08:00", "13:00")], mode="remote")  # B: 5 h
    consume(world, "A", "C", [(5, "08:00", "12:00")])  # C: 4 h
    with pytest.raises(RuleRefused, match="pas terminée"):
        services.save_expenses(world.coordinator, YEAR, Decimal("800"))
    clock.move_to(datetime(2027, 1, 11, 10, 0, tzinfo=PARIS))
    with pytest.raises(RuleRefused, match="clôtur"):
        services.regularise(world.coordinator, YEAR)
    billing.close_year(world.accountant, YEAR)
    # no pair settlement in this model: the groupement is paid, not the providers
    assert db.session.scalar(select(func.count()).select_from(SettlementStatement)) == 0
    with pytest.raises(RuleRefused, match="dépenses réelles"):
        services.regularise(world.coordinator, YEAR)
    services.save_expenses(world.coordinator, YEAR, Decimal("870.00"), "Compte de résultat")
    preview = services.regularisation_preview(world.groupement.id, YEAR)
    assert preview.income == Decimal("900.00") and preview.result == Decimal("30.00")
    docs = services.regularise(world.coordinator, YEAR)
    by = {d.establishment_id: d for d in docs}
    a, b, c = ids(world)["A"], ids(world)["B"], ids(world)["C"]
    # A: 11 h × 45 = 495 vs 450 called -> +45; surplus 30 shared by members A (495), B (225)
    assert {line.kind: line.amount for line in by[a].lines} == {
        LineKind.COMPLEMENT: Decimal("45.00"), LineKind.SURPLUS_SHARE: Decimal("20.63")}
    assert by[a].amount == Decimal("24.37")
    assert {line.kind: line.amount for line in by[b].lines} == {
        LineKind.REFUND: Decimal("45.00"), LineKind.SURPLUS_SHARE: Decimal("9.37")}
    assert by[c].lines == [] and by[c].amount == 0  # a « utilisateur »: no share
    assert [d.number for d in docs] == ["GIC65-2026-0004", "GIC65-2026-0005",
                                        "GIC65-2026-0006"]
    contributions = ledger.contributions(world.groupement.id, YEAR)
    assert sum(contributions.values()) == Decimal("870.00")
    figures = ledger.year_figures(world.groupement.id, YEAR)
    assert figures.regularised and figures.totals.contributed == Decimal("870.00")
    with pytest.raises(RuleRefused, match="déjà régularisée"):
        services.regularise(world.coordinator, YEAR)
    # reopening the year withdraws the regularisation; it is done again after the close
    billing.reopen_year(world.coordinator, YEAR, "Erreur de saisie")
    assert all(d.cancelled for d in docs)
    assert not ledger.year_figures(world.groupement.id, YEAR).regularised
    assert sum(ledger.contributions(world.groupement.id, YEAR).values()) == Decimal("900.00")
