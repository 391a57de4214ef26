"""The technical files, the equipment register and the common trainings in English
(issue 17 item 7) for a reader whose profile says English: pages, form labels and
choices, flash messages, refusals and the overdue-loan alert; French unchanged for
everyone else."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

from flask import render_template
from flask_babel import force_locale

from gic.enums import Language
from gic.equipment import services as equipment
from gic.extensions import db
from gic.notifications.models import Notification
from gic.techfiles import services as techfiles
from gic.techfiles.queries import SECTIONS_TOTAL
from gic.trainings import services as trainings
from tests.conftest import TODAY, client_for, csrf_login, csrf_token
from tests.helpers import accepted, visible_text


def text_of(response) -> str:
    """The visible text of the page's main part (the menu is another area's)."""
    main = re.search(r'<main id="contenu">(.*)</main>', response.get_data(as_text=True), re.S)
    response.set_data(main[1])
    return visible_text(response)

PDF = b"%PDF-1.4\n% plan\n"


def logged_in(app, user):
    """Another client, logged in with CSRF on (the ``csrf_client`` fixture is on)."""
    client = app.test_client()
    csrf_login(client, user)
    return client


def english(*users) -> None:
    for user in users:
        user.language = Language.EN
    db.session.commit()  # as the profile form does


def lend(world, *, due=TODAY - timedelta(days=5)):
    return equipment.record_movement(
        world.technicians["A"], kind="loan", to_id=world.establishments["B"].id,
        item="Onduleur APC 1500", category="network", serial_number="AS123",
        day=date(2026, 9, 1), expected_return=due, condition_out="Batterie neuve")


def training(world):
    return trainings.create_training(
        world.directors["A"], topic="security", title="Hameçonnage", day=date(2026, 6, 9),
        duration_minutes=150, trainer="Nadia Sarrat",
        attendee_ids=[world.technicians["C"].id], guests={world.establishments["B"].id: 2})


def file_of_b(world):
    b = world.establishments["B"]
    techfiles.save_section(world.directors["B"], b.id, "servers", "## Serveurs\nNAS Synology",
                           base_version=0)
    techfiles.add_attachment(world.technicians["B"], b.id, filename="Plan réseau.pdf",
                             data=PDF)
    return b


# --- Technical files ----------------------------------------------------------------

def test_technical_file_pages_in_english(app, world):
    b = file_of_b(world)
    director = world.directors["B"]
    english(director)
    client = client_for(app, director)

    index = text_of(client.get("/techfiles/"))
    assert "Technical files" in index and "Your establishment: Établissement B" in index
    assert f"1 / {SECTIONS_TOTAL} sections filled in · 1 attachment · updated on" in index
    assert "Open the file" in index and "Read log" in index
    assert "Dossiers techniques" not in index and "Ouvrir le dossier" not in index

    page = text_of(client.get(f"/techfiles/{b.id}"))
    assert "Technical file — Établissement B" in page
    assert "Server architecture" in page and "Remote connection procedure" in page
    assert "Section not filled in." in page and "Attachments" in page
    assert "Plan réseau.pdf" in page and "1 KB" in page and "Attach a file" in page
    assert f"Version 1, by {director.name}, on" in page
    for french in ("Rubrique non renseignée.", "Pièces jointes", "Joindre un fichier",
                   "Architecture des serveurs", "Chaque consultation est enregistrée"):
        assert french not in page

    edit = text_of(client.get(f"/techfiles/{b.id}/servers/edit"))
    assert "Text (Markdown)" in edit and "Formatting (Markdown)" in edit
    assert "Physical and virtual servers, roles, systems, backups." in edit
    assert "Preview" in edit and "Texte (Markdown)" not in edit and "Aperçu" not in edit

    history = text_of(client.get(f"/techfiles/{b.id}/servers/history"))
    assert "History — Server architecture" in history and "Every save creates" in history
    assert "Version 1 current" in history
    assert "Historique" not in history

    visitor = world.technicians["A"]
    english(visitor)
    accepted(world)
    visiting = text_of(client_for(app, visitor).get(f"/techfiles/{b.id}"))
    assert "Temporary access through" in visiting and "Read only." in visiting
    assert "Accès temporaire" not in visiting

    reads = text_of(client.get(f"/techfiles/{b.id}/reads"))
    assert "Read log" in reads and "File read" in reads and "establishment staff" in reads
    assert "Request No. " in reads and "Technical · Établissement A" in reads
    assert "Dossier consulté" not in reads and "Journal des consultations" not in reads


def test_technical_file_flash_warning_and_refusal_in_english(app, world, csrf_client):
    b = world.establishments["B"]
    director, outsider = world.directors["B"], world.technicians["C"]
    english(director, outsider)
    csrf_login(csrf_client, director)
    url = f"/techfiles/{b.id}/servers/edit"
    token = csrf_token(csrf_client.get(url).get_data(as_text=True))

    warned = csrf_client.post(url, data={"csrf_token": token, "base_version": "0",
                                         "body": "Routeur\nmdp : toto", "save": "1"})
    page = text_of(warned)
    assert warned.status_code == 422
    assert "Text not saved: line 2 seems to contain a password." in page
    assert "Line 2: mdp : ••• — a password seems to be written there." in page
    assert "I confirm that this text contains no password" in page
    assert "Texte non enregistré" not in page and "semble y être écrit" not in page

    saved = csrf_client.post(url, data={"csrf_token": token, "base_version": "0",
                                        "body": "Routeur Cisco", "save": "1"},
                             follow_redirects=True)
    assert "“Server architecture” saved (version 1)." in text_of(saved)

    refused = logged_in(app, outsider).get(f"/techfiles/{b.id}")
    assert refused.status_code == 403
    page = text_of(refused)
    assert "Access denied" in page
    assert "The technical file of the establishment Établissement B is confidential" in page
    assert "confidentiel" not in page


def test_a_file_with_a_password_is_refused_in_english(app, world, csrf_client):
    b = world.establishments["B"]
    english(world.technicians["B"])
    csrf_login(csrf_client, world.technicians["B"])
    url = f"/techfiles/{b.id}/attachments/new"
    page = csrf_client.get(url).get_data(as_text=True)
    assert "Accepted formats: PDF, PNG" in text_of(csrf_client.get(url))
    response = csrf_client.post(url, data={
        "csrf_token": csrf_token(page), "description": "",
        "file": (BytesIO(b"Wifi\nmdp : toto\n"), "acces.txt")},
        content_type="multipart/form-data")
    text = text_of(response)
    assert response.status_code == 422
    assert "File not attached: “acces.txt” seems to contain a password (line 2)." in text
    assert "Line 2: mdp : ••• — a password seems to be written there." in text
    assert "Fichier non joint" not in text


# --- Equipment ----------------------------------------------------------------------

def test_equipment_pages_in_english(app, world):
    m = lend(world)
    tech = world.technicians["A"]
    english(tech)
    client = client_for(app, tech)

    register = text_of(client.get("/equipment/"))
    assert "Equipment register" in register and "Record a loan or donation" in register
    assert "Whole register" in register and "5 days overdue" in register
    assert "Onduleur APC 1500" in register and "Network" in register
    assert "Registre du matériel" not in register and "En retard de" not in register

    out = text_of(client.get("/equipment/out"))
    assert "Loans out" in out and "overdue first" in out and "Prêts en cours" not in out

    detail = text_of(client.get(f"/equipment/{m.id}"))
    assert "Lent by Établissement A" in detail and "Serial number AS123" in detail
    assert "Record the return" in detail and "The equipment is returned" in detail
    assert "Condition when lent Batterie neuve" in detail
    assert "Prêté par" not in detail and "Enregistrer le retour" not in detail

    new = text_of(client.get("/equipment/new"))
    assert "Receiving establishment" in new and "— choose —" in new
    assert "Loan" in new and "Donation" in new and "Required for a loan; empty" in new
    assert "Établissement destinataire" not in new and "— choisir —" not in new

    home = text_of(client.get("/"))
    assert "Lent equipment not returned" in home and "Matériel prêté non rendu" not in home


def test_equipment_flash_and_refusals_in_english(app, world, csrf_client):
    tech, borrower = world.technicians["A"], world.directors["B"]
    english(tech, borrower)
    csrf_login(csrf_client, tech)
    page = csrf_client.get("/equipment/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "kind": "loan",
            "to_id": str(world.establishments["B"].id), "item": "Commutateur HP",
            "category": "network", "date": "2026-10-02", "expected_return": "2026-09-01"}
    refused = csrf_client.post("/equipment/new", data=data)
    assert refused.status_code == 422
    assert "The expected return date must be after the loan date." in text_of(refused)

    data["expected_return"] = "2026-12-15"
    saved = csrf_client.post("/equipment/new", data=data, follow_redirects=True)
    assert "Loan recorded: Commutateur HP for Établissement B." in text_of(saved)

    m = lend(world)
    response = logged_in(app, borrower).get(f"/equipment/{m.id}/edit")
    assert response.status_code == 403
    text = text_of(response)
    assert "Only the lending (or donating) establishment changes this movement." in text
    assert "Seul l'établissement prêteur" not in text


def test_the_overdue_alert_is_written_in_each_directors_language(app, world):
    lend(world)
    english(world.directors["B"])
    equipment.job_overdue_returns(TODAY)
    sent = {n.user_id: n for n in db.session.query(Notification).filter(
        Notification.kind == "equipment_overdue")}
    to_b, to_a = sent[world.directors["B"].id], sent[world.directors["A"].id]
    assert to_b.subject == "Equipment not returned: Onduleur APC 1500 (5 days overdue)"
    assert "Établissement A lent “Onduleur APC 1500” (serial number AS123)" in to_b.body
    assert "5 days overdue. When it comes back" in to_b.body
    assert to_a.subject == "Matériel non rendu : Onduleur APC 1500 (5 jours de retard)"
    assert "Établissement A a prêté « Onduleur APC 1500 »" in to_a.body


# --- Trainings ----------------------------------------------------------------------

def test_training_pages_flash_and_refusal_in_english(app, world, csrf_client):
    t = training(world)
    director, tech = world.directors["A"], world.technicians["C"]
    english(director, tech)

    reader = logged_in(app, tech)
    index = text_of(reader.get("/trainings/"))
    assert "Joint trainings" in index and "Hameçonnage" in index and "Security" in index
    assert "Formations communes" not in index and "Thème" not in index
    detail = text_of(reader.get(f"/trainings/{t.id}"))
    assert "Attendee-hours 7 h 30" in detail and "Attendees by establishment" in detail
    assert "Organised by" in detail and "Heures-participants" not in detail
    refused = reader.get("/trainings/new")
    assert refused.status_code == 403
    assert ("A joint training is organised by the coordination or a director."
            in text_of(refused))

    csrf_login(csrf_client, director)
    page = csrf_client.get("/trainings/new").get_data(as_text=True)
    form = text_of(csrf_client.get("/trainings/new"))
    assert "Topic" in form and "— choose —" in form and "Other attendees" in form
    assert "Tick the people who attended" in form and "Cochez les personnes" not in form
    data = {"csrf_token": csrf_token(page), "topic": "network", "title": "Wi-Fi invités",
            "date": "2026-10-06", "duration_minutes": "", "trainer": "Nadia Sarrat"}
    missing = csrf_client.post("/trainings/new", data=data)
    assert missing.status_code == 422
    text = text_of(missing)
    assert "Training not saved: correct the fields marked." in text
    assert "Enter the duration." in text and "Indiquez la durée." not in text
    data["duration_minutes"] = "2 h"
    saved = csrf_client.post("/trainings/new", data=data, follow_redirects=True)
    assert "Training “Wi-Fi invités” saved." in text_of(saved)


# --- The bilan's sections -----------------------------------------------------------

def test_the_bilan_sections_follow_the_reader(app, world):
    lend(world)
    training(world)
    gid = world.groupement.id
    names = {e.id: e.name for e in world.establishments.values()}
    context = {"names": names}
    with app.test_request_context("/"), force_locale("en"):
        html = render_template("equipment/_bilan.html", section=equipment.bilan_section(
            gid, 2026), **context)
        html += render_template("trainings/_bilan.html", section=trainings.bilan_section(
            gid, 2026), **context)
    assert "Equipment lent or donated (axis 5)" in html
    assert '<span class="big">1</span> loan</div>' in html
    assert '<span class="big">0</span> donations</div>' in html
    assert "Joint trainings (axis 4)" in html and "attendee-hours" in html
    assert "Matériel prêté" not in html and "Formations communes" not in html
    with app.test_request_context("/"):
        french = render_template("equipment/_bilan.html", section=equipment.bilan_section(
            gid, 2026), **context)
    assert '<span class="big">1</span> prêt</div>' in french
    assert '<span class="big">0</span> dons</div>' in french


# --- French unchanged -----------------------------------------------------------------

def test_french_readers_keep_the_french_pages(app, world):
    b = file_of_b(world)
    m = lend(world)
    director = world.directors["B"]
    assert director.language is Language.FR
    client = client_for(app, director)
    page = text_of(client.get(f"/techfiles/{b.id}"))
    assert "Dossier technique — Établissement B" in page
    assert "Rubrique non renseignée." in page and "Pièces jointes" in page
    assert "Architecture des serveurs" in page and "1 ko" in page
    assert "Technical file" not in page and "Attachments" not in page
    index = text_of(client.get("/techfiles/"))
    assert f"1 / {SECTIONS_TOTAL} rubriques renseignées · 1 pièce jointe · mis à jour le" in index
    detail = text_of(client.get(f"/equipment/{m.id}"))
    assert "Prêté par Établissement A" in detail and "Le retour sera enregistré par" in detail
    assert "Lent by" not in detail
