"""Temporary secondments (SPEC §4 R8): the rules, the approval procedure, interventions
attached to them (outside the cap, inside the period), their billing apart from the
convention's pairs (summary, CSV, XLSX), year closing (R9) and the bilan section.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing import exports
from gic.billing.services import billing_summary, close_year, export_detail
from gic.convention import ledger, rules
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.interventions import services as interventions
from gic.interventions.models import Intervention, InterventionSession
from gic.notifications.models import Notification
from gic.secondments import services
from gic.secondments.models import Secondment, SecondmentStatus
from gic.secondments.queries import bilan_section
from gic.timeutil import local_today
from tests.api.test_query_counts import count_queries
from tests.helpers import accepted, session

YEAR = 2025
FIRST, LAST = date(YEAR, 1, 1), date(YEAR, 12, 31)


def secondment(world, provider="A", beneficiary="B", *, by=None, approve=True,
               start=FIRST, end=LAST, pricing="hourly", rate="30.00", lump_sum=None,
               project="Migration de la messagerie", **extra) -> Secondment:
    """A secondment proposed by ``by`` (default: the beneficiary's technician), approved
    by both directors unless ``approve`` is False."""
    proposer = by or world.technicians[beneficiary]
    s = services.propose(
        proposer, provider_id=world.establishments[provider].id,
        beneficiary_id=world.establishments[beneficiary].id, project=project,
        description="Bascule des boîtes et des agendas.", start_date=start, end_date=end,
        pricing=pricing, hourly_rate=Decimal(rate) if rate and pricing == "hourly" else None,
        lump_sum=Decimal(lump_sum) if lump_sum else None, **extra)
    if approve:
        for letter in (provider, beneficiary):
            if services.next_actions(world.directors[letter], s).count("approve"):
                services.approve(s, world.directors[letter])
    return s


def attached(world, s: Secondment, provider="A", beneficiary="B") -> Intervention:
    """A request under ``s``, activated and accepted."""
    i = interventions.create_draft(
        world.technicians[beneficiary], provider_id=world.establishments[provider].id,
        axis=2, nature="deployment", description="Bascule des boîtes", secondment_id=s.id,
        estimated_onsite_minutes=6000)
    interventions.activate(i, world.directors[beneficiary])
    interventions.accept(i, world.directors[provider], world.technicians[provider].id)
    return i


def finish(world, i, beneficiary="B", validate=True):
    interventions.complete(i, i.technician, "Fait.")
    if validate:
        interventions.validate(i, world.directors[beneficiary])


def refused(exc_type, call, *args, **kwargs):
    """A refused call stores nothing (rolled back, as the views do)."""
    counts = lambda: (db.session.scalar(select(func.count(InterventionSession.id))),
                      db.session.scalar(select(func.count(Secondment.id))))
    before = counts()
    with pytest.raises(exc_type) as error:
        call(*args, **kwargs)
    db.session.rollback()
    assert counts() == before
    return error.value


def keys(user) -> set[str]:
    return set(db.session.scalars(select(Notification.key).where(Notification.user_id == user.id)))


# --- The pure rules ---------------------------------------------------------------------

def test_hourly_amount_counts_every_minute_and_rounds_once():
    # 440 min × 25 € = 183.333… ; twice 440 min = 366.67 (not 2 × 183.33 = 366.66).
    amount = rules.secondment_amount
    assert amount(minutes=440, hourly_rate=Decimal("25.00"), lump_sum=None, year=2025,
                  end_year=2026) == Decimal("183.33")
    assert amount(minutes=880, hourly_rate=Decimal("25.00"), lump_sum=None, year=2025,
                  end_year=2025) == Decimal("366.67")
    assert amount(minutes=1, hourly_rate=Decimal("0.30"), lump_sum=None, year=2025,
                  end_year=2025) == Decimal("0.01")  # 0.005 half-up
    assert amount(minutes=0, hourly_rate=Decimal(30), lump_sum=None, year=2025,
                  end_year=2025) == Decimal("0.00")


def test_lump_sum_is_billed_once_in_the_year_the_period_ends():
    amount = rules.secondment_amount
    assert amount(minutes=9000, hourly_rate=None, lump_sum=Decimal(1500), year=2026,
                  end_year=2026) == Decimal("1500.00")
    assert amount(minutes=9000, hourly_rate=None, lump_sum=Decimal(1500), year=2025,
                  end_year=2026) == Decimal("0.00")


def test_a_session_lies_in_the_secondment_period():
    rules.check_secondment_period(FIRST, FIRST, LAST)
    rules.check_secondment_period(LAST, FIRST, LAST)
    with pytest.raises(InvalidField) as error:
        rules.check_secondment_period(date(2026, 1, 1), FIRST, LAST)
    assert error.value.field == "date" and "01/01/2025 au 31/12/2025" in error.value.message


# --- The procedure ------------------------------------------------------------------------

def test_both_directors_approve_each_recorded_with_who_and_when(world):
    s = secondment(world, approve=False)  # proposed by B's technician
    assert s.status == SecondmentStatus.PROPOSED
    for letter in "AB":
        key = f"secondment-{s.id}-approve-{world.establishments[letter].id}"
        assert key in keys(world.directors[letter])
    assert services.awaiting_approval(world.directors["A"]) == [s]
    services.approve(s, world.directors["A"])
    assert s.status == SecondmentStatus.PROPOSED and s.provider_approved_by_id == \
        world.directors["A"].id and s.provider_approved_at is not None
    assert services.awaiting_approval(world.directors["A"]) == []
    refused(RuleRefused, services.approve, s, world.directors["A"])  # not twice
    services.approve(s, world.directors["B"])
    assert s.status == SecondmentStatus.APPROVED and s.approved_at is not None
    assert s.beneficiary_approved_by_id == world.directors["B"].id
    assert f"secondment-{s.id}-approved" in keys(world.technicians["B"])  # the proposer
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "Secondment", AuditEntry.object_id == s.id)
        .order_by(AuditEntry.id)))
    assert actions == ["secondment.propose", "secondment.approve", "secondment.approve"]


def test_a_director_proposing_approves_for_his_establishment(world):
    s = secondment(world, by=world.directors["A"], approve=False, pricing="lump_sum",
                   lump_sum="1500.00", rate=None)
    assert s.provider_approved_by_id == world.directors["A"].id
    assert s.beneficiary_approved_at is None
    assert services.next_actions(world.directors["A"], s) == ["refuse", "cancel"]
    assert services.next_actions(world.directors["B"], s) == ["approve", "refuse"]
    assert not any(k.startswith(f"secondment-{s.id}-approve") for k in
                   keys(world.directors["A"]))
    services.approve(s, world.directors["B"])
    assert s.status == SecondmentStatus.APPROVED


@pytest.mark.parametrize("who", ["tech_A", "dir_C", "tech_C", "coordinator", "accountant"])
def test_only_the_two_directors_approve_or_refuse(world, who):
    s = secondment(world, approve=False)
    kind, _, letter = who.partition("_")
    user = getattr(world, who) if not letter else (
        world.technicians if kind == "tech" else world.directors)[letter]
    refused(Forbidden, services.approve, s, user)
    refused(Forbidden, services.refuse, s, user, "Non.")


def test_refusal_needs_a_reason_and_ends_the_procedure(world):
    s = secondment(world, approve=False)
    refused(InvalidField, services.refuse, s, world.directors["B"], "  ")
    services.refuse(s, world.directors["B"], "Pas de budget cette année.")
    assert (s.status, s.refused_by_id, s.refusal_reason) == (
        SecondmentStatus.REFUSED, world.directors["B"].id, "Pas de budget cette année.")
    refused(RuleRefused, services.approve, s, world.directors["A"])
    assert f"secondment-{s.id}-refused" in keys(world.technicians["B"])


def test_only_the_proposer_cancels_and_only_before_approval(world):
    s = secondment(world, approve=False)
    refused(Forbidden, services.cancel, s, world.directors["B"])
    services.cancel(s, world.technicians["B"])
    assert s.status == SecondmentStatus.CANCELLED and s.cancelled_at is not None
    approved = secondment(world)
    refused(RuleRefused, services.cancel, approved, world.technicians["B"])


@pytest.mark.parametrize("values, field", [
    ({"provider": "C", "beneficiary": "A", "by": "B"}, "provider_id"),  # B is neither
    ({"provider": "B", "beneficiary": "B"}, "beneficiary_id"),
    ({"start": date(2025, 5, 2), "end": date(2025, 5, 1)}, "end_date"),
    ({"start": date(2019, 9, 1)}, "start_date"),  # before the convention
    ({"start": date(2022, 1, 1), "end": date(2025, 12, 31)}, "end_date"),  # not temporary
    ({"rate": "0"}, "hourly_rate"),
    ({"rate": "12.345"}, "hourly_rate"),
    ({"pricing": "lump_sum", "rate": None}, "lump_sum"),
    ({"pricing": "barter"}, "pricing"),
    ({"project": "  "}, "project"),
])
def test_meaningless_proposals_are_refused_on_their_field(world, values, field):
    values = dict(values)
    kwargs = {k: values.pop(k) for k in ("start", "end", "pricing", "rate", "project")
              if k in values}
    if "by" in values:
        kwargs["by"] = world.technicians[values.pop("by")]
    error = refused(InvalidField, secondment, world, values.pop("provider", "A"),
                    values.pop("beneficiary", "B"), approve=False, **kwargs)
    assert error.field == field


def test_seconded_technicians_belong_to_the_provider(world):
    error = refused(InvalidField, secondment, world, approve=False,
                    technician_ids=[world.technicians["C"].id])
    assert error.field == "technician_ids"
    s = secondment(world, approve=False, technician_ids=[world.technicians["A"].id])
    assert [t.name for t in s.technicians] == ["Technicien A"]


def test_nobody_outside_proposes(world, other_world):
    refused(Forbidden, secondment, world, by=world.coordinator)
    refused(Forbidden, secondment, world, by=world.accountant)
    error = refused(InvalidField, services.propose, other_world.directors["X"],
                    provider_id=other_world.establishments["X"].id,
                    beneficiary_id=world.establishments["B"].id, project="P", description="D",
                    start_date=FIRST, end_date=LAST, pricing="hourly",
                    hourly_rate=Decimal(30))
    assert error.field == "beneficiary_id"


def test_scope_parties_read_coordinator_and_accountant_too_others_404(world, other_world):
    s = secondment(world)
    for user in (world.technicians["A"], world.directors["B"], world.coordinator,
                 world.accountant):
        assert services.get_secondment(user, s.id) == s
        assert list(db.session.scalars(services.visible_secondments(user))) == [s]
    for user in (world.technicians["C"], world.directors["C"], other_world.coordinator,
                 other_world.directors["X"]):
        with pytest.raises(NotFound):
            services.get_secondment(user, s.id)
        assert list(db.session.scalars(services.visible_secondments(user))) == []


# --- Interventions under a secondment -------------------------------------------------------

def used_30_hours(world, year=YEAR):
    """B has received 30 h of billable work in ``year`` (C -> B, four days of 7 h 30)."""
    i = accepted(world, "C", "B")
    for day in (3, 4, 5, 6):
        session(world, i, date(year, 3, day), "08:00", "15:30")
    assert ledger.cap_use(world.establishments["B"].id, [year]) == {year: 1800}


def test_worked_example_a_secondment_goes_beyond_the_cap(world):
    used_30_hours(world)
    s = secondment(world)
    under = attached(world, s)
    stored = session(world, under, date(YEAR, 6, 2), "08:00", "15:00")
    assert stored.minutes == 420
    assert ledger.cap_use(world.establishments["B"].id, [YEAR]) == {YEAR: 1800}
    plain = accepted(world, "A", "B")
    error = refused(RuleRefused, session, world, plain, date(YEAR, 6, 3), "08:00", "15:00")
    assert error.code == "cap_exceeded" and error.extra["remaining_minutes"] == 300
    assert "détachement temporaire" in error.message


def test_activation_under_a_secondment_ignores_r7(world):
    this_year = local_today().year  # R7 looks at the current year
    used_30_hours(world, this_year)
    s = secondment(world, start=date(this_year, 1, 1), end=date(this_year, 12, 31))
    attached(world, s)  # 100 h on site estimated, activated
    big = interventions.create_draft(world.technicians["B"], axis=2, nature="incident",
                                     provider_id=world.establishments["A"].id,
                                     description="Sans détachement",
                                     estimated_onsite_minutes=600)
    error = refused(RuleRefused, interventions.activate, big, world.directors["B"])
    assert error.code == "cap_exceeded"


def test_sessions_outside_the_period_are_refused(world):
    s = secondment(world, start=date(YEAR, 3, 1), end=date(YEAR, 3, 31))
    i = attached(world, s)
    error = refused(InvalidField, session, world, i, date(YEAR, 4, 1), "08:00", "10:00")
    assert error.field == "date" and "période du détachement" in error.message
    stored = session(world, i, date(YEAR, 3, 31), "08:00", "10:00")
    refused(InvalidField, interventions.update_session, stored, world.technicians["A"],
            day=date(YEAR, 2, 28))


def test_draft_attaches_only_an_approved_secondment_of_the_same_pair(world):
    proposed = secondment(world, approve=False)
    other_pair = secondment(world, "C", "B", project="Autre")
    other_beneficiary = secondment(world, "A", "C", project="Ailleurs")
    ok = secondment(world, project="Le bon")
    assert set(services.attachable_secondments(world.technicians["B"])) == {other_pair, ok}
    for s in (proposed, other_pair, other_beneficiary):
        with pytest.raises(InvalidField) as error:
            interventions.create_draft(world.technicians["B"], axis=2, nature="incident",
                                       provider_id=world.establishments["A"].id,
                                       description="x", secondment_id=s.id)
        db.session.rollback()
        assert error.value.field == "secondment_id"
    i = interventions.create_draft(world.directors["B"], axis=2, nature="incident",
                                   provider_id=world.establishments["A"].id,
                                   description="x", secondment_id=ok.id)
    assert i.secondment_id == ok.id


# --- Billing apart ------------------------------------------------------------------------------

def billed(world):
    """2025: A -> B 7 h 20 under the convention (183.33), and under an hourly secondment
    A -> B at 30 € two validated interventions (on site 1 h + remote 2 h 20, and on site
    3 h 20: 400 min, 200.00 €) and one not validated (on site 1 h); a lump sum
    secondment C -> B ending in 2026."""
    plain = accepted(world, "A", "B")
    session(world, plain, date(YEAR, 2, 3), "08:00", "15:20")
    finish(world, plain)
    hourly = secondment(world)
    one = attached(world, hourly)
    session(world, one, date(YEAR, 2, 4), "08:00", "09:00")
    session(world, one, date(YEAR, 2, 5), "08:00", "10:20", mode="remote")
    finish(world, one)
    two = attached(world, hourly)
    session(world, two, date(YEAR, 2, 6), "08:00", "11:20")
    finish(world, two)
    waiting = attached(world, hourly)
    session(world, waiting, date(YEAR, 2, 7), "08:00", "09:00")
    lump = secondment(world, "C", "B", project="Parc", pricing="lump_sum", rate=None,
                      lump_sum="1500.00", start=date(YEAR, 11, 1), end=date(YEAR + 1, 2, 28))
    return {"plain": plain, "hourly": hourly, "waiting": waiting, "lump": lump}


def test_billing_summary_keeps_secondments_apart(world):
    b = billed(world)
    ids = world.establishments
    summary = billing_summary(world.accountant, YEAR)
    assert summary.lines == [{"provider_id": ids["A"].id, "beneficiary_id": ids["B"].id,
                              "billable_minutes": 440, "amount": Decimal("183.33")}]
    assert summary.pending == []
    assert summary.settlements == [{"from_id": ids["B"].id, "to_id": ids["A"].id,
                                    "amount": Decimal("183.33")}]
    assert [(line["secondment_id"], line["billable_minutes"], line["pending_minutes"],
             line["amount"]) for line in summary.secondments] == [
        (b["hourly"].id, 400, 60, Decimal("200.00")), (b["lump"].id, 0, 0, Decimal("0.00"))]
    assert billing_summary(world.accountant, YEAR + 1).secondments[0]["amount"] == \
        Decimal("1500.00")
    assert billing_summary(world.directors["C"], YEAR).secondments == [
        line for line in summary.secondments if line["secondment_id"] == b["lump"].id]
    assert ledger.cap_use(ids["B"].id, [YEAR]) == {YEAR: 440}
    assert services.yearly_billing(b["hourly"]) == [
        {"year": YEAR, "validated_minutes": 400, "pending_minutes": 60,
         "amount": Decimal("200.00")}]


def test_csv_and_xlsx_have_the_secondments_section(world):
    b = billed(world)
    detail = export_detail(world.accountant, YEAR)
    text = exports.to_csv(detail).decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
            if r["Section"] == "Détachements"]
    assert [(r["Prestataire"], r["Bénéficiaire"], r["Minutes facturables"], r["Montant"])
            for r in rows[:2]] == [("Établissement A", "Établissement B", "400", "200,00"),
                                   ("Établissement C", "Établissement B", "0", "0,00")]
    assert rows[0]["Premier jour"] == "01/01/2025" and "taux horaire convenu 30,00 €" in \
        rows[0]["Objet"] and "1 h 00 en attente" in rows[0]["Objet"]
    assert f"Détachement n° {b['lump'].id} « Parc » : forfait 1500,00 €" in rows[1]["Objet"]
    assert "hors convention" in rows[2]["Objet"]
    assert [(r["Type de ligne"], r["Heures (décimal)"]) for r in rows] == [
        ("Détachement", "6,67"), ("Détachement", "0,00"), ("Note", "")]
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(detail)))["Détachements"]
    assert [c.value for c in sheet[1]][:4] == ["N° détachement", "Projet", "Prestataire",
                                               "Bénéficiaire"]
    assert [c.value for c in sheet[2]] == [
        b["hourly"].id, "Migration de la messagerie", "Établissement A", "Établissement B",
        sheet["E2"].value, sheet["F2"].value, "Taux horaire convenu", 30, None, 400, "6 h 40",
        60, 200, 6.67]
    assert sheet["E2"].is_date and sheet["M2"].number_format == exports.MONEY_FORMAT
    assert "hors convention" in sheet["A5"].value


def test_closing_waits_for_secondment_interventions_and_freezes_them(world):
    b = billed(world)
    error = refused(RuleRefused, close_year, world.accountant, YEAR)
    assert f"n° {b['waiting'].id}" in error.message
    finish(world, b["waiting"])
    close_year(world.accountant, YEAR)
    detail = export_detail(world.accountant, YEAR)
    assert exports.to_csv(detail) == exports.to_csv(export_detail(world.accountant, YEAR))
    assert exports.to_xlsx(detail) == exports.to_xlsx(export_detail(world.accountant, YEAR))
    # Nothing may change 2025 now: no session under a secondment, no new period in it.
    refused(RuleRefused, session, world, attached(world, b["hourly"]), date(YEAR, 3, 2),
            "08:00", "09:00")
    error = refused(RuleRefused, secondment, world, "A", "C", start=date(YEAR, 12, 1),
                    end=date(YEAR + 1, 1, 31))
    assert error.code == "year_closed"
    s = secondment(world, "B", "C", approve=False, start=date(YEAR + 1, 1, 1),
                   end=date(YEAR + 1, 1, 31))
    assert s.status == SecondmentStatus.PROPOSED


# --- Bilan ---------------------------------------------------------------------------------------

def test_bilan_section_per_secondment_and_establishment_in_three_queries(world):
    b = billed(world)
    ids = world.establishments
    gid = world.groupement.id
    with count_queries() as counter:
        section = bilan_section(gid, YEAR)
    assert counter["n"] == 3
    hourly, lump = section["secondments"]
    assert hourly == {
        "secondment_id": b["hourly"].id, "project": "Migration de la messagerie",
        "provider_id": ids["A"].id, "beneficiary_id": ids["B"].id, "pricing": "hourly",
        "hourly_rate": "30.00", "lump_sum": None, "start_date": "2025-01-01",
        "end_date": "2025-12-31", "minutes": 460, "onsite_minutes": 320,
        "remote_minutes": 140, "validated_minutes": 400, "amount": "200.00"}
    assert (lump["pricing"], lump["lump_sum"], lump["amount"]) == ("lump_sum", "1500.00", "0.00")
    assert section["totals"] == {"secondments": 2, "minutes": 460, "amount": "200.00",
                                 "onsite_minutes": 320, "remote_minutes": 140}
    per = {e["establishment_id"]: e for e in section["per_establishment"]}
    assert per[ids["A"].id]["given"] == {"secondments": 1, "minutes": 460, "amount": "200.00"}
    assert per[ids["B"].id]["received"] == {"secondments": 2, "minutes": 460,
                                            "amount": "200.00"}
    assert per[ids["C"].id]["given"]["secondments"] == 1
    assert bilan_section(world.groupement.id, YEAR + 1)["totals"]["amount"] == "1500.00"
    empty = bilan_section(world.groupement.id, 2023)
    assert empty["secondments"] == [] and empty["totals"]["amount"] == "0.00"
