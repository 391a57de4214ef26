"""The /groupement pages: identity card (page, PDF), procedures and votes, the
convention's versions with their preview; who may reach them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gic.auth.services import create_token
from gic.extensions import db
from gic.governance import procedures
from gic.governance.models import GroupementProfile, Procedure
from gic.models import ConventionVersion
from gic.timeutil import local_today
from tests.helpers import accepted, pdftotext
from tests.views.test_admin_views import client_for, text_of

ROLES = ("anon", "technician", "director", "accountant", "coordinator", "other")


def user_for(world, other_world, role):
    return {"anon": None, "technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator,
            "other": other_world.coordinator}[role]


def propose(world, name="IME de Bagnères", finess="650781995"):
    return procedures.propose_member(world.coordinator, name=name, finess=finess,
                                     contact="Mme Verdier", message="")


PAGES = {  # path -> expected status per role (anon: login page)
    "/groupement/": dict.fromkeys(ROLES[1:], 200),
    "/groupement/carte.pdf": dict.fromkeys(ROLES[1:], 200),
    "/groupement/convention": dict.fromkeys(ROLES[1:], 200),
    "/groupement/carte/modifier": {**dict.fromkeys(ROLES[1:], 403), "coordinator": 200,
                                   "other": 200},
    "/groupement/candidatures/nouvelle": {**dict.fromkeys(ROLES[1:], 403), "coordinator": 200,
                                          "other": 200},
    "/groupement/convention/nouvelle": {**dict.fromkeys(ROLES[1:], 403), "coordinator": 200,
                                        "other": 200},
    "/groupement/procedures": {**dict.fromkeys(ROLES[1:], 403), "director": 200,
                               "coordinator": 200, "other": 200},
    "procedure": {**dict.fromkeys(ROLES[1:], 403), "director": 200, "coordinator": 200,
                  "other": 404},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_who_reaches_each_page(app, world, other_world, page, role):
    path = page
    if page == "procedure":
        path = f"/groupement/procedures/{propose(world).id}"
    response = client_for(app, user_for(world, other_world, role)).get(path)
    if role == "anon":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == PAGES[page][role]


def test_the_card_shows_the_seed_items_from_live_data_and_the_coordinators_text(app, world):
    client = client_for(app, world.coordinator)
    page = text_of(client.get("/groupement/"))
    for expected in ("Carte d'identité du groupement", "GIC 65", "Établissement A",
                     world.establishments["B"].finess, "membre fondateur",
                     "Réunions, échanges d'informations, conseils", "Prêt ou don de matériel",
                     "prenant effet le 30 septembre 2019, conclue pour 3 ans",
                     "du 30 septembre 2025 au 29 septembre 2028", "Personnes ressources",
                     "25,00 €"):
        assert expected in page, expected
    assert re.search(r"Personnes ressources</dt><dd>3\s+<span class=\"muted\">\(techniciens "
                     r"actifs des établissements membres\)", page)
    response = client.post("/groupement/carte/modifier", data={
        "full_name": "Groupement Informatique de Coopération", "department": "Hautes-Pyrénées",
        "city": "", "sector": "Médico-social", "public_served": "Personnes âgées",
        "cooperation": "", "agreements": "Convention de partenariat", "resource_persons": "4",
        "entry_terms": "Accord de l'ensemble des parties", "governance": "3 réunions par an"})
    assert response.status_code == 302
    profile = db.session.scalars(select(GroupementProfile)).one()
    assert profile.resource_persons == 4 and profile.updated_by_id == world.coordinator.id
    page = text_of(client_for(app, world.technicians["C"]).get("/groupement/"))
    for expected in ("Groupement Informatique de Coopération", "Hautes-Pyrénées",
                     "Médico-social", "Accord de l'ensemble des parties", "3 réunions par an",
                     "(3 techniciens avec un compte dans GIC)"):
        assert expected in page, expected
    assert "Modifier la carte" not in page


def test_a_refused_card_keeps_what_was_typed(app, world):
    response = client_for(app, world.coordinator).post("/groupement/carte/modifier", data={
        "full_name": "Nom gardé", "resource_persons": "beaucoup"})
    assert response.status_code == 422
    page = text_of(response)
    assert 'value="Nom gardé"' in page and 'value="beaucoup"' in page
    assert db.session.scalar(select(func.count(GroupementProfile.id))) == 0


def test_card_pdf_renders_the_card_and_is_the_same_bytes_twice(app, world):
    client = client_for(app, world.directors["B"])
    first = client.get("/groupement/carte.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF") and first.data == client.get(
        "/groupement/carte.pdf").data
    text = pdftotext(first.data)
    for expected in ("Carte d'identité du groupement", "GIC 65", "Établissement C",
                     world.establishments["C"].finess, "Prêt ou don de matériel"):
        assert expected in text, expected
    assert "Télécharger" not in text  # the print variant has no screen chrome


def test_propose_vote_and_dashboard_through_the_pages(app, world):
    coordinator = client_for(app, world.coordinator)
    refused = coordinator.post("/groupement/candidatures/nouvelle", data={
        "name": "IME gardé", "finess": "12345", "contact": "Mme Verdier", "message": ""})
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Le numéro FINESS compte 9 caractères" in page and 'value="IME gardé"' in page
    response = coordinator.post("/groupement/candidatures/nouvelle", data={
        "name": "IME de Bagnères", "finess": "650781995", "contact": "Mme Verdier",
        "message": "Présentation"})
    procedure = db.session.scalars(select(Procedure)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/groupement/procedures/{procedure.id}")
    director = client_for(app, world.directors["A"])
    board = text_of(director.get("/"))
    assert "Votes attendus" in board and "Adhésion : IME de Bagnères" in board
    url = f"/groupement/procedures/{procedure.id}"
    assert "Le vote de l'établissement Établissement A" in text_of(director.get(url))
    missing = director.post(url + "/vote", data={"choice": "against", "reason": ""})
    assert missing.status_code == 422
    assert "Le motif du refus est obligatoire" in text_of(missing)
    assert director.post(url + "/vote", data={"choice": "for", "reason": ""}).status_code == 302
    page = text_of(director.get(url))
    assert "Vote enregistré." in page and "Direction A" in page
    assert "Votes attendus" not in text_of(director.get("/"))
    again = director.post(url + "/vote", data={"choice": "against", "reason": "Finalement non"})
    assert again.status_code == 409 and "a déjà voté" in text_of(again)
    assert coordinator.post(url + "/vote", data={"choice": "for"}).status_code == 403
    listing = text_of(coordinator.get("/groupement/procedures"))
    assert "Adhésion : IME de Bagnères" in listing and "En cours" in listing


def test_withdraw_and_renewal_from_the_pages(app, world):
    procedure = propose(world)
    coordinator = client_for(app, world.coordinator)
    url = f"/groupement/procedures/{procedure.id}/retrait"
    assert coordinator.post(url, data={"reason": ""}).status_code == 422
    assert coordinator.post(url, data={"reason": "Le candidat renonce."}).status_code == 302
    assert db.session.get(Procedure, procedure.id).status == "withdrawn"
    # Registered today: the period ends on 29 September 2028, too early to renew.
    early = coordinator.post("/groupement/renouvellement", data={"message": ""})
    assert early.status_code == 409
    assert "à partir du 30 septembre 2027" in text_of(early)


def test_new_version_preview_then_confirm(app, world):
    client = client_for(app, world.coordinator)
    form = text_of(client.get("/groupement/convention/nouvelle"))
    assert 'value="25,00"' in form and 'value="35:00"' in form
    day = local_today() + timedelta(days=40)
    data = {"valid_from": day.isoformat(), "threshold_minutes": "7:00",
            "cap_minutes": "35:00", "hourly_rate": "27,50", "duration_years": "3"}
    preview = client.post("/groupement/convention/apercu", data=data)
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Taux horaire TTC" in page and "25,00 €" in page and "27,50 €" in page
    assert f"La facturation {day.year - 1} et antérieure ne change pas" in page
    assert db.session.scalar(select(func.count(ConventionVersion.id))) == 1
    assert 'name="hourly_rate" value="27.50"' in page  # what the confirmation sends
    saved = client.post("/groupement/convention/enregistrer", data={**data,
                                                                    "hourly_rate": "27.50"})
    assert saved.status_code == 302
    listing = text_of(client.get("/groupement/convention"))
    assert "À venir" in listing and "27,50 €" in listing
    past = client.post("/groupement/convention/apercu",
                       data={**data, "valid_from": local_today().isoformat()})
    assert past.status_code == 422 and "au plus tôt" in text_of(past)
    assert 'value="27,50"' in text_of(past)
    version = db.session.scalars(select(ConventionVersion).order_by(
        ConventionVersion.valid_from.desc())).first()
    reader = client_for(app, world.technicians["A"])
    assert "27,50 €" in text_of(reader.get("/groupement/convention"))
    assert reader.post(f"/groupement/convention/{version.id}/supprimer").status_code == 403
    assert client.post(f"/groupement/convention/{version.id}/supprimer").status_code == 302
    assert db.session.scalar(select(func.count(ConventionVersion.id))) == 1


def test_api_keeps_its_contract_and_the_rule(app, world):
    accepted(world)  # the groupement is at work: a new establishment is a candidate
    client = app.test_client()
    headers = {"Authorization": f"Bearer {create_token(world.coordinator, 'script')[1]}"}
    created = client.post("/api/v1/establishments", headers=headers,
                          json={"name": "EHPAD de Lourdes", "finess": "650781234"})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["name"], body["finess"], body["status"]) == ("EHPAD de Lourdes", "650781234",
                                                            "candidate")
    listed = client.get("/api/v1/establishments", headers=headers).get_json()["items"]
    assert {e["name"]: e["status"] for e in listed}["EHPAD de Lourdes"] == "candidate"
    technician = {"Authorization": f"Bearer {create_token(world.technicians['B'], 't')[1]}"}
    draft = client.post("/api/v1/interventions", headers=technician, json={
        "provider_id": body["id"], "axis": 2, "nature": "incident", "description": "Panne"})
    assert draft.status_code == 409
    assert draft.get_json()["error"]["code"] == "not_member"
    procedure = db.session.scalars(select(Procedure)).one()
    assert procedure.establishment_id == body["id"] and procedure.is_open


@pytest.mark.parametrize("changes", [
    {"threshold_minutes": "99999:00"}, {"cap_minutes": "beaucoup"}, {"hourly_rate": "1e9"},
    {"hourly_rate": "NaN"}, {"duration_years": "999999999999999"}, {"duration_years": "-1"},
    {"valid_from": "9999-12-31"}, {"valid_from": "0001-01-01"}, {"valid_from": "2027-02-30"},
])
def test_implausible_versions_are_refused_on_their_field(app, world, changes):
    data = {"valid_from": (local_today() + timedelta(days=10)).isoformat(),
            "threshold_minutes": "7:00", "cap_minutes": "35:00", "hourly_rate": "26,00",
            "duration_years": "3", **changes}
    client = client_for(app, world.coordinator)
    for url in ("/groupement/convention/apercu", "/groupement/convention/enregistrer"):
        response = client.post(url, data=data)
        assert response.status_code == 422, (url, response.status_code)
        assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConventionVersion.id))) == 1
