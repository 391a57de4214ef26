"""English for the governance pages (/groupement), the annual bilan (/bilan) and the
exchanges log (/exchanges) (issue 17 item 7): a person who chose English on his profile
reads them in English, flashes and refusals included; French stays as it was; the
published bilan's PDF stays French whoever reads it, a draft's follows its reader."""

from __future__ import annotations

from flask_babel import refresh
from flask_login import login_user
from sqlalchemy import select

from gic.enums import Language
from gic.extensions import db
from gic.governance import procedures
from gic.governance.models import Procedure
from gic.notifications.models import Notification
from gic.reports import present
from gic.reports import services as bilan
from gic.reports.models import BilanVersion
from tests.conftest import client_for
from tests.helpers import pdftotext, visible_text
from tests.services.test_bilan import YEAR, build_2025


def english(user):
    user.language = Language.EN
    db.session.commit()  # as the profile form does
    return user


def text_of(response) -> str:
    return visible_text(response)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return text_of(response)


def propose(world) -> Procedure:
    return procedures.propose_member(world.coordinator, name="IME de Bagnères",
                                     finess="650781995", contact="Mme Verdier", message="")


# --- Governance ----------------------------------------------------------------------

def test_the_governance_pages_in_english(app, world):
    propose(world)
    client = client_for(app, english(world.coordinator))
    card = page(client, "/groupement/")
    for expected in ("Identity card of the groupement", "Partner establishments (",
                     "founding member", "Nature of the agreements", "Governance",
                     "Download as PDF", "Edit the card", "Memberships and renewals",
                     "Application in progress:", "Partnership agreement taking effect on"):
        assert expected in card, expected
    for french in ("Carte d'identité du groupement", "Établissements partenaires",
                   "membre fondateur", "Télécharger en PDF", "Mode de gouvernance"):
        assert french not in card, french

    listing = page(client, "/groupement/procedures")
    assert "Propose a membership" in listing and "Opened on" in listing
    assert "Membership: IME de Bagnères" in listing
    assert "Proposer une adhésion" not in listing and "Ouverte le" not in listing

    versions = page(client, "/groupement/convention")
    assert "Agreement parameters" in versions and "Hourly rate incl. VAT" in versions
    assert "In force" in versions and "3 years" in versions
    assert "Taux horaire TTC" not in versions and "3 ans" not in versions

    form = page(client, "/groupement/convention/nouvelle")
    assert "On-site free threshold" in form and "See what changes" in form
    assert "Agreement model" in form and "Seuil de gratuité sur site" not in form

    propose_page = page(client, "/groupement/candidatures/nouvelle")
    assert "Name of the candidate establishment" in propose_page
    assert "Put to the vote" in propose_page and "Soumettre au vote" not in propose_page


def test_the_identity_card_pdf_follows_its_reader(app, world):
    """Not a document of record: the card's PDF is the page, in the reader's language."""
    body = client_for(app, english(world.directors["B"])).get("/groupement/carte.pdf").data
    text = pdftotext(body)
    assert "Identity card of the groupement GIC 65" in text
    assert "Groupement identity card — page 1" in text
    assert "Carte d'identité" not in text


def test_a_vote_its_flash_and_a_refusal_in_english(app, world):
    item = propose(world)
    client = client_for(app, english(world.directors["A"]))
    url = f"/groupement/procedures/{item.id}"
    detail = page(client, url)
    assert "The vote of the establishment Établissement A" in detail
    assert "I approve" in detail and "Record the vote" in detail
    assert "not voted yet" in detail and "J'approuve" not in detail

    missing = client.post(url + "/vote", data={"choice": "against", "reason": ""})
    assert missing.status_code == 422
    assert "Reason (required if you refuse)" in text_of(missing)

    done = client.post(url + "/vote", data={"choice": "for"}, follow_redirects=True)
    assert "Vote recorded." in text_of(done) and "Vote enregistré." not in text_of(done)

    again = client.post(url + "/vote", data={"choice": "for"})
    assert again.status_code == 409
    refused = text_of(again)
    assert "Établissement A already voted on" in refused
    assert "a vote cannot be changed." in refused and "a déjà voté" not in refused


def test_a_version_preview_in_english(app, world):
    client = client_for(app, english(world.coordinator))
    response = client.post("/groupement/convention/apercu", data={
        "valid_from": "2027-01-01", "threshold_minutes": "7:00", "cap_minutes": "35:00",
        "hourly_rate": "30,00", "duration_years": "3"})
    assert response.status_code == 200
    preview = text_of(response)
    assert "Preview: version in force from" in preview and "What changes" in preview
    assert "each session keeps the rate in force on its date." in preview
    assert "Billing 2027 onwards: new rate for every session." in preview
    assert "€25.00" in preview and "€30.00" in preview  # the rates, the English way
    assert "Sessions dated from 1 January 2027;" in preview  # the date too
    assert "Ce qui change" not in preview and "Facturation 2027" not in preview

    past = client.post("/groupement/convention/apercu", data={
        "valid_from": "2026-01-01", "threshold_minutes": "7:00", "cap_minutes": "35:00",
        "hourly_rate": "30,00", "duration_years": "3"})
    assert past.status_code == 422
    assert "A new version starts in the future" in text_of(past)


