"""Weighted votes of the ordered-hours model (issue 16 item 6) on a real database:
membership and renewal procedures, and the decisions of the minutes.

Worked example: A, B and C ordered 110, 50 and 40 h at 45 EUR/h for 2026, so
they contributed 4 950, 2 250 and 1 800 EUR and weigh 55 %, 25 % and 20 %.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.governance import procedures
from gic.governance.models import ProcedureStatus
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.meetings import votes
from gic.models import MembershipStatus
from gic.notifications.models import Notification
from gic.ordered.models import HourOrder
from tests.conftest import TODAY
from tests.ordered_helpers import H, make_ordered

YEAR = TODAY.year


def order(world, letter: str, hours: int, year: int = YEAR) -> None:
    """``letter`` orders ``hours`` for ``year`` (a new order replaces the former)."""
    row = db.session.scalars(select(HourOrder).where(
        HourOrder.establishment_id == world.establishments[letter].id,
        HourOrder.year == year)).first()
    if row is None:
        row = HourOrder(groupement_id=world.groupement.id,
                        establishment_id=world.establishments[letter].id, year=year)
        db.session.add(row)
    row.minutes = hours * H
    db.session.commit()


@pytest.fixture
def ordered(world):
    """World's groupement under the ordered-hours model, with the worked example's orders."""
    version = make_ordered(world)
    for letter, hours in (("A", 110), ("B", 50), ("C", 40)):
        order(world, letter, hours)
    return version


def propose(world, rule=None, name="IME de Bagnères", finess="650781995"):
    return procedures.propose_member(world.coordinator, name=name, finess=finess,
                                     contact="Mme Verdier, directrice", rule=rule)


def vote(world, procedure, letter, choice="for", reason=""):
    return procedures.cast_ballot(procedure, world.directors[letter], choice=choice,
                                  reason=reason)


def weights(procedure) -> dict[str, Decimal]:
    return {b.establishment.name[-1]: b.weight for b in procedure.ballots}


# --- Procedures ---------------------------------------------------------------------------

def test_a_procedure_is_weighted_by_the_years_contributions_frozen_at_its_opening(
        world, ordered):
    procedure = propose(world)
    assert procedure.is_weighted and procedure.weight_year == YEAR
    assert (procedure.quorum_percent, procedure.majority_percent) == (50, 50)
    assert weights(procedure) == {"A": Decimal("4950.00"), "B": Decimal("2250.00"),
                                  "C": Decimal("1800.00")}
    result = procedures.outcome(procedure)
    assert [w for w in result.weights] == [
        (Decimal("4950.00"), Decimal("55.00")), (Decimal("2250.00"), Decimal("25.00")),
        (Decimal("1800.00"), Decimal("20.00"))]
    order(world, "B", 500)  # a later order changes nothing to the open procedure
    db.session.expire_all()
    assert weights(procedure)["B"] == Decimal("2250.00")
    opened = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "governance.open")).one()
    assert opened.after["rule"] == "weighted" and opened.after["weights"][
        str(world.establishments["A"].id)] == "4950.00"
    # The directors are told how the vote is counted.
    body = db.session.scalars(select(Notification.body).where(
        Notification.user_id == world.directors["B"].id)).one()
    assert "chacun pesant ses contributions de 2026" in body


def test_the_largest_member_for_admits_the_candidate_at_once(world, ordered):
    procedure = propose(world)
    vote(world, procedure, "B", "against", "Pas de besoin")
    assert procedure.is_open  # 25 % against: A and C can still decide
    vote(world, procedure, "A")  # 55 % for: whatever C votes, more than 50 %
    assert procedure.status == ProcedureStatus.APPROVED
    assert procedure.status_label == "Approuvée au vote pondéré"
    assert procedure.outcome_reason.startswith(
        "Quorum atteint : 80,00\u00a0% des voix ont pris part au vote (minimum 50\u00a0%). "
        "Pour : 68,75\u00a0% des voix exprimées")
    candidate = procedure.establishment
    assert candidate.status == MembershipStatus.MEMBER
    with pytest.raises(RuleRefused, match="close"):
        vote(world, procedure, "C")


def test_the_two_smaller_members_cannot_outvote_the_largest(world, ordered):
    procedure = propose(world)
    vote(world, procedure, "B")
    vote(world, procedure, "C")
    assert procedure.is_open  # 45 % for, A (55 %) still decides
    assert "Votes attendus : Établissement A (55,00\u00a0%)." in procedures.outcome(
        procedure).reason
    vote(world, procedure, "A", "against", "Budget insuffisant")
    assert procedure.status == ProcedureStatus.REFUSED
    assert "Pour : 45,00\u00a0% des voix exprimées" in procedure.outcome_reason
    assert "Contre : Établissement A (« Budget insuffisant »)." in procedure.outcome_reason
    assert procedure.establishment is None  # never created


def test_the_version_sets_quorum_and_majority(world, ordered):
    ordered.majority_percent = 60
    db.session.commit()
    procedure = propose(world)
    assert procedure.majority_percent == 60
    vote(world, procedure, "A")  # 55 %: B and C against would leave it at 55 %
    assert procedure.is_open
    vote(world, procedure, "C")  # 75 % for at least: more than 60 %
    assert procedure.status == ProcedureStatus.APPROVED


def test_unanimity_stays_available(world, ordered):
    procedure = propose(world, rule="unanimity")
    assert not procedure.is_weighted and weights(procedure) == {"A": None, "B": None,
                                                                "C": None}
    vote(world, procedure, "A")
    vote(world, procedure, "B")
    assert procedure.is_open  # A and B weigh 80 %, but every member must approve
    vote(world, procedure, "C", "against", "Non")
    assert procedure.status == ProcedureStatus.REFUSED
    assert procedure.status_label == "Refusée"


def test_renewal_is_weighted_too(world, ordered, clock):
    clock.move_to(date(2028, 6, 1))  # the convention's last year (ends 29 Sept. 2028)
    for letter, hours in (("A", 10), ("B", 30), ("C", 60)):
        order(world, letter, hours, year=2028)
    procedure = procedures.open_renewal(world.coordinator)
    assert procedure.is_weighted and procedure.weight_year == 2028
    assert weights(procedure) == {"A": Decimal("450.00"), "B": Decimal("1350.00"),
                                  "C": Decimal("2700.00")}
    vote(world, procedure, "C")  # 60 % of the 2028 contributions
    assert procedure.status == ProcedureStatus.APPROVED
    assert procedure.new_period_end is not None


def test_users_never_vote(world):
    make_ordered(world, users="C")
    for letter, hours in (("A", 110), ("B", 50), ("C", 40)):
        order(world, letter, hours)
    procedure = propose(world)
    assert set(weights(procedure)) == {"A", "B"}  # C orders and pays, but does not vote
    with pytest.raises(RuleRefused, match="utilisateur") as refused:
        vote(world, procedure, "C")
    assert refused.value.code == "not_a_voter"
    vote(world, procedure, "A")  # 4 950 of 7 200: 68.75 %
    assert procedure.status == ProcedureStatus.APPROVED


def test_a_member_without_contribution_weighs_nothing(world, ordered):
    db.session.execute(HourOrder.__table__.delete().where(
        HourOrder.establishment_id == world.establishments["C"].id))
    db.session.commit()
    procedure = propose(world)
    assert weights(procedure)["C"] == Decimal("0.00")
    vote(world, procedure, "B")
    assert procedure.is_open
    vote(world, procedure, "A", "against", "Non")
    assert procedure.status == ProcedureStatus.REFUSED  # C's vote could not change it


def test_before_any_order_every_member_weighs_the_same(world):
    make_ordered(world)
    procedure = propose(world)
    assert set(weights(procedure).values()) == {Decimal("0.00")}
    assert [w for _, w in procedures.outcome(procedure).weights] == [
        Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    vote(world, procedure, "A")
    assert procedure.is_open
    vote(world, procedure, "B")  # two of three equal voices
    assert procedure.status == ProcedureStatus.APPROVED


def test_per_intervention_keeps_unanimity_and_refuses_the_weighted_rule(world):
    with pytest.raises(InvalidField, match="heures commandées") as refused:
        propose(world, rule="weighted")
    assert refused.value.field == "rule"
    with pytest.raises(InvalidField, match="inconnue"):
        propose(world, rule="majority")
    procedure = propose(world)
    assert not procedure.is_weighted and procedure.quorum_percent is None


# --- Decisions of the minutes -------------------------------------------------------------

def plan_directors(world, day=date(2026, 11, 2)):
    return meetings.plan_meeting(world.coordinator, kind="directors", title=None, day=day,
                                 start=time(14, 0),
                                 duration_minutes=120, place="Tarbes")


@pytest.fixture
def minutes(world, ordered):
    return steps.start_minutes(plan_directors(world), world.coordinator)


def test_the_minutes_freeze_the_voters_weights(world, minutes):
    vote_terms = minutes.snapshot["vote"]
    assert vote_terms["year"] == 2026 and vote_terms["quorum_percent"] == 50
    assert [(v["name"], v["amount"]) for v in vote_terms["voters"]] == [
        ("Établissement A", "4950.00"), ("Établissement B", "2250.00"),
        ("Établissement C", "1800.00")]


def test_a_weighted_decision_is_decided_by_the_weights(world, minutes):
    decision = steps.add_decision(minutes, world.coordinator, text="Budget 2027",
                                  needs_unanimity=False, weighted=True)
    assert decision.is_voted and votes.decisions_to_vote(world.directors["B"],
                                                         minutes.meeting) == [decision]
    votes.cast_vote(decision, world.directors["B"], choice="for")
    assert votes.outcome(decision).status == "pending"
    votes.cast_vote(decision, world.directors["C"], choice="abstain")
    votes.cast_vote(decision, world.directors["A"], choice="against", comment="Trop cher")
    result = votes.outcome(decision)
    assert (result.status, result.label) == ("refused", "rejetée au vote pondéré")
    assert result.tally.voted_percent == Decimal("100.00")
    assert result.tally.yes_percent == Decimal("31.25")  # 2 250 of 7 200 expressed
    assert "Contre : Établissement A (« Trop cher »)." in result.reason
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "minutes.decision_add")).one()
    assert audit.after["weighted"] is True


def test_finalised_minutes_count_the_members_who_did_not_vote_as_absent(world, minutes):
    decision = steps.add_decision(minutes, world.coordinator, text="Achat d'un serveur",
                                  needs_unanimity=False, weighted=True)
    lone = steps.add_decision(minutes, world.coordinator, text="Charte graphique",
                              needs_unanimity=False, weighted=True)
    votes.cast_vote(decision, world.directors["B"], choice="for")
    votes.cast_vote(decision, world.directors["C"], choice="for")
    votes.cast_vote(lone, world.directors["A"], choice="for")
    assert votes.outcome(decision).status == "pending"
    steps.finalise(minutes, world.coordinator)
    result = votes.outcome(decision)  # 45 % took part: no quorum
    assert (result.status, result.label) == ("refused", "quorum non atteint")
    assert result.reason == ("Quorum non atteint : 45,00\u00a0% des voix ont pris part au vote "
                             "(minimum 50\u00a0%).")
    assert votes.outcome(lone).status == "reached"


def test_a_new_version_keeps_the_weighted_rule_and_its_weights(world, minutes):
    decision = steps.add_decision(minutes, world.coordinator, text="Budget 2027",
                                  needs_unanimity=False, weighted=True)
    votes.cast_vote(decision, world.directors["A"], choice="for")
    steps.finalise(minutes, world.coordinator)
    order(world, "B", 900)
    again = steps.start_minutes(minutes.meeting, world.coordinator)
    copied = again.decisions[0]
    assert copied.weighted and not copied.needs_unanimity
    assert again.snapshot["vote"] == minutes.snapshot["vote"]
    assert votes.outcome(copied).status == "reached"


def test_unanimity_decisions_show_the_weights_in_this_model(world, minutes):
    decision = steps.add_decision(minutes, world.coordinator, text="Adhésion",
                                  needs_unanimity=True)
    for letter in "AB":
        votes.cast_vote(decision, world.directors[letter], choice="for")
    result = votes.outcome(decision)
    assert result.status == "pending" and result.tally is None
    assert result.weights[0] == (Decimal("4950.00"), Decimal("55.00"))


def test_users_do_not_vote_on_decisions(world):
    make_ordered(world, users="C")
    for letter, hours in (("A", 110), ("B", 50), ("C", 40)):
        order(world, letter, hours)
    minutes = steps.start_minutes(plan_directors(world), world.coordinator)
    assert [v["name"] for v in minutes.snapshot["vote"]["voters"]] == [
        "Établissement A", "Établissement B"]
    assert "Établissement C" in [e["name"] for e in minutes.snapshot["establishments"]]
    decision = steps.add_decision(minutes, world.coordinator, text="Budget 2027",
                                  needs_unanimity=False, weighted=True)
    assert votes.decisions_to_vote(world.directors["C"], minutes.meeting) == []
    with pytest.raises(RuleRefused, match="utilisateur"):
        votes.cast_vote(decision, world.directors["C"], choice="for")
    votes.cast_vote(decision, world.directors["A"], choice="for")
    assert votes.outcome(decision).status == "reached"


def test_decision_rules_are_checked(world, minutes):
    with pytest.raises(InvalidField, match="pas les deux") as refused:
        steps.add_decision(minutes, world.coordinator, text="Budget", needs_unanimity=True,
                           weighted=True)
    assert refused.value.field == "weighted"
    assert minutes.decisions == []


def test_per_intervention_minutes_have_no_weighted_vote(world):
    minutes = steps.start_minutes(plan_directors(world), world.coordinator)
    assert "vote" not in minutes.snapshot
    with pytest.raises(InvalidField, match="heures commandées"):
        steps.add_decision(minutes, world.coordinator, text="Budget", needs_unanimity=False,
                           weighted=True)


def test_minutes_docx_shows_the_weights_the_pdf_shows(app, world, minutes):
    from gic.meetings.documents import minutes_html
    from tests.services.test_meetings import _docx, _docx_blocks, _PrintedBlocks

    weighted = steps.add_decision(minutes, world.coordinator, text="Budget 2027",
                                  needs_unanimity=False, weighted=True)
    unanimous = steps.add_decision(minutes, world.coordinator, text="Adhésion",
                                   needs_unanimity=True)
    votes.cast_vote(weighted, world.directors["A"], choice="for")
    votes.cast_vote(weighted, world.directors["B"], choice="against", comment="Trop cher")
    votes.cast_vote(unanimous, world.directors["C"], choice="for")
    steps.finalise(minutes, world.coordinator)
    with app.test_request_context("/"):
        printed = _PrintedBlocks()
        printed.feed(minutes_html(world.coordinator, minutes))
    headings, paragraphs, tables = _docx_blocks(_docx(app, world, minutes))
    assert tables == printed.tables
    assert headings == printed.headings
    assert paragraphs == printed.paragraphs
    assert "Voixdesmembres(2026)" in headings
    assert ["ÉtablissementA", "4950,00€", "55,00%"] in tables[-4]
    assert ["ÉtablissementB", "2250,00€", "25,00%", "Contre", "Tropcher"] in tables[-3]
    assert ["ÉtablissementC", "1800,00€", "20,00%", "Pour", "—"] in tables[-1]
    assert tables[-2][1:] == [["Ontprispartauvote(quorum)", "80,00%", "atteint(minimum50%)"],
                              ["Pour(desvoixexprimées)", "68,75%", "majorité:plusde50%"],
                              ["Contre(desvoixexprimées)", "31,25%", "—"]]


def test_the_bilan_says_which_approvals_were_weighted(app, world, ordered):
    from flask import render_template

    from gic.governance.services import bilan_section

    unanimous = propose(world, rule="unanimity", name="SESSAD", finess="650000029")
    for letter in "ABC":
        vote(world, unanimous, letter)
    weighted = propose(world)
    vote(world, weighted, "A")
    section = bilan_section(world.groupement.id, YEAR)
    assert section["weighted"] == {"membership": 1, "renewal": 0}
    assert [a["weighted"] for a in section["admitted"]] == [False, True]
    with app.test_request_context():
        text = render_template("governance/_bilan.html", section=section, names={})
    assert "2</span> adhésions approuvées (dont 1 au vote pondéré)" in text
    assert "IME de Bagnères</strong> (le 23 novembre 2026, au vote pondéré)" in text


def test_the_coordinator_closes_the_vote_and_the_votes_cast_decide(world, ordered):
    ordered.quorum_percent = 40
    db.session.commit()
    procedure = propose(world)
    vote(world, procedure, "B")
    vote(world, procedure, "C", "against", "Non")
    assert procedure.is_open  # A (55 %) could still tip it either way
    assert procedures.outcome(procedure, closing=True).status == "reached"  # 25 vs 20 %
    with pytest.raises(Forbidden):
        procedures.close_vote(procedure, world.directors["A"])
    procedures.close_vote(procedure, world.coordinator)
    assert procedure.status == ProcedureStatus.APPROVED
    assert procedure.outcome_reason == (
        "Scrutin clos par la coordination. Quorum atteint : 45,00\u00a0% des voix ont pris "
        "part au vote (minimum 40\u00a0%). Pour : 55,55\u00a0% des voix exprimées, contre : "
        "44,44\u00a0% (majorité requise : plus de 50\u00a0%). Contre : Établissement C "
        "(« Non »).")
    assert procedure.establishment.status == MembershipStatus.MEMBER
    with pytest.raises(RuleRefused, match="close"):
        vote(world, procedure, "A")


def test_closing_without_quorum_refuses(world, ordered):
    procedure = propose(world)
    vote(world, procedure, "C")
    procedures.close_vote(procedure, world.coordinator)
    assert procedure.status == ProcedureStatus.REFUSED
    assert procedure.outcome_reason == (
        "Scrutin clos par la coordination. Quorum non atteint : 20,00\u00a0% des voix ont "
        "pris part au vote (minimum 50\u00a0%).")
    with pytest.raises(RuleRefused, match="déjà close"):
        procedures.close_vote(procedure, world.coordinator)


def test_a_unanimity_procedure_cannot_be_closed(world, ordered):
    procedure = propose(world, rule="unanimity")
    with pytest.raises(RuleRefused, match="attend le vote de chaque") as refused:
        procedures.close_vote(procedure, world.coordinator)
    assert refused.value.code == "unanimity" and procedure.is_open
