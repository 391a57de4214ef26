"""Membership and renewal by unanimity (SPEC §7), founding members and candidates,
and the convention's periods (gic/governance)."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from gic.admin.services import create_establishment, create_user
from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.governance import procedures, queries
from gic.governance.models import Ballot, Procedure, ProcedureStatus
from gic.governance.periods import convention_end, periods
from gic.governance.services import bilan_section
from gic.interventions import services as interventions
from gic.jobs import run_job
from gic.models import Establishment, MembershipStatus
from gic.notifications.models import Notification
from tests.conftest import TODAY
from tests.helpers import accepted


def propose(world, name="IME de Bagnères", finess="650781995"):
    return procedures.propose_member(world.coordinator, name=name, finess=finess,
                                     contact="Mme Verdier, directrice", message="Présentation")


def vote(world, procedure, letter, choice="for", reason=""):
    return procedures.cast_ballot(procedure, world.directors[letter], choice=choice,
                                  reason=reason)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def keys_of(user) -> set[str]:
    return set(db.session.scalars(select(Notification.key).where(Notification.user_id == user.id)))


# --- founding members, then candidates -------------------------------------------------

def test_while_set_up_an_added_establishment_is_a_founding_member(world):
    assert procedures.founding_open(world.groupement.id)
    e = create_establishment(world.coordinator, name="EHPAD de Lourdes", finess="650781234")
    assert e.status == MembershipStatus.MEMBER and e.is_member
    assert count(Procedure) == 0


def test_once_at_work_an_added_establishment_is_a_candidate_kept_out_of_interventions(world):
    accepted(world)  # the groupement is at work
    assert not procedures.founding_open(world.groupement.id)
    e = create_establishment(world.coordinator, name="EHPAD de Lourdes", finess="650781234")
    assert e.status == MembershipStatus.CANDIDATE
    procedure = db.session.scalars(select(Procedure)).one()
    assert procedure.establishment_id == e.id and procedure.is_open
    assert sorted(b.establishment_id for b in procedure.ballots) == sorted(
        x.id for x in world.establishments.values())  # the candidate does not vote
    assert f"governance:{procedure.id}:vote" in keys_of(world.directors["C"])
    # Neither as provider nor as beneficiary before unanimity.
    with pytest.raises(RuleRefused, match="pas encore membre") as refused:
        interventions.create_draft(world.technicians["B"], provider_id=e.id, axis=2,
                                   nature="incident", description="Panne")
    assert refused.value.code == "not_member" and refused.value.status == 409
    director = create_user(world.coordinator, email="dir@lourdes.test", name="Dir Lourdes",
                           role="director", establishment_id=e.id, password="un-bon-mot-2-passe")
    with pytest.raises(RuleRefused, match="pas encore membre"):
        interventions.create_draft(director, provider_id=world.establishments["A"].id, axis=2,
                                   nature="incident", description="Panne")
    # The candidate's own director does not vote on its membership.
    with pytest.raises(RuleRefused, match="propre adhésion"):
        procedures.cast_ballot(procedure, director, choice="for")
    for letter in "ABC":
        vote(world, procedure, letter)
    assert db.session.get(Establishment, e.id).status == MembershipStatus.MEMBER
    i = interventions.create_draft(director, provider_id=world.establishments["A"].id, axis=2,
                                   nature="incident", description="Panne")
    assert i.beneficiary_id == e.id


# --- unanimity -----------------------------------------------------------------------------

def test_all_member_directors_approve_then_the_candidate_becomes_a_member(world):
    procedure = propose(world)
    assert count(Establishment, Establishment.finess == "650781995") == 0  # not before
    assert [p.id for p in queries.awaiting_votes(world.directors["B"])] == [procedure.id]
    vote(world, procedure, "A")
    vote(world, procedure, "B")
    assert procedure.is_open and procedures.outcome(procedure).reason == (
        "Votes attendus : Établissement C.")
    ballot = vote(world, procedure, "C")
    assert ballot.user_id == world.directors["C"].id and ballot.cast_at is not None
    db.session.expire_all()
    procedure = db.session.get(Procedure, procedure.id)
    assert procedure.status == ProcedureStatus.APPROVED and procedure.closed_at
    e = procedure.establishment
    assert (e.name, e.finess, e.status) == ("IME de Bagnères", "650781995", "member")
    assert queries.awaiting_votes(world.directors["B"]) == []
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "Procedure").order_by(AuditEntry.id)))
    assert actions == ["governance.open"] + ["governance.vote"] * 3 + ["governance.approve"]
    votes = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "governance.vote")).all()
    assert {v.establishment_id for v in votes} == {x.id for x in world.establishments.values()}
    assert f"governance:{procedure.id}:approved" in keys_of(world.coordinator)
    assert f"governance:{procedure.id}:approved" in keys_of(world.directors["A"])


def test_one_refusal_closes_with_its_reason_and_no_vote_after(world):
    procedure = propose(world)
    vote(world, procedure, "A")
    with pytest.raises(InvalidField, match="motif du refus est obligatoire") as missing:
        vote(world, procedure, "B", "against")
    assert missing.value.field == "reason"
    vote(world, procedure, "B", "against", "Pas de technicien chez le candidat.")
    db.session.expire_all()
    procedure = db.session.get(Procedure, procedure.id)
    assert procedure.status == ProcedureStatus.REFUSED
    assert procedure.outcome_reason == ("Établissement B a refusé (« Pas de technicien chez le "
                                        "candidat. »).")
    assert count(Establishment, Establishment.finess == "650781995") == 0
    with pytest.raises(RuleRefused, match="close") as closed:
        vote(world, procedure, "C")
    assert closed.value.code == "procedure_closed"
    assert db.session.get(Ballot, procedure.ballots[2].id).choice is None
    assert f"governance:{procedure.id}:refused" in keys_of(world.directors["C"])
    # Proposed again later: a new procedure.
    assert propose(world).id != procedure.id


@pytest.mark.parametrize(("who", "error"), [
    ("coordinator", Forbidden), ("technician", Forbidden), ("accountant", Forbidden),
    ("other_director", NotFound)])
def test_only_member_directors_vote(world, other_world, who, error):
    procedure = propose(world)
    user = {"coordinator": world.coordinator, "technician": world.technicians["A"],
            "accountant": world.accountant, "other_director": other_world.directors["X"]}[who]
    with pytest.raises(error):
        procedures.cast_ballot(procedure, user, choice="for")
    assert count(Ballot, Ballot.choice.is_not(None)) == 0


def test_a_vote_is_cast_once(world):
    procedure = propose(world)
    vote(world, procedure, "A")
    with pytest.raises(RuleRefused, match="déjà voté") as again:
        vote(world, procedure, "A", "against", "Changement d'avis")
    assert again.value.code == "already_voted"
    ballot = next(b for b in procedure.ballots
                  if b.establishment_id == world.establishments["A"].id)
    assert db.session.get(Ballot, ballot.id).choice == "for"


def test_an_establishment_that_joined_after_the_opening_does_not_vote(world):
    first = propose(world, "Candidat un", "650000011")
    second = propose(world, "Candidat deux", "650000029")
    for letter in "ABC":
        vote(world, second, letter)
    joined = db.session.get(Procedure, second.id).establishment
    director = create_user(world.coordinator, email="dir@deux.test", name="Dir Deux",
                           role="director", establishment_id=joined.id,
                           password="un-bon-mot-2-passe")
    with pytest.raises(RuleRefused, match="à l'ouverture") as refused:
        procedures.cast_ballot(first, director, choice="for")
    assert refused.value.code == "not_a_voter"
    assert len(db.session.get(Procedure, first.id).ballots) == 3
    # The next procedure counts it among the voters.
    assert len(propose(world, "Candidat trois", "650000037").ballots) == 4


def test_candidacy_checks(world):
    with pytest.raises(InvalidField) as bad:
        propose(world, finess="12345")
    assert bad.value.field == "finess"
    with pytest.raises(InvalidField, match="déjà ce numéro FINESS"):
        propose(world, finess=world.establishments["A"].finess)
    propose(world)
    with pytest.raises(InvalidField, match="déjà en cours"):
        propose(world, name="Autre nom")
    with pytest.raises(Forbidden):
        procedures.propose_member(world.directors["A"], name="X", finess="650000045",
                                  contact="c")
    assert count(Procedure) == 1


def test_withdrawal_and_a_new_candidacy_of_an_establishment_not_admitted(world):
    accepted(world)
    e = create_establishment(world.coordinator, name="EHPAD de Lourdes", finess="650781234")
    procedure = db.session.scalars(select(Procedure)).one()
    with pytest.raises(Forbidden):
        procedures.withdraw(procedure, world.directors["A"], reason="Non")
    procedures.withdraw(procedure, world.coordinator, reason="Le candidat renonce.")
    assert db.session.get(Establishment, e.id).status == MembershipStatus.NOT_ADMITTED
    with pytest.raises(RuleRefused, match="n'est pas membre"):
        interventions.create_draft(world.technicians["B"], provider_id=e.id, axis=2,
                                   nature="incident", description="Panne")
    again = propose(world, "EHPAD de Lourdes (nouvelle direction)", "650781234")
    assert again.establishment_id == e.id and e.status == MembershipStatus.CANDIDATE
    for letter in "ABC":
        vote(world, again, letter)
    assert db.session.get(Establishment, e.id).is_member


def test_no_member_no_vote(app):
    from tests.conftest import build_world
    world = build_world(letters="")
    with pytest.raises(RuleRefused, match="aucun établissement membre"):
        propose(world)


# --- renewal ------------------------------------------------------------------------------

def test_periods_before_registration_are_paper_history(world):
    # Registered today (2026): the period 2025-09-30 → 2028-09-29 is the base.
    assert convention_end(world.groupement) == date(2028, 9, 29)
    world.groupement.created_at = datetime(2021, 5, 1)
    assert [(p.start, p.end) for p in periods(world.groupement)] == [
        (date(2019, 9, 30), date(2022, 9, 29))]


def test_renewal_by_unanimity_moves_the_end_and_the_reminder(world, other_world):
    with pytest.raises(RuleRefused, match="à partir du 30 septembre 2027") as early:
        procedures.open_renewal(world.coordinator, today=TODAY)
    assert early.value.code == "too_early"
    procedure = procedures.open_renewal(world.coordinator, today=date(2028, 6, 1))
    assert procedure.period_end == date(2028, 9, 29)
    with pytest.raises(RuleRefused, match="déjà en cours"):
        procedures.open_renewal(world.coordinator, today=date(2028, 6, 1))
    assert queries.renewal_target(procedure) == date(2031, 9, 29)
    for letter in "AB":
        vote(world, procedure, letter)
    assert convention_end(world.groupement) == date(2028, 9, 29)  # not yet
    vote(world, procedure, "C")
    db.session.expire_all()
    assert db.session.get(Procedure, procedure.id).new_period_end == date(2031, 9, 29)
    assert [(p.start, p.end) for p in periods(world.groupement)][-1] == (
        date(2028, 9, 30), date(2031, 9, 29))
    assert convention_end(other_world.groupement) == date(2028, 9, 29)  # its own
    # The reminder: not for the old end, once for the new one.
    run_job("convention_renewal", date(2028, 9, 29) - timedelta(days=30))
    mine = db.session.scalars(select(Notification.key).where(
        Notification.kind == "convention_renewal",
        Notification.groupement_id == world.groupement.id)).all()
    assert mine == []
    run_job("convention_renewal", date(2031, 9, 29) - timedelta(days=90))
    mine = set(db.session.scalars(select(Notification.key).where(
        Notification.kind == "convention_renewal",
        Notification.groupement_id == world.groupement.id)))
    assert mine == {f"renewal:{world.groupement.id}:2031-09-29"}


def test_a_refused_renewal_leaves_the_convention_to_end(world):
    procedure = procedures.open_renewal(world.coordinator, today=date(2028, 6, 1))
    vote(world, procedure, "A", "against", "Nous quittons le groupement.")
    assert db.session.get(Procedure, procedure.id).status == ProcedureStatus.REFUSED
    assert convention_end(world.groupement) == date(2028, 9, 29)


def test_a_lapsed_convention_is_renewed_in_continuity(world):
    world.groupement.created_at = datetime(2023, 1, 1)
    db.session.commit()
    assert convention_end(world.groupement) == date(2025, 9, 29)
    procedure = procedures.open_renewal(world.coordinator, today=TODAY)
    for letter in "ABC":
        vote(world, procedure, letter)
    assert convention_end(world.groupement) == date(2028, 9, 29)


# --- bilan --------------------------------------------------------------------------------

def test_bilan_section(app, world, other_world):
    refused = propose(world, "Refusé", "650000011")
    vote(world, refused, "A", "against", "Non.")
    admitted = propose(world, "Admis", "650000029")
    for letter in "ABC":
        vote(world, admitted, letter)
    propose(world, "En cours", "650000037")
    procedures.propose_member(other_world.coordinator, name="Ailleurs", finess="320000011",
                              contact="x")
    year = db.session.get(Procedure, admitted.id).closed_at.year
    section = bilan_section(world.groupement.id, year)
    assert section["procedures"]["membership"] == {"opened": 3, "approved": 1, "refused": 1,
                                                   "withdrawn": 0}
    new = db.session.get(Procedure, admitted.id).establishment_id
    assert [(a["establishment_id"], a["name"]) for a in section["admitted"]] == [(new, "Admis")]
    per = {row["establishment_id"]: row for row in section["per_establishment"]}
    a = world.establishments["A"].id
    assert (per[a]["votes_for"], per[a]["votes_against"]) == (1, 1)
    assert bilan_section(world.groupement.id, year - 1)["admitted"] == []
    with app.test_request_context():  # the partial the bilan page and PDF include
        text = html.unescape(render_template("governance/_bilan.html", section=section,
                                             names={new: "Admis", a: "Établissement A"}))
    assert "1</span> adhésion approuvée à l'unanimité, 1 refusée" in text
    assert "Nouveaux membres : <strong>Admis</strong>" in text


@pytest.mark.commits  # two threads on their own connections
@pytest.mark.slow
def test_the_last_two_votes_at_once_close_the_procedure_once(app, world):
    from gic.models import User
    from tests.services.test_concurrency import race
    procedure = propose(world)
    vote(world, procedure, "A")
    pid = procedure.id
    voters = [world.directors[letter].id for letter in "BC"]

    def attempt(user_id):
        def prepare():
            p, user = db.session.get(Procedure, pid), db.session.get(User, user_id)
            return lambda: procedures.cast_ballot(p, user, choice="for").id
        return prepare

    results = race(app, [attempt(uid) for uid in voters])
    assert all(isinstance(r, int) for r in results), results
    assert db.session.get(Procedure, pid).status == ProcedureStatus.APPROVED
    assert count(Establishment, Establishment.finess == "650781995") == 1
    assert count(AuditEntry, AuditEntry.action == "governance.approve") == 1


def test_bilan_section_and_the_list_take_a_fixed_number_of_queries(app, world):
    from tests.views.test_admin_views import client_for
    from tests.views.test_dashboard import counted_queries
    client = client_for(app, world.coordinator)
    year = TODAY.year

    def measure() -> tuple[int, int]:
        db.session.expire_all()
        with counted_queries() as section:
            bilan_section(world.groupement.id, year)
        with counted_queries() as page:
            assert client.get("/groupement/procedures").status_code == 200
        return len(section), len(page)

    first = propose(world, "Un", "650000011")
    vote(world, first, "A")
    small = measure()
    for n, finess in enumerate(("650000029", "650000037", "650000045", "650000052")):
        more = propose(world, f"Candidat {n}", finess)
        for letter in "ABC":
            vote(world, more, letter)
    assert measure() == small