def test_the_vote_notification_is_in_each_directors_language(app, world):
    english(world.directors["A"])
    item = propose(world)
    subjects = dict(db.session.execute(select(Notification.user_id, Notification.subject)
                                       .where(Notification.kind == "governance_vote")).all())
    assert subjects[world.directors["A"].id] == "Vote awaited: Membership: IME de Bagnères"
    assert subjects[world.directors["B"].id] == "Vote attendu : Adhésion : IME de Bagnères"
    assert item.title == "Adhésion : IME de Bagnères"  # outside a request: French


# --- Bilan ---------------------------------------------------------------------------------

def test_the_bilan_pages_flash_and_refusal_in_english(app, world):
    build_2025(world)
    client = client_for(app, english(world.coordinator))
    index = page(client, "/bilan/")
    assert "Annual reports" in index and "Prepare an annual report" in index
    assert "Bilans annuels" not in index

    made = client.post("/bilan/draft", data={"year": YEAR}, follow_redirects=True)
    assert "Draft of the 2025 annual report up to date (version 1)." in text_of(made)
    year = page(client, f"/bilan/{YEAR}")
    for expected in ("Annual report 2025", "At a glance", "Hours per month",
                     "By area of cooperation", "Hours given and received",
                     "Billable hours and amounts", "Use of the annual cap",
                     "Intervention hours per month", "Publish version 1",
                     "Exchanges and advice (area 1)",
                     "Life of the groupement: memberships, renewal, agreement"):
        assert expected in year, expected
    for french in ("En bref", "Heures par mois", "Usage du plafond annuel",
                   "Publier la version 1", "Heures d'intervention par mois"):
        assert french not in year, french

    refused = client.post("/bilan/2026/publish", follow_redirects=True)
    assert "The year 2026 is not over" in text_of(refused)
    assert "L'année 2026 n'est pas terminée" not in text_of(refused)


def test_the_published_pdf_stays_french_a_drafts_follows_its_reader(app, world):
    build_2025(world)
    draft = bilan.generate_draft(world.groupement.id, YEAR)
    reader = english(world.coordinator)
    with app.test_request_context(f"/bilan/{YEAR}.pdf"):
        login_user(reader)
        refresh()  # the test's app context already chose French, outside any request
        html, _css = present._pdf_source(draft, reader)
        assert "At a glance" in html and "En bref" not in html
    bilan.publish(world.coordinator, YEAR)
    published = db.session.get(BilanVersion, draft.id)
    with app.test_request_context(f"/bilan/{YEAR}.pdf"):
        login_user(reader)
        refresh()
        html, _css = present._pdf_source(published, reader)
        assert "En bref" in html and "At a glance" not in html


def test_the_publication_notice_is_in_each_directors_language(app, world):
    build_2025(world)
    english(world.directors["C"])
    bilan.generate_draft(world.groupement.id, YEAR)
    bilan.publish(world.coordinator, YEAR)
    subjects = dict(db.session.execute(select(Notification.user_id, Notification.subject)
                                       .where(Notification.kind == "bilan")).all())
    assert subjects[world.directors["C"].id] == "Annual report 2025 published"
    assert subjects[world.directors["A"].id] == "Bilan annuel 2025 publié"


# --- Exchanges ------------------------------------------------------------------------------

def exchange_form(world, **changes):
    data = {"recipient_id": str(world.establishments["B"].id), "date": "2026-10-05",
            "topic": "Certificat du serveur web expiré", "minutes": "45 min", "notes": ""}
    data.update(changes)
    return data


def test_the_exchanges_pages_flash_and_refusal_in_english(app, world):
    client = client_for(app, english(world.technicians["A"]))
    form = page(client, "/exchanges/new")
    assert "Advice given by Technicien A (Établissement A)." in form
    assert "Establishment advised" in form and "Time spent" in form
    assert "Conseil donné par" not in form and "Temps passé" not in form

    done = client.post("/exchanges/new", data=exchange_form(world), follow_redirects=True)
    listing = text_of(done)
    assert "Exchange recorded: advice to Établissement B, free of charge." in listing
    assert "Exchanges and advice" in listing and "Record an exchange" in listing
    assert "Noter un échange" not in listing and "Échange enregistré" not in listing

    own = client.post("/exchanges/new", data=exchange_form(
        world, recipient_id=str(world.establishments["A"].id)))
    assert own.status_code == 422
    assert "Advice is given to an establishment other than yours." in text_of(own)

    empty = client.post("/exchanges/new", data=exchange_form(world, topic=""))
    assert empty.status_code == 422
    assert "Exchange not saved: correct the fields shown." in text_of(empty)
    assert "Enter the subject." in text_of(empty)


# --- French unchanged ------------------------------------------------------------------------

def test_a_french_reader_still_reads_french(app, world):
    propose(world)
    client = client_for(app, world.coordinator)
    card = page(client, "/groupement/")
    for expected in ("Carte d'identité du groupement GIC 65", "membre fondateur",
                     "Candidature en cours :", "Télécharger en PDF",
                     "— en attente de l'accord unanime des directions."):
        assert expected in card, expected
    assert "Identity card" not in card
    exchanges = page(client_for(app, world.technicians["B"]), "/exchanges/")
    assert "Gratuit : les échanges d'information et les conseils" in exchanges
    assert "Aucun échange enregistré." in exchanges
