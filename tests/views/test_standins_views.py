"""Stand-in pages (issue 13 item 1): the director's « Suppléance » page (who opens it,
naming, refusals on their field, ending early), the stand-in's dashboard, the
request page's buttons in and out of range and its « Suivi » with « pour la
direction de … », the audit log and the governance vote form (the API:
tests/api/test_standins_api.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.governance import procedures
from gic.interventions.models import Intervention, State
from gic.models import Role
from gic.standins.models import Standin
from tests.conftest import TODAY, add_user, csrf_login, csrf_token
from tests.helpers import accepted, visible_text
from tests.services.test_standins import (
    WEEK_END,
    _proposal,
    active,
    completed,
    draft,
    name,
)
from tests.views.test_interventions_views import client_for

# --- the « Suppléance » page ----------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [("dir_B", 200), ("tech_B", 403), ("coordinator", 403),
                                         ("accountant", 403)])
def test_only_directors_open_the_page(app, world, who, status):
    user = {"dir_B": world.directors["B"], "tech_B": world.technicians["B"],
            "coordinator": world.coordinator, "accountant": world.accountant}[who]
    assert client_for(app, user).get("/standins/").status_code == status


def test_the_stand_in_cannot_open_the_page_nor_name_another(app, world):
    name(world)
    client = client_for(app, world.technicians["B"])
    assert client.get("/standins/").status_code == 403
    r = client.post("/standins/", data={"standin_id": world.directors["B"].id,
                                        "starts_on": TODAY.isoformat(),
                                        "ends_on": WEEK_END.isoformat()})
    assert r.status_code == 403
    assert db.session.scalar(select(db.func.count(Standin.id))) == 1


def test_the_form_offers_the_people_of_the_establishment_but_himself(app, world):
    add_user(world.groupement, "coord.b@gic65.test", Role.COORDINATOR,
             world.establishments["B"], "Coordination B")
    page = visible_text(client_for(app, world.directors["B"]).get("/standins/"))
    assert "Technicien B (Technique)" in page
    assert "Coordination B" not in page and "Technicien A" not in page
    assert "Direction B (Direction)" not in page


def test_a_director_names_a_stand_in_with_the_form(app, world, csrf_client):
    csrf_login(csrf_client, world.directors["B"])
    token = csrf_token(csrf_client.get("/standins/").get_data(as_text=True))
    r = csrf_client.post("/standins/", data={
        "csrf_token": token, "standin_id": str(world.technicians["B"].id),
        "starts_on": TODAY.isoformat(), "ends_on": "30/11/2026"}, follow_redirects=True)
    assert r.status_code == 200
    page = visible_text(r)
    assert "Suppléance enregistrée : Technicien B vous supplée du 23 novembre 2026 au " \
           "30 novembre 2026" in page
    assert "en cours" in page and "Mettre fin" in page
    s = db.session.scalars(select(Standin)).one()
    assert (s.standin_id, s.starts_on, s.ends_on) == (world.technicians["B"].id, TODAY,
                                                      date(2026, 11, 30))


def test_refusals_are_shown_on_their_field_and_change_nothing(app, world):
    client = client_for(app, world.directors["B"])
    r = client.post("/standins/", data={"standin_id": world.technicians["B"].id,
                                        "starts_on": "2026-11-20", "ends_on": "2026-11-30"})
    assert r.status_code == 422
    assert "Une suppléance commence aujourd'hui au plus tôt." in visible_text(r)
    name(world)
    r = client.post("/standins/", data={"standin_id": world.technicians["B"].id,
                                        "starts_on": "2026-11-25", "ends_on": "2026-12-05"})
    assert r.status_code == 409
    assert "chevauche la suppléance de Technicien B" in visible_text(r)
    r = client.post("/standins/", data={"standin_id": world.technicians["A"].id,
                                        "starts_on": "2026-12-25", "ends_on": "2026-12-26"})
    assert r.status_code == 422
    assert "Choisissez une personne de votre établissement." in visible_text(r)
    r = client.post("/standins/", data={"standin_id": "", "starts_on": "n'importe",
                                        "ends_on": ""})
    assert r.status_code == 422
    assert db.session.scalar(select(db.func.count(Standin.id))) == 1


def test_ending_early_from_the_page(app, world):
    s = name(world)
    client = client_for(app, world.directors["B"])
    r = client.post(f"/standins/{s.id}/end", follow_redirects=True)
    assert "Suppléance terminée : Technicien B n'agit plus" in visible_text(r)
    assert "terminée par anticipation" in visible_text(r)
    db.session.refresh(s)
    assert s.ended_early_at is not None
    assert client.post(f"/standins/{s.id}/end").status_code == 409


def test_another_establishment_s_stand_in_is_not_found(app, world):
    s = name(world)
    assert client_for(app, world.directors["A"]).post(f"/standins/{s.id}/end").status_code == 404
    assert client_for(app, world.directors["B"]).post("/standins/999/end").status_code == 404


# --- dashboards -----------------------------------------------------------------------------------

def test_the_stand_in_s_dashboard_shows_what_waits_for_the_director(app, world):
    name(world)
    i = draft(world)
    page = visible_text(client_for(app, world.technicians["B"]).get("/"))
    assert ("Vous suppléez Direction B (Établissement B) jusqu'au 29 novembre 2026"
            in page)
    assert f"Demande n° {i.id}" in page


def test_no_stand_in_board_outside_the_range(app, world):
    name(world, start=TODAY + timedelta(days=1))
    page = visible_text(client_for(app, world.technicians["B"]).get("/"))
    assert "Vous suppléez" not in page


def test_the_director_s_dashboard_names_his_stand_in(app, world):
    name(world)
    page = visible_text(client_for(app, world.directors["B"]).get("/"))
    assert "Suppléance : Technicien B du 23 novembre 2026 au 29 novembre 2026." in page
    assert "Gérer la suppléance" in page


# --- the request page -----------------------------------------------------------------------------

def test_the_stand_in_gets_the_director_s_buttons_in_range_only(app, world, clock):
    name(world, end=TODAY)
    i = draft(world)
    client = client_for(app, world.technicians["B"])
    page = visible_text(client.get(f"/interventions/{i.id}"))
    assert "Activer la demande" in page
    assert ("Vous agissez ici pour la direction de Établissement B (suppléance de "
            "Direction B), jusqu'au 23 novembre 2026") in page
    assert "Vous agissez ici" not in visible_text(
        client_for(app, world.directors["B"]).get(f"/interventions/{i.id}"))
    clock.move_to("2026-11-24 09:00 +01:00")
    client = client_for(app, world.technicians["B"])
    assert "Activer la demande" not in visible_text(client.get(f"/interventions/{i.id}"))
    r = client.post(f"/interventions/{i.id}/activate")
    assert r.status_code == 403
    assert db.session.get(Intervention, i.id).state == State.DRAFT


def test_each_action_from_the_page_shows_for_whom_it_was_done(app, world):
    deputy = add_user(world.groupement, "adjoint.a@gic65.test", Role.TECHNICIAN,
                      world.establishments["A"], "Adjoint A")
    name(world, "A", who=deputy)
    name(world, "B")
    i = draft(world)
    beneficiary = client_for(app, world.technicians["B"])
    provider = client_for(app, deputy)
    assert beneficiary.post(f"/interventions/{i.id}/activate").status_code == 302
    assert provider.post(f"/interventions/{i.id}/accept",
                         data={"technician_id": world.technicians["A"].id}).status_code == 302
    declined = active(world)
    assert provider.post(f"/interventions/{declined.id}/decline",
                         data={"reason": "Pas de technicien."}).status_code == 302
    cancelled = active(world)
    assert beneficiary.post(f"/interventions/{cancelled.id}/cancel").status_code == 302
    done = completed(world)
    assert beneficiary.post(f"/interventions/{done.id}/validate").status_code == 302
    page = visible_text(beneficiary.get(f"/interventions/{i.id}"))
    assert ("Activation de la demande · par Technicien B pour la direction de "
            "Établissement B (suppléance de Direction B)") in page
    assert ("Demande acceptée · par Adjoint A pour la direction de Établissement A "
            "(suppléance de Direction A)") in page
    for other, label in ((declined, "Demande refusée · par Adjoint A pour la direction de "
                                    "Établissement A"),
                         (cancelled, "Demande annulée · par Technicien B pour la direction de"),
                         (done, "Heures validées · par Technicien B pour la direction de")):
        assert label in visible_text(beneficiary.get(f"/interventions/{other.id}"))


def test_the_audit_log_says_for_which_direction(app, world):
    s = name(world)
    i = draft(world)
    client_for(app, world.technicians["B"]).post(f"/interventions/{i.id}/activate")
    page = visible_text(client_for(app, world.directors["B"]).get("/audit/"))
    assert ("Technicien B pour la direction de Établissement B (suppléance de Direction B)"
            in page)
    assert (f"Suppléance de la direction désignée Suppléance n° {s.id} Technicien B : du "
            "23 novembre 2026 au 29 novembre 2026") in page


# --- governance -----------------------------------------------------------------------------------

def test_the_stand_in_votes_from_the_procedure_page_in_range(app, world, clock):
    accepted(world)
    name(world, end=TODAY)
    procedure = procedures.propose_member(world.coordinator, name="IME de Bagnères",
                                          finess="650781995", contact="Mme Verdier")
    client = client_for(app, world.technicians["B"])
    page = visible_text(client.get(f"/groupement/procedures/{procedure.id}"))
    assert "Le vote de l'établissement Établissement B" in page
    clock.move_to("2026-11-24 09:00 +01:00")
    client = client_for(app, world.technicians["B"])
    assert client.get(f"/groupement/procedures/{procedure.id}").status_code == 403
    r = client.post(f"/groupement/procedures/{procedure.id}/vote", data={"choice": "for"})
    assert r.status_code == 403


def test_the_procedure_page_says_the_vote_was_cast_for_the_direction(app, world):
    accepted(world)
    name(world)
    procedure = procedures.propose_member(world.coordinator, name="IME de Bagnères",
                                          finess="650781995", contact="Mme Verdier")
    procedures.cast_ballot(procedure, world.technicians["B"], choice="for")
    page = visible_text(client_for(app, world.directors["A"]).get(
        f"/groupement/procedures/{procedure.id}"))
    assert ("Technicien B pour la direction de Établissement B (suppléance de Direction B)"
            in page)


# --- secondments ----------------------------------------------------------------------------------

def test_the_secondment_page_says_the_approval_was_given_for_the_direction(app, world):
    name(world)
    s = _proposal(world)
    client = client_for(app, world.technicians["B"])
    assert "Approuver pour Établissement B" in visible_text(client.get(f"/secondments/{s.id}"))
    assert client.post(f"/secondments/{s.id}/approve").status_code == 302
    page = visible_text(client_for(app, world.directors["A"]).get(f"/secondments/{s.id}"))
    assert ("Approuvé par Technicien B pour la direction de Établissement B (suppléance de "
            "Direction B) le") in page
    db.session.refresh(s)
    assert s.beneficiary_approved_by_id == world.technicians["B"].id
