"""Issue 16, item 7: in a year of the ordered-hours model the billing page, the
exports and the API show the model's figures (ordered, consumed, called,
regularised) instead of pairs, cap and threshold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gic.billing.exports_ordered import CSV_HEADER
from gic.extensions import db
from gic.interventions import services
from gic.ordered.models import ContributionDocument, ContributionLine, DocumentKind, LineKind
from gic.reports.compute import compute_bilan
from gic.reports.services import generate_draft
from tests.api.conftest import Api
from tests.helpers import accepted, session, visible_text
from tests.ordered_helpers import H, make_ordered
from tests.services.test_billing_exports import read_csv, read_xlsx
from tests.services.test_ordered_consumption import order
from tests.views.test_interventions_views import client_for


def call(world, letter: str, amount: str, sequence: int) -> None:
    """A provisional call issued to ``letter`` (as the ordered area's service stores it)."""
    doc = ContributionDocument(
        groupement_id=world.groupement.id, establishment_id=world.establishments[letter].id,
        year=2026, sequence=sequence, number=f"GIC65-2026-{sequence:04d}",
        kind=DocumentKind.CALL, amount=Decimal(amount), issued_on=date(2026, 3, 2),
        issued_by_id=world.coordinator.id, data={}, pdf=b"%PDF", pdf_sha256="0" * 64)
    doc.lines = [ContributionLine(kind=LineKind.PROVISIONAL, amount=Decimal(amount))]
    db.session.add(doc)
    db.session.commit()


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def ordered_year(world):
    """B (member) ordered 10 h and consumed 8 h; C (« utilisateur ») ordered 4 h and
    consumed 5 h; both called for their order at 45 EUR/h."""
    make_ordered(world, users="C")
    order(world, "B", 10 * H)
    order(world, "C", 4 * H)
    call(world, "B", "450.00", 1)
    call(world, "C", "180.00", 2)
    i = accepted(world, "A", "B")
    session(world, i, date(2026, 11, 2), "08:00", "16:00", mode="remote")
    j = accepted(world, "A", "C")
    session(world, j, date(2026, 11, 3), "08:00", "13:00")
    return world


def test_the_accountant_reads_the_models_figures(app, ordered_year):
    world = ordered_year
    response = client_for(app, world.accountant).get("/billing/2026")
    assert response.status_code == 200
    text = visible_text(response)
    assert "Heures commandées, consommées et contributions" in text
    assert "Budget 2026 : 630,00 € (heures commandées × taux, pas encore voté)" in text
    assert ("Établissement B membre 10 h 00 8 h 00 2 h 00 80 % 450,00 € 450,00 € 360,00 € "
            "0,00 € -90,00 €") in text
    assert ("Établissement C utilisateur 4 h 00 5 h 00 +1 h 00 125 % 180,00 € "
            "180,00 € 225,00 € 0,00 € 45,00 €") in text
    assert "Total 14 h 00 13 h 00" in text
    for cap_word in ("Plafond annuel", "par paire", "Règlements nets", "seuil"):
        assert cap_word not in text


def test_a_director_reads_his_row_only(app, ordered_year):
    world = ordered_year
    text = visible_text(client_for(app, world.directors["C"]).get("/billing/2026"))
    assert "Établissement C utilisateur 4 h 00 5 h 00" in text
    assert "Établissement B" not in text


def test_the_api_gives_the_figures(api, ordered_year):
    world = ordered_year
    body = api.get("/billing/2026", world.accountant).get_json()
    assert body["model"] == "ordered_hours"
    assert body["lines"] == body["settlements"] == body["beneficiaries"] == []
    figures = body["ordered_hours"]
    assert (figures["rate"], figures["budget"], figures["voted"]) == ("45.00", "630.00", False)
    a, b, c = figures["participants"]  # by name; A ordered nothing
    assert (a["ordered_minutes"], a["consumed_minutes"], a["called"]) == (0, 0, "0.00")
    assert b == {"establishment_id": world.establishments["B"].id, "participation": "member",
                 "ordered_minutes": 600, "consumed_minutes": 480, "remaining_minutes": 120,
                 "over_minutes": 0, "percent": 80, "ordered_amount": "450.00",
                 "consumed_amount": "360.00", "called": "450.00", "regularised": "0.00",
                 "balance": "-90.00"}
    assert (c["participation"], c["over_minutes"], c["balance"]) == ("user", 60, "45.00")
    assert figures["totals"]["called"] == "630.00"
    assert figures["totals"]["establishment_id"] is None


def test_the_per_intervention_model_keeps_its_billing(api, world):
    body = api.get("/billing/2026", world.accountant).get_json()
    assert body["model"] == "per_intervention" and body["ordered_hours"] is None


def test_the_exports_give_the_same_figures(app, ordered_year):
    world = ordered_year
    client = client_for(app, world.accountant)
    rows = read_csv(client.get("/billing/2026.csv").data)
    assert list(rows[0]) == list(CSV_HEADER)
    by_name = {r["Établissement"]: r for r in rows}
    b = by_name["Établissement B"]
    assert (b["Participation"], b["Minutes commandées"], b["Heures consommées"],
            b["Minutes restantes"], b["Appelé"], b["Consommé"], b["Solde"],
            b["Type de ligne"]) == ("Membre", "600", "8 h 00", "120", "450,00", "360,00",
                                    "-90,00", "Participant")
    c = by_name["Établissement C"]
    assert (c["Participation"], c["Minutes en dépassement"], c["Solde"]) == (
        "Utilisateur", "60", "45,00")
    assert by_name["Total"]["Appelé"] == "630,00"
    assert "Plafond" not in client.get("/billing/2026.csv").data.decode("utf-8-sig")

    book = read_xlsx(client.get("/billing/2026.xlsx").data)
    assert book.sheetnames == ["Heures commandées", "Détachements"]
    sheet = book["Heures commandées"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Établissement", "Participation", "Minutes commandées"]
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert values["Établissement C"][7] == 60 and values["Établissement C"][12] == 45.0
    assert values["Total"][9] == 630.0


def test_the_bilan_shows_the_models_figures(app, api, ordered_year):
    world = ordered_year
    generate_draft(world.groupement.id, 2026)
    data = compute_bilan(world.groupement.id, 2026)
    assert data["model"] == "ordered_hours"
    assert data["ordered_hours"]["totals"]["consumed_minutes"] == 13 * H
    assert {p["cap"] for p in data["per_establishment"]} == {None}
    assert data["billing"]["lines"] == []

    response = client_for(app, world.coordinator).get("/bilan/2026")
    assert response.status_code == 200
    text = visible_text(response)
    assert "modèle des heures commandées" in text
    assert "13 h 00 consommées sur 14 h 00 commandées (92 %), budget 630,00 €" in text
    assert "Heures commandées, consommées et contributions" in text
    assert "Établissement C utilisateur 4 h 00 5 h 00 +1 h 00 125 %" in text
    for cap_word in ("Usage du plafond", "plafond annuel de", "gratuite sous",
                     "Heures facturables et montants", "dans le plafond"):
        assert cap_word not in text
    body = api.get("/bilan/2026", world.coordinator).get_json()
    assert body["data"]["ordered_hours"]["participants"][2]["over_minutes"] == 60


def test_the_per_intervention_bilan_is_unchanged(app, world):
    data = compute_bilan(world.groupement.id, 2026)
    assert data["model"] == "per_intervention" and data["ordered_hours"] is None
    assert data["per_establishment"][0]["cap"]["cap_minutes"] == 2100
    generate_draft(world.groupement.id, 2026)
    text = visible_text(client_for(app, world.coordinator).get("/bilan/2026"))
    assert "plafond annuel de 35 h 00 facturables" in text and "Usage du plafond annuel" in text
    assert "heures commandées" not in text


def test_no_pair_is_billed_in_an_ordered_year(app, ordered_year):
    world = ordered_year
    i = accepted(world, "A", "B")
    session(world, i, date(2026, 11, 5), "08:00", "10:00")
    services.complete(i, world.technicians["A"], "Fait.")
    services.validate(i, world.directors["B"])
    client = client_for(app, world.accountant)
    a, b = world.establishments["A"].id, world.establishments["B"].id
    assert client.get(f"/billing/2026/paires/{a}-{b}").status_code == 404
    page = visible_text(client.get(f"/interventions/{i.id}"))
    assert "Facturation" not in page.split("Temps passé", 1)[1]


def test_the_accountants_dashboard_gives_the_years_figures(app, ordered_year):
    text = visible_text(client_for(app, ordered_year.accountant).get("/"))
    assert "Budget 2026 630,00 € 14 h 00 commandées · appelé : 630,00 €" in text
    assert ("Consommé 2026 13 h 00 92 % des heures commandées, soit 585,00 € au taux de "
            "45,00 €") in text
    assert "Facturable 2026" not in text
