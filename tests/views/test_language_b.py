"""English catalogue (issue 17 item 7) for the interventions, the stand-ins and the
convention's refusals: a reader whose profile says English reads these pages, their
flashes, refusals, notices and e-mail link pages in English; a French reader reads
them unchanged."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from gic.convention import rules
from gic.enums import Language
from gic.errors import RuleRefused
from gic.extensions import db
from gic.interventions import maillinks, services
from gic.notifications.models import Notification
from gic.standins import services as standins
from tests.conftest import TODAY, client_for
from tests.helpers import accepted, session, visible_text


def english(*users) -> None:
    for user in users:
        user.language = Language.EN
    db.session.commit()


def session_data(day: date, start: str, end: str, notes: str = "") -> dict:
    return {"date": day.isoformat(), "start": start, "end": end, "mode": "onsite",
            "notes": notes}


def test_the_list_in_english(app, world):
    english(world.technicians["B"])
    accepted(world)
    page = visible_text(client_for(app, world.technicians["B"]).get("/interventions/"))
    for words in ("New request", "Filter", "Provider → beneficiary", "Created on",
                  "1 request", "Accepted"):
        assert words in page, words
    for mots in ("Nouvelle demande", "Filtrer", "Créée le", "1 demande", "Acceptée"):
        assert mots not in page, mots


def test_the_detail_in_english_and_unchanged_in_french(app, world):
    english(world.technicians["A"])
    i = accepted(world)
    session(world, i, TODAY, "08:00", "10:00")
    page = visible_text(client_for(app, world.technicians["A"]).get(f"/interventions/{i.id}"))
    for words in ("is on the job", "What you can do", "Log time spent", "Save the session",
                  "Total on site: 2 h 00 · remote: 0 h 00", "Request history",
                  "Beneficiary", "Team reinforcement", "Axis 2", "Complete the intervention",
                  "billable left out of 35 h 00"):
        assert words in page, words
    for mots in ("intervient", "Ce que vous pouvez faire", "Saisir du temps passé",
                 "Total sur site", "Suivi de la demande", "Renfort d'équipe"):
        assert mots not in page, mots

    french = visible_text(client_for(app, world.directors["B"]).get(f"/interventions/{i.id}"))
    assert "Technicien A (Établissement A) intervient : saisie du temps passé" in french
    assert "Total sur site : 2 h 00 · à distance : 0 h 00 · facturable : 0 h 00" in french
    assert "Axe 2 — Renfort d'équipe" in french and "What you can do" not in french


def test_a_flash_in_english(app, world):
    english(world.technicians["A"])
    i = accepted(world)
    response = client_for(app, world.technicians["A"]).post(
        f"/interventions/{i.id}/sessions", data=session_data(TODAY, "08:00", "09:00"),
        follow_redirects=True)
    page = visible_text(response)
    assert "Time spent saved." in page and "Temps passé enregistré" not in page


def test_the_cap_refusal_in_english(app, world):
    english(world.technicians["A"])
    for day in (3, 4, 5):  # B has 30 h billable in 2026
        session(world, accepted(world, provider="C"), date(2026, 2, day), "08:00", "18:00")
    i = accepted(world)
    tech_a = client_for(app, world.technicians["A"])
    tech_a.post(f"/interventions/{i.id}/sessions",
                data=session_data(date(2026, 4, 1), "08:00", "12:00"))
    response = tech_a.post(f"/interventions/{i.id}/sessions",
                           data=session_data(date(2026, 4, 2), "08:00", "11:00"))
    assert response.status_code == 409
    page = visible_text(response)
    assert ("Session refused: the annual cap of 35 h 00 billable for Établissement B in 2026 "
            "would be exceeded. 300 min (5 h 00) billable are left this year.") in page
    assert "Séance refusée" not in page and "plafond annuel" not in page


def test_a_permission_refusal_in_english(app, world):
    english(world.technicians["B"])
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Imprimante")
    response = client_for(app, world.technicians["B"]).post(f"/interventions/{i.id}/activate")
    assert response.status_code == 403
    assert ("Only the beneficiary establishment's director can activate a request"
            in visible_text(response))


def test_a_closed_year_refusal_in_english(app):
    with app.test_request_context("/"), force_locale("en"):
        with pytest.raises(RuleRefused) as refused:
            rules.check_years_open([2025], [2024, 2025])
    assert refused.value.message == ("The year 2025 is closed: its billing is frozen and its "
                                     "sessions can no longer be created, changed or deleted.")
    with pytest.raises(RuleRefused) as refused:  # outside a request: French
        rules.check_years_open([2025], [2025])
    assert refused.value.message.startswith("L'année 2025 est clôturée : sa facturation")


def test_the_notice_is_written_in_each_readers_language(app, world):
    english(world.directors["B"])
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Imprimante")
    services.activate(i, world.directors["B"])
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    told = {n.user_id: n for n in db.session.scalars(select(Notification).where(
        Notification.key.like(f"intervention:{i.id}:%")))}
    to_b = told[world.directors["B"].id]
    assert to_b.subject.startswith("To activate: request no. ")
    assert "Technicien B drafted request no." in to_b.body
    assert "It is yours to activate (or cancel)." in to_b.body
    to_tech = told[world.technicians["A"].id]  # French profile
    assert to_tech.subject.startswith("Intervention confiée : demande n° ")
    assert "Direction A a accepté la demande" in to_tech.body


def test_a_stand_in_reads_his_whole_copy_in_his_own_language(app, world):
    """Director A reads French; his stand-in reads English: the copy, its « standing
    in » lines and the notice itself, is all English."""
    english(world.technicians["A"])
    standins.name_standin(world.directors["A"], standin_id=world.technicians["A"].id,
                          starts_on=TODAY, ends_on=TODAY + timedelta(days=6))
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Imprimante")
    services.activate(i, world.directors["B"])
    told = {n.user_id: n for n in db.session.scalars(select(Notification).where(
        Notification.key == f"intervention:{i.id}:activate"))}
    director = told[world.directors["A"].id]
    assert director.subject.startswith("À accepter ou refuser : demande n° ")
    assert "Direction B a activé la demande" in director.body
    copy = told[world.technicians["A"].id]
    assert copy.subject.startswith("To accept or decline: request no. ")
    assert copy.subject.endswith("(standing in for Direction A)")
    assert copy.body.startswith("Message addressed to Direction A: you receive it as stand-in")
    assert "Direction B activated request no." in copy.body
    assert "It is yours to accept by assigning a technician, or to decline." in copy.body
    assert "activé" not in copy.body and "À vous" not in copy.body


def test_the_email_link_page_in_its_persons_language(app, world):
    english(world.directors["B"])
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Imprimante")
    token = maillinks.make_token(world.directors["B"], i, "activate")
    page = visible_text(app.test_client().get(f"/interventions/email/{token}"))
    assert "Activate the request?" in page and "Estimated time" in page
    assert "Nothing is done before you click the button." in page
    assert "Activer la demande" not in page and "Rien n'est fait" not in page


def test_the_standin_page_and_its_flash_in_english(app, world):
    english(world.directors["A"])
    director = client_for(app, world.directors["A"])
    page = visible_text(director.get("/standins/"))
    assert "Standing in for the director" in page and "Name a stand-in" in page
    assert "Suppléance de la direction" not in page and "Désigner" not in page
    response = director.post("/standins/", data={
        "standin_id": world.technicians["A"].id, "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat()}, follow_redirects=True)
    page = visible_text(response)
    assert "Technicien A saved as your stand-in from" in page
    assert "running" in page and "End" in page and "Mettre fin" not in page


def test_a_used_email_link_says_so_in_its_persons_language(app, world):
    english(world.directors["B"])
    i = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Imprimante")
    token = maillinks.make_token(world.directors["B"], i, "activate")
    services.activate(i, world.directors["B"])
    response = app.test_client().get(f"/interventions/email/{token}")
    assert response.status_code == 410
    page = visible_text(response)
    assert "E-mail link" in page and "This request was already activated by Direction B on" in page
    assert "Lien de l'e-mail" not in page and "déjà été" not in page


def test_the_outbox_script_gets_its_messages_in_the_readers_language(app, world):
    english(world.technicians["A"])
    i = accepted(world)
    session(world, i, TODAY, "08:00", "09:00")  # the completion form (signature pads) shows
    raw = client_for(app, world.technicians["A"]).get(f"/interventions/{i.id}").get_data(
        as_text=True)
    messages = json.loads(html.unescape(re.search(r"data-messages='([^']*)'", raw).group(1)))
    assert messages["non synchronisé"] == "not synchronised"
    assert messages["saisie le %(day)s à %(time)s"] == "typed on %(day)s at %(time)s"
    assert messages["Sur site"] == "On site"
    assert 'data-signed-text="Signature saved."' in raw


def test_the_signed_sheet_stays_french_when_an_english_reader_completes(app, world):
    from tests.services.test_intervention_sheet import SIGNED, pdf_text

    english(world.technicians["A"])
    i = accepted(world)
    session(world, i, date(2026, 11, 20), "08:00", "10:30")
    response = client_for(app, world.technicians["A"]).post(
        f"/interventions/{i.id}/complete", data={"report": "Disque remplacé.", **SIGNED},
        follow_redirects=True)
    page = visible_text(response)
    assert "Intervention completed with its signed sheet, saved as a PDF" in page
    assert "Download the signed sheet (PDF)" in page
    text = pdf_text(i.sheet.pdf)
    for french in ("Fiche d'intervention", "Demande n° ", "Temps passé", "Sur site",
                   "Renfort d'équipe", "signé le 23 novembre 2026 à 11:00"):
        assert french in text, french
    assert "Request" not in text and "On site" not in text
