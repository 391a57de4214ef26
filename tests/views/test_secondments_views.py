"""Secondments pages (SPEC §4 R8): who reaches which page and action, the proposal form
(pre-filled from a cap refusal, errors on their field, input kept), approvals from the
detail page, the draft form's secondment choice, the billing page, the API's
``secondments`` key and the director's dashboard.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from gic.auth.services import create_token
from gic.extensions import db
from gic.interventions.models import Intervention
from gic.secondments.models import Secondment, SecondmentStatus
from tests.helpers import accepted, session
from tests.services.test_secondments import attached, finish, secondment
from tests.views.test_interventions_views import client_for, session_data, text

YEAR = 2025


def user_of(world, other_world, who: str):
    if who in ("coordinator", "accountant"):
        return getattr(world, who)
    if who == "other_director":
        return other_world.directors["X"]
    kind, _, letter = who.partition("_")
    return (world.technicians if kind == "tech" else world.directors)[letter]


def status_of(s: Secondment) -> str:
    return db.session.scalar(select(Secondment.status).where(Secondment.id == s.id))


# --- Who may do what ---------------------------------------------------------------------------

READ = {"tech_A": 200, "dir_A": 200, "tech_B": 200, "dir_B": 200, "coordinator": 200,
        "accountant": 200, "tech_C": 404, "dir_C": 404, "other_director": 404}


@pytest.mark.parametrize("who, status", READ.items())
def test_detail_is_read_by_both_parties_coordinator_and_accountant(app, world, other_world,
                                                                    who, status):
    s = secondment(world)
    r = client_for(app, user_of(world, other_world, who)).get(f"/secondments/{s.id}")
    assert r.status_code == status
    page = text(r)
    assert ("Migration de la messagerie" in page) == (status == 200)


@pytest.mark.parametrize("action, body, allowed", [
    ("approve", {}, {"dir_A", "dir_B"}),
    ("refuse", {"reason": "Pas cette année."}, {"dir_A", "dir_B"}),
    ("cancel", {}, {"tech_B"}),  # the proposer
])
@pytest.mark.parametrize("who", list(READ))
def test_action_table(app, world, other_world, action, body, allowed, who):
    s = secondment(world, approve=False)  # proposed by B's technician
    r = client_for(app, user_of(world, other_world, who)).post(
        f"/secondments/{s.id}/{action}", data=body)
    expected = 302 if who in allowed else READ[who] if READ[who] == 404 else 403
    assert r.status_code == expected
    after = {"approve": SecondmentStatus.PROPOSED,  # one approval of the two
             "refuse": SecondmentStatus.REFUSED, "cancel": SecondmentStatus.CANCELLED}
    assert status_of(s) == (after[action] if who in allowed else SecondmentStatus.PROPOSED)
    if action == "approve" and who in allowed:
        side = "provider" if who == "dir_A" else "beneficiary"
        assert getattr(db.session.get(Secondment, s.id), f"{side}_approved_by_id") == \
            user_of(world, other_world, who).id


@pytest.mark.parametrize("who, status", [("tech_C", 200), ("dir_A", 200), ("coordinator", 403),
                                         ("accountant", 403), ("other_director", 200)])
def test_who_may_open_the_proposal_form(app, world, other_world, who, status):
    r = client_for(app, user_of(world, other_world, who)).get("/secondments/new")
    assert r.status_code == status


def test_list_shows_only_the_establishment_s_secondments(app, world, other_world):
    secondment(world)
    secondment(world, "A", "C", project="Câblage de l'aile C")
    page = text(client_for(app, world.technicians["B"]).get("/secondments/"))
    assert "Migration de la messagerie" in page and "Câblage" not in page
    page = text(client_for(app, world.coordinator).get("/secondments/"))
    assert "Migration de la messagerie" in page and "Câblage" in page
    page = text(client_for(app, other_world.directors["X"]).get("/secondments/"))
    assert "Migration" not in page and "Câblage" not in page
    assert "Proposer un détachement" not in text(client_for(app, world.coordinator)
                                                  .get("/secondments/"))


# --- Proposal and approval through the pages ------------------------------------------------

def proposal(world, **changes) -> dict:
    data = {"provider_id": str(world.establishments["A"].id),
            "beneficiary_id": str(world.establishments["B"].id),
            "project": "Migration de la messagerie", "description": "Boîtes et agendas.",
            "start_date": "2025-01-01", "end_date": "2025-12-31", "pricing": "hourly",
            "hourly_rate": "28,50", "lump_sum": "",
            "technician_ids": [str(world.technicians["A"].id)]}
    data.update(changes)
    return data


def test_propose_then_both_directors_approve(app, world):
    r = client_for(app, world.directors["B"]).post("/secondments/new", data=proposal(world))
    assert r.status_code == 302
    s = db.session.scalars(select(Secondment)).one()
    assert (s.hourly_rate, s.beneficiary_approved_by_id, s.provider_approved_at) == (
        Decimal("28.50"), world.directors["B"].id, None)
    assert [t.id for t in s.technicians] == [world.technicians["A"].id]
    page = text(client_for(app, world.directors["A"]).get(r.headers["Location"]))
    assert "En attente de l'approbation de la direction de l'établissement Établissement A" in page
    assert "Approuver pour Établissement A" in page and "sur site et à distance" in page
    dashboard = text(client_for(app, world.directors["A"]).get("/"))
    assert "Détachements à approuver" in dashboard and "Migration de la messagerie" in dashboard
    r = client_for(app, world.directors["A"]).post(f"/secondments/{s.id}/approve")
    assert r.status_code == 302 and status_of(s) == SecondmentStatus.APPROVED
    assert "Détachements à approuver" not in text(client_for(app, world.directors["A"]).get("/"))


def test_refused_proposal_keeps_what_was_typed_with_errors_on_fields(app, world):
    client = client_for(app, world.technicians["B"])
    r = client.post("/secondments/new", data=proposal(
        world, end_date="2024-12-31", hourly_rate="trente"))
    assert r.status_code == 422
    page = text(r)
    assert "Montant illisible" in page and 'value="Migration de la messagerie"' in page
    r = client.post("/secondments/new", data=proposal(world, end_date="2024-12-31"))
    assert r.status_code == 422
    assert "La fin de la période doit être après son début." in text(r)
    assert 'value="28,50"' in text(r)
    assert db.session.scalars(select(Secondment)).all() == []


def test_refuse_without_reason_is_shown_on_the_field(app, world):
    s = secondment(world, approve=False)
    r = client_for(app, world.directors["A"]).post(f"/secondments/{s.id}/refuse",
                                                   data={"reason": ""})
    assert r.status_code == 422 and "Indiquez le motif du refus." in text(r)
    assert status_of(s) == SecondmentStatus.PROPOSED


# --- From the cap refusal to the secondment, and back to the draft form --------------------------

def test_cap_refusal_offers_a_prefilled_secondment(app, world):
    for day in (3, 4, 5):  # B at 30 h in 2025
        i = accepted(world, "C", "B")
        session(world, i, date(YEAR, 2, day), "08:00", "18:00")
    i = accepted(world)
    tech_a = client_for(app, world.technicians["A"])
    r = tech_a.post(f"/interventions/{i.id}/sessions",
                    data=session_data(date(YEAR, 6, 2), "08:00", "15:00"))
    assert r.status_code == 409
    page = text(r)
    link = (f"/secondments/new?provider_id={world.establishments['A'].id}"
            f"&beneficiary_id={world.establishments['B'].id}")
    assert "Proposer un détachement temporaire" in page and link in page
    form = text(tech_a.get(link))
    assert f'<option selected value="{world.establishments["A"].id}">' in form
    assert f'<option selected value="{world.establishments["B"].id}">' in form


def test_draft_form_offers_approved_secondments_and_attaches(app, world):
    client = client_for(app, world.technicians["B"])
    assert "Détachement temporaire" not in text(client.get("/interventions/new"))
    secondment(world, approve=False, project="Pas encore approuvé")
    s = secondment(world)
    page = text(client.get(f"/interventions/new?secondment_id={s.id}"))
    assert "Pas encore approuvé" not in page
    assert f'<option selected value="{s.id}">Migration de la messagerie' in page
    r = client.post("/interventions/new", data={
        "provider_id": str(world.establishments["A"].id), "axis": "2", "nature": "deployment",
        "description": "Bascule des boîtes", "urgency": "normal",
        "estimated_onsite_minutes": "100:00", "secondment_id": str(s.id)})
    assert r.status_code == 302
    i = db.session.scalars(select(Intervention)).one()
    assert i.secondment_id == s.id
    detail = text(client.get(r.headers["Location"]))
    assert f"Détachement n° {s.id} — Migration de la messagerie" in detail
    r = client.post("/interventions/new", data={
        "provider_id": str(world.establishments["C"].id), "axis": "2", "nature": "deployment",
        "description": "Mauvais prestataire", "urgency": "normal", "secondment_id": str(s.id)})
    assert r.status_code == 422 and "est assuré par Établissement A" in text(r)


def test_session_outside_the_period_is_refused_on_the_date(app, world):
    s = secondment(world, start=date(YEAR, 3, 1), end=date(YEAR, 3, 31))
    i = attached(world, s)
    r = client_for(app, world.technicians["A"]).post(
        f"/interventions/{i.id}/sessions", data=session_data(date(YEAR, 4, 1)))
    assert r.status_code == 422
    assert "en dehors de la période du détachement" in text(r)
    assert 'value="2025-04-01"' in text(r)


# --- Billing: page and API ---------------------------------------------------------------------

def test_billing_page_and_api_show_secondments_apart(app, world):
    s = secondment(world, rate="30.00")
    i = attached(world, s)
    session(world, i, date(YEAR, 5, 5), "08:00", "10:00", mode="remote")
    finish(world, i)
    page = text(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    assert "Détachements temporaires" in page and "Migration de la messagerie" in page
    assert "Établissement B paie" in page and "60,00" in page
    assert "Aucune heure facturable validée en 2025." in page  # nothing in the pairs
    page = text(client_for(app, world.directors["C"]).get(f"/billing/{YEAR}"))
    assert "Migration de la messagerie" not in page
    _, token = create_token(world.accountant, "test")
    body = app.test_client().get(f"/api/v1/billing/{YEAR}",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["lines"] == [] and body["settlements"] == []
    assert body["secondments"] == [{
        "secondment_id": s.id, "project": "Migration de la messagerie",
        "provider_id": world.establishments["A"].id,
        "beneficiary_id": world.establishments["B"].id, "pricing": "hourly",
        "hourly_rate": "30.00", "lump_sum": None, "start_date": "2025-01-01",
        "end_date": "2025-12-31", "billable_minutes": 120, "pending_minutes": 0,
        "amount": "60.00"}]


def test_bilan_partial_renders_the_section(app, world):
    from flask import render_template

    from gic.secondments.queries import bilan_section

    s = secondment(world, pricing="lump_sum", rate=None, lump_sum="1500.00")
    i = attached(world, s)
    session(world, i, date(YEAR, 5, 5), "08:00", "10:00")
    finish(world, i)
    names = {e.id: e.name for e in world.establishments.values()}
    with app.test_request_context():
        html = render_template("secondments/_bilan.html",
                               section=bilan_section(world.groupement.id, YEAR), names=names)
        empty = render_template("secondments/_bilan.html",
                                section=bilan_section(world.groupement.id, 2023), names=names)
    assert "Migration de la messagerie" in html and "01/01/2025 – 31/12/2025" in html
    assert "Établissement A → Établissement B" in html and "1\u202f500,00\xa0€" in html
    assert "style=" not in html and "<script" not in html
    assert "Aucun détachement temporaire en 2023." in empty
