"""The billing, ordered-hours and secondments pages in English (issue 17 item 7) for a
reader whose profile says English, unchanged in French otherwise; the documents of
record (statements, contribution documents) stay French whoever issues them."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from gic.billing.models import SettlementStatement
from gic.enums import Language
from gic.extensions import db
from gic.interventions import services as interventions
from gic.notifications.models import Notification
from gic.ordered.models import ContributionDocument
from gic.secondments.models import Secondment
from tests.conftest import client_for
from tests.helpers import accepted, session, text_of, visible_text
from tests.ordered_helpers import make_ordered

YEAR = 2025


def english(*users) -> None:
    for user in users:
        user.language = Language.EN
    db.session.commit()  # as the profile form does


@pytest.fixture
def billed(world):
    """2025: A→B 10 h and B→A 7 h validated (B pays A 75,00 €); A→C 8 h pending."""
    for provider, beneficiary, day, end in (("A", "B", 3, "18:00"), ("B", "A", 4, "15:00")):
        i = accepted(world, provider, beneficiary)
        session(world, i, date(YEAR, 3, day), "08:00", end)
        interventions.complete(i, i.technician, "Fait.")
        interventions.validate(i, world.directors[beneficiary])
    pending = accepted(world, "A", "C")
    session(world, pending, date(YEAR, 3, 6), "08:00", "16:00")
    return pending


# --- Billing -------------------------------------------------------------------------------

def test_the_billing_page_in_english(app, world, billed):
    english(world.accountant)
    page = visible_text(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    for text in ("Billing 2025", "Year open", "Validated billable hours, per pair",
                 "Download CSV", "Net settlements", "to the establishment",
                 "Awaiting validation", "Annual cap per beneficiary", "Close the year 2025",
                 "Temporary secondments", "No temporary secondment in 2025."):
        assert text in page, text
    for french in ("Facturation 2025", "Règlements nets", "Télécharger CSV", "Clôturer",
                   "En attente de validation", "Aucun détachement"):
        assert french not in page, french


def test_the_billing_page_stays_french_for_a_french_reader(app, world, billed):
    page = visible_text(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    for text in ("Facturation 2025", "Année ouverte", "Heures facturables validées, par paire",
                 "Télécharger CSV", "Règlements nets", "à l'établissement",
                 "Clôturer l'année 2025", "Aucun détachement temporaire en 2025."):
        assert text in page, text
    assert "Billing" not in page and "Net settlements" not in page


def test_closing_refused_then_done_in_english_the_statements_stay_french(app, world, billed):
    english(world.accountant)
    client = client_for(app, world.accountant)
    refused = client.post(f"/billing/{YEAR}/close", follow_redirects=True)
    assert (f"2025 cannot be closed: these requests have sessions in 2025 but are neither "
            f"validated nor cancelled: no. {billed.id}.") in visible_text(refused)
    assert "impossible" not in visible_text(refused)
    interventions.complete(billed, billed.technician, "Fait.")
    interventions.validate(billed, world.directors["C"])
    closed = client.post(f"/billing/{YEAR}/close", follow_redirects=True)
    assert "The year 2025 is closed: its billing is frozen." in visible_text(closed)
    statement = db.session.scalars(select(SettlementStatement)
                                   .order_by(SettlementStatement.sequence)).first()
    # What the document froze is French (the English accountant closed the year)...
    assert statement.facturx_missing.startswith("Factur-X non produit : SIRET non renseigné")
    # ... and the page says it in the reader's language.
    page = visible_text(client.get(f"/billing/{YEAR}/documents"))
    assert "Documents of the year 2025" in page and "Payment statement" in page
    assert "No Factur-X: SIRET missing for" in page and "In force" in page
    assert "Factur-X non produit" not in page and "En vigueur" not in page


def test_the_csv_export_follows_the_reader(app, world, billed):
    english(world.accountant)
    data = client_for(app, world.accountant).get(f"/billing/{YEAR}.csv").data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0])[:4] == ["Section", "Request no.", "Provider", "Beneficiary"]
    assert list(rows[0])[12:] == ["Line type", "Hours (decimal)", "Beneficiary reference"]
    kinds = {(r["Section"], r["Line type"]) for r in rows}
    assert ("Pair totals", "Pair total") in kinds and ("Pending", "Pending intervention") in kinds
    assert any(r["Subject"].startswith("Pair total (1 intervention)") for r in rows)
    assert "Règlement" not in data.decode("utf-8-sig")
    french = client_for(app, world.directors["A"]).get(f"/billing/{YEAR}.csv").data
    assert french.decode("utf-8-sig").startswith("Section;N° demande;Prestataire;Bénéficiaire")


def test_the_coordinator_reopens_in_english(app, world, billed, clock):
    english(world.coordinator)
    client = client_for(app, world.coordinator)
    page = visible_text(client.get(f"/billing/{YEAR}"))
    assert "Closing the year" in page and "The year 2025 is not closed." in page
    refused = client.post(f"/billing/{YEAR}/reopen", data={"reason": "Erreur"},
                          follow_redirects=True)
    assert "The year 2025 is not closed." in visible_text(refused)


# --- Ordered hours -------------------------------------------------------------------------

def test_the_ordered_hours_page_flash_and_refusal_in_english(app, world):
    make_ordered(world, users="C")
    english(world.coordinator)
    client = client_for(app, world.coordinator)
    page = visible_text(client.get("/ordered/2026"))
    for text in ("Ordered hours 2026", "Orders open", "1. Orders and consumption",
                 "Save the orders", "2. 2026 budget", "Calls are issued once the budget is voted.",
                 "Member", "User"):
        assert text in page, text
    assert "Enregistrer les commandes" not in page and "Commandes ouvertes" not in page
    saved = client.post("/ordered/2026/commandes", follow_redirects=True, data={
        f"order_{world.establishments['A'].id}": "100",
        f"order_{world.establishments['B'].id}": "60"})
    assert "Ordered hours 2026 saved (2 changed)." in visible_text(saved)
    future = client.post("/ordered/2026/vote", data={"voted_on": "2026-12-01",
                                                     "reference": ""})
    assert future.status_code == 422
    assert "The vote cannot be dated in the future." in visible_text(future)
    assert "Date of the vote" in visible_text(future)
    client.post("/ordered/2026/vote", data={"voted_on": "2026-01-10", "reference": "AG"})
    issued = client.post("/ordered/2026/appels", data={"instalments": "1"},
                         follow_redirects=True)
    assert "2 provisional contribution calls issued: no. GIC65-2026-0001 to no. " \
           "GIC65-2026-0002." in visible_text(issued)
    doc = db.session.scalars(select(ContributionDocument).order_by(
        ContributionDocument.sequence)).first()
    # The document of record froze its participation in French.
    assert doc.data["participation_label"] == "Membre"


def test_the_ordered_hours_page_stays_french(app, world):
    make_ordered(world)
    page = visible_text(client_for(app, world.coordinator).get("/ordered/2026"))
    assert "Heures commandées 2026" in page and "1. Commandes et consommation" in page
    assert "Ordered hours" not in page


# --- Secondments ---------------------------------------------------------------------------

def proposal(world, **changes) -> dict:
    data = {"provider_id": str(world.establishments["A"].id),
            "beneficiary_id": str(world.establishments["B"].id),
            "project": "Messagerie", "description": "Boîtes.", "start_date": "2025-01-01",
            "end_date": "2025-12-31", "pricing": "hourly", "hourly_rate": "28,50",
            "lump_sum": ""}
    return data | changes


def test_the_secondments_pages_flash_and_refusal_in_english(app, world):
    tech = world.technicians["A"]
    english(tech)
    client = client_for(app, tech)
    page = visible_text(client.get("/secondments/"))
    assert "Temporary secondments" in page and "Propose a secondment" in page
    assert "Détachements temporaires" not in page
    form = visible_text(client.get("/secondments/new"))
    for text in ("Propose a temporary secondment", "Provider establishment (seconding)",
                 "Agreed hourly rate (€ incl. VAT)", "Flat fee", "— choose —"):
        assert text in form, text
    assert "Établissement prestataire" not in form and "Tarification" not in form
    refused = client.post("/secondments/new", data=proposal(
        world, beneficiary_id=str(world.establishments["A"].id)))
    assert refused.status_code == 422
    assert ("The beneficiary must be another establishment than the provider."
            in visible_text(refused))
    done = client.post("/secondments/new", data=proposal(world), follow_redirects=True)
    text = visible_text(done)
    assert "proposed: the directors concerned have been notified." in text
    assert "Awaiting the approval of the director of" in text and "Terms" in text
    assert re.search(r"Secondment No\. \d+", text)
    assert "En attente de l'approbation" not in text


def test_each_director_is_told_in_his_own_language(app, world):
    english(world.directors["B"])
    client_for(app, world.technicians["A"]).post("/secondments/new", data=proposal(world))
    s = db.session.scalars(select(Secondment)).one()
    subjects = dict(db.session.execute(select(Notification.user_id, Notification.subject)
                                       .where(Notification.key.like(f"secondment-{s.id}-%")))
                    .all())
    assert subjects[world.directors["B"].id] == "Secondment to approve: Messagerie"
    assert subjects[world.directors["A"].id] == "Détachement à approuver : Messagerie"


def test_the_secondment_page_stays_french(app, world):
    client = client_for(app, world.technicians["A"])
    done = client.post("/secondments/new", data=proposal(world), follow_redirects=True)
    text = visible_text(done)
    assert "proposé : les directions concernées sont prévenues." in text
    assert "En attente de l'approbation de la direction de l'établissement" in text
    assert "Secondment" not in text_of(done)
