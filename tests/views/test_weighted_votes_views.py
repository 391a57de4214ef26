"""The pages of the weighted votes (issue 16 item 6): the procedure page and its
ballot, the propose and renewal forms with the rule to choose, the minutes (page,
print variant of the PDF) and the decision's vote page show each member's weight
(euros and %), the quorum reached or not and the weighted result."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.governance import procedures
from gic.governance.models import Procedure
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.meetings import votes
from gic.meetings.models import Decision
from gic.ordered.models import HourOrder
from tests.conftest import client_for
from tests.helpers import text_of, visible_text
from tests.ordered_helpers import H, make_ordered


@pytest.fixture
def ordered(world):
    """The worked example: A, B, C contributed 4 950, 2 250 and 1 800 EUR in 2026."""
    version = make_ordered(world)
    for letter, hours in (("A", 110), ("B", 50), ("C", 40)):
        db.session.add(HourOrder(groupement_id=world.groupement.id,
                                 establishment_id=world.establishments[letter].id, year=2026,
                                 minutes=hours * H))
    db.session.commit()
    return version


def propose(world, rule=None):
    return procedures.propose_member(world.coordinator, name="IME de Bagnères",
                                     finess="650781995", contact="Mme Verdier", rule=rule)


def test_the_procedure_page_shows_weights_quorum_and_result(app, world, ordered):
    procedure = propose(world)
    url = f"/groupement/procedures/{procedure.id}"
    director = client_for(app, world.directors["B"])
    page = visible_text(director.get(url))
    assert ("Règle Vote pondéré par les contributions de 2026 : quorum 50 % des voix, "
            "adoption avec plus de 50 % des voix exprimées") in page
    assert "Établissement A 4 950,00 € 55,00 % pas encore voté" in page
    assert "Établissement C 1 800,00 € 20,00 %" in page
    assert "Ont pris part au vote (quorum) 0,00 % non atteint (minimum 50 %)" in page
    assert director.post(url + "/vote", data={"choice": "for"}).status_code == 302
    page = visible_text(director.get(url))
    assert "Ont pris part au vote (quorum) 25,00 % non atteint" in page
    assert "Votes attendus : Établissement A (55,00 %), Établissement C (20,00 %)." in page
    assert client_for(app, world.directors["A"]).post(
        url + "/vote", data={"choice": "for"}).status_code == 302
    page = visible_text(director.get(url))
    assert "Approuvée au vote pondéré" in page
    assert "Ont pris part au vote (quorum) 80,00 % atteint (minimum 50 %)" in page
    assert "Pour (des voix exprimées) 100,00 % majorité : plus de 50 %" in page


def test_a_user_establishment_gets_no_ballot_form(app, world):
    make_ordered(world, users="C")
    procedure = propose(world)
    page = visible_text(client_for(app, world.directors["C"]).get(
        f"/groupement/procedures/{procedure.id}"))
    assert "Enregistrer le vote" not in page
    assert "Votes des établissements membres (2)" in page
    assert "Établissement C 0,00 €" not in page
    refused = client_for(app, world.directors["C"]).post(
        f"/groupement/procedures/{procedure.id}/vote", data={"choice": "for"})
    assert refused.status_code == 409
    assert "utilisateur du groupement : il ne vote pas" in text_of(refused)


def test_the_coordinator_chooses_the_rule_when_proposing(app, world, ordered):
    client = client_for(app, world.coordinator)
    form = text_of(client.get("/groupement/candidatures/nouvelle"))
    assert "Règle de décision" in form
    assert "Vote pondéré par les contributions de l'année (quorum 50 % des voix" in form
    assert re.search(r'<input checked[^>]*value="weighted"', client.get(
        "/groupement/candidatures/nouvelle").get_data(as_text=True))
    response = client.post("/groupement/candidatures/nouvelle", data={
        "name": "IME de Bagnères", "finess": "650781995", "contact": "Mme Verdier",
        "rule": "unanimity"})
    assert response.status_code == 302
    procedure = db.session.scalars(select(Procedure)).one()
    assert not procedure.is_weighted
    assert "Unanimité des établissements membres" in text_of(client.get(
        f"/groupement/procedures/{procedure.id}"))


def test_per_intervention_pages_offer_no_rule(app, world):
    client = client_for(app, world.coordinator)
    assert "Règle de décision" not in text_of(client.get("/groupement/candidatures/nouvelle"))
    refused = client.post("/groupement/candidatures/nouvelle", data={
        "name": "IME de Bagnères", "finess": "650781995", "contact": "Mme Verdier",
        "rule": "weighted"})
    assert refused.status_code == 422 and "heures commandées" in text_of(refused)
    assert db.session.scalars(select(Procedure)).first() is None


def test_renewal_form_offers_the_rule(app, world, ordered, clock):
    clock.move_to(date(2028, 6, 1))
    client = client_for(app, world.coordinator)
    assert "Règle de décision" in text_of(client.get("/groupement/procedures"))
    assert client.post("/groupement/renouvellement", data={"rule": "weighted"}
                       ).status_code == 302
    assert db.session.scalars(select(Procedure)).one().weight_year == 2028


# --- Minutes -----------------------------------------------------------------------------

@pytest.fixture
def weighted_minutes(world, ordered):
    meeting = meetings.plan_meeting(world.coordinator, kind="directors", title="AG",
                                    day=date(2026, 11, 2), start=time(14), duration_minutes=120,
                                    place="Tarbes")
    return steps.start_minutes(meeting, world.coordinator)


def test_the_coordinator_adds_a_weighted_decision_and_directors_vote(app, world,
                                                                    weighted_minutes):
    base = f"/meetings/{weighted_minutes.meeting_id}/minutes/1"
    coordinator = client_for(app, world.coordinator)
    edit = text_of(coordinator.get(base + "/edit"))
    assert "Soumise au vote pondéré des membres" in edit
    assert coordinator.post(base + "/decisions", data={"text": "Budget 2027",
                                                       "weighted": "y"}).status_code == 302
    decision = db.session.scalars(select(Decision)).one()
    assert decision.weighted
    both = coordinator.post(base + "/decisions", data={"text": "X", "weighted": "y",
                                                       "needs_unanimity": "y"})
    assert both.status_code == 422 and "pas les deux" in text_of(both)
    url = f"/meetings/decisions/{decision.id}/vote"
    director = client_for(app, world.directors["A"])
    vote_page = visible_text(director.get(url))
    assert "Décision au vote pondéré" in vote_page
    assert "Établissement A 4 950,00 € 55,00 % pas encore voté" in vote_page
    assert director.post(url, data={"choice": "for"}).status_code == 302
    page = visible_text(director.get(url))
    assert "adoptée au vote pondéré" in page
    assert "Pour (des voix exprimées) 100,00 % majorité : plus de 50 %" in page


def test_the_minutes_and_their_pdf_show_the_weights(app, world, weighted_minutes):
    decision = steps.add_decision(weighted_minutes, world.coordinator, text="Budget 2027",
                                  needs_unanimity=False, weighted=True)
    votes.cast_vote(decision, world.directors["B"], choice="for")
    votes.cast_vote(decision, world.directors["C"], choice="against", comment="Trop tôt")
    steps.finalise(weighted_minutes, world.coordinator)
    page = visible_text(client_for(app, world.directors["A"]).get(
        f"/meetings/{weighted_minutes.meeting_id}/minutes/1"))
    assert "Voix des membres (2026)" in page
    assert "Établissement B 2 250,00 € 25,00 %" in page
    assert ("Vote pondéré des établissements membres : quorum non atteint Quorum non atteint : "
            "45,00 % des voix ont pris part au vote (minimum 50 %).") in page
    from gic.meetings.documents import minutes_html
    with app.test_request_context("/"):
        printed = minutes_html(world.coordinator, weighted_minutes)
    assert "Voix des membres (2026)" in printed and "Résultat pondéré" in printed
    pdf = client_for(app, world.directors["A"]).get(
        f"/meetings/{weighted_minutes.meeting_id}/minutes/1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_coordinator_closes_the_vote_from_the_page(app, world, ordered):
    procedure = propose(world)
    procedures.cast_ballot(procedure, world.directors["A"], choice="against", reason="Non")
    url = f"/groupement/procedures/{procedure.id}"
    coordinator = client_for(app, world.coordinator)
    assert procedure.status == "refused"  # A alone (55 %) against: decided at once
    assert "Clore le scrutin" not in text_of(coordinator.get(url))
    other = procedures.propose_member(world.coordinator, name="SESSAD", finess="650000029",
                                      contact="M. Roux")
    procedures.cast_ballot(other, world.directors["C"], choice="for")
    url = f"/groupement/procedures/{other.id}"
    page = visible_text(coordinator.get(url))
    assert "Avec les votes enregistrés, la procédure serait refusée (quorum non atteint)." in page
    assert "Clore le scrutin" not in text_of(client_for(app, world.directors["C"]).get(url))
    assert client_for(app, world.directors["C"]).post(url + "/cloture").status_code == 403
    assert coordinator.post(url + "/cloture").status_code == 302
    page = visible_text(coordinator.get(url))
    assert "Refusée" in page and "Scrutin clos par la coordination. Quorum non atteint" in page
    again = coordinator.post(url + "/cloture")
    assert again.status_code == 409 and "déjà close" in text_of(again)


def test_the_identity_card_says_how_the_members_vote(app, world):
    make_ordered(world, users="C")
    procedure = propose(world)
    for letter in "AB":  # no order yet: A and B weigh the same
        procedures.cast_ballot(procedure, world.directors[letter], choice="for")
    page = visible_text(client_for(app, world.directors["B"]).get("/groupement/"))
    assert f"Établissement C {world.establishments['C'].finess} utilisateur (ne vote pas)" \
        in page
    assert "IME de Bagnères" in page and "admis au vote pondéré le" in page
    assert ("sont votés par les directions des établissements membres, chacun pesant ses "
            "contributions de l'année (quorum 50 % des voix, adoption avec plus de 50 % des "
            "voix exprimées)") in page
    assert "décidés à l'unanimité" not in page
