"""The bilan pages through the web client: who reads what, drafting, publishing, PDF."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.notifications.models import Notification
from gic.reports import present
from gic.reports import services as bilan
from gic.reports.models import BilanPdf, BilanStatus, BilanVersion
from tests.conftest import PASSWORD, client_for, csrf_login
from tests.helpers import pdftotext, visible_text
from tests.services.test_bilan import YEAR, build_2025, held_meetings

USERS = ["anonymous", "tech_A", "dir_A", "dir_B", "coordinator", "accountant",
         "other_dir", "other_coordinator"]


def user_of(world, other_world, key):
    return {"anonymous": None, "tech_A": world.technicians["A"], "dir_A": world.directors["A"],
            "dir_B": world.directors["B"], "coordinator": world.coordinator,
            "accountant": world.accountant, "other_dir": other_world.directors["X"],
            "other_coordinator": other_world.coordinator}[key]


def text_of(response) -> str:
    return visible_text(response, tag_gap="")


# --- Who may read ------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("dir_A", 404), ("tech_A", 404), ("accountant", 404),
                                         ("coordinator", 200)])
def test_a_draft_is_the_coordinators_only(app, world, who, status):
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    user = {"dir_A": world.directors["A"], "tech_A": world.technicians["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[who]
    client = client_for(app, user)
    assert client.get(f"/bilan/{YEAR}").status_code == status
    assert client.get(f"/bilan/{YEAR}.pdf").status_code == status
    listing = text_of(client.get("/bilan/"))
    assert (f"Bilan {YEAR}" in listing) == (who == "coordinator")


# --- What the page shows --------------------------------------------------------------

def test_meetings_held_link_to_their_minutes(app, world):
    made = held_meetings(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    bilan.publish(world.coordinator, YEAR)
    client = client_for(app, world.directors["C"])
    response = client.get(f"/bilan/{YEAR}")
    page, raw = text_of(response), response.get_data(as_text=True)
    assert ("Réunion des techniciens du 12 mars 2025 à 14:00 : Réunion de printemps — "
            "compte rendu (version 1)") in page
    assert "compte rendu non finalisé" in page
    meeting_id = made["with_minutes"].id
    assert f'href="/meetings/{meeting_id}/minutes/1"' in raw
    assert client.get(f"/meetings/{meeting_id}/minutes/1").status_code == 200
    assert "Aucune réunion enregistrée." not in page


def test_coordinator_generates_refreshes_and_publishes(app, world):
    build_2025(world)
    client = client_for(app, world.coordinator)
    missing = client.get(f"/bilan/{YEAR}")
    assert missing.status_code == 404 and "Générer le brouillon 2025" in text_of(missing)

    response = client.post("/bilan/draft", data={"year": YEAR})
    assert response.status_code == 302 and response.location.endswith(f"/bilan/{YEAR}")
    page = text_of(client.get(f"/bilan/{YEAR}"))
    assert "Brouillon" in page and "Publier la version 1" in page
    assert "Actualiser le brouillon" in page

    assert client.post(f"/bilan/{YEAR}/draft").status_code == 302
    assert db.session.scalar(select(func.count(BilanVersion.id))) == 1

    response = client.post(f"/bilan/{YEAR}/publish", follow_redirects=True)
    flashed = "Bilan 2025 publié (version 1) : chaque direction a été notifiée."
    assert flashed in text_of(response)
    assert db.session.scalar(select(BilanVersion.status)) == BilanStatus.PUBLISHED
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "bilan")) == 3
    assert "Préparer une version 2" in text_of(client.get(f"/bilan/{YEAR}"))
    assert client.post(f"/bilan/{YEAR}/draft").status_code == 302
    page = text_of(client.get(f"/bilan/{YEAR}"))
    assert "Publier la version 2" in page and "Versions :" in page
    assert "Version 1 · publiée le" in text_of(client.get(f"/bilan/{YEAR}?version=1"))
    assert client.get(f"/bilan/{YEAR}?version=9").status_code == 404


def test_refusals_are_flashed_and_change_nothing(app, world):
    client = client_for(app, world.coordinator)
    response = client.post("/bilan/2024/publish", follow_redirects=True)
    assert "Aucun brouillon du bilan 2024 à publier : générez-le d'abord." in text_of(response)
    client.post("/bilan/draft", data={"year": 2026})
    page = text_of(client.get("/bilan/2026"))
    assert "pourra être publié à partir du 1er janvier 2027" in page
    assert "Publier la version" not in page
    response = client.post("/bilan/2026/publish", follow_redirects=True)
    assert "L'année 2026 n'est pas terminée" in text_of(response)
    response = client.post("/bilan/draft", data={"year": 2030}, follow_redirects=True)
    assert "L'année 2030 n'a pas commencé" in text_of(response)
    response = client.post("/bilan/draft", data={"year": "deux mille"})
    assert response.status_code == 422
    assert db.session.scalar(select(BilanVersion.status)) == BilanStatus.DRAFT
    assert db.session.scalar(select(func.count(BilanVersion.id))) == 1


@pytest.mark.parametrize("who", ["tech_A", "dir_A", "accountant"])
def test_only_the_coordinator_drafts_and_publishes(app, world, other_world, who):
    bilan.generate_draft(world.groupement.id, YEAR)
    client = client_for(app, user_of(world, other_world, who))
    assert client.post(f"/bilan/{YEAR}/publish").status_code == 403
    assert client.post(f"/bilan/{YEAR}/draft").status_code == 403
    assert client.post("/bilan/draft", data={"year": YEAR}).status_code == 403
    assert client.post("/bilan/draft", data={}).status_code == 403
    assert db.session.scalar(select(BilanVersion.status)) == BilanStatus.DRAFT


def test_forms_need_the_csrf_token(csrf_client, world):
    bilan.generate_draft(world.groupement.id, YEAR)
    client = csrf_client
    csrf_login(client, world.coordinator)
    page = client.get(f"/bilan/{YEAR}").get_data(as_text=True)
    assert 'name="csrf_token"' in page  # logged in, and the forms carry the token
    assert client.post(f"/bilan/{YEAR}/publish").status_code == 400
    assert client.post(f"/bilan/{YEAR}/draft").status_code == 400
    assert db.session.scalar(select(BilanVersion.status)) == BilanStatus.DRAFT


# --- The PDF ------------------------------------------------------------------------

def test_draft_pdf_says_it_is_a_draft(app, world):
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    content = client_for(app, world.coordinator).get(f"/bilan/{YEAR}.pdf").data
    assert "Document de travail" in pdftotext(content)


# --- A published bilan's PDF is rendered once, then served as stored ------------------

@pytest.fixture
def renders(monkeypatch):
    """Counts WeasyPrint's renderings (the seconds-long part), still rendering."""
    calls = []
    real = present.write_pdf

    def counting(html, css):
        calls.append(html)
        return real(html, css)

    monkeypatch.setattr(present, "write_pdf", counting)
    return calls


def stored_pdfs() -> list[tuple[int, int, int]]:
    return [tuple(r) for r in db.session.execute(
        select(BilanPdf.bilan_version_id, BilanPdf.audience, BilanPdf.size)
        .order_by(BilanPdf.bilan_version_id, BilanPdf.audience))]


def test_the_stored_pdf_does_not_depend_on_the_host_asked(app, world, renders,
                                                          monkeypatch):
    """The meetings' links are on PUBLIC_URL: a forged Host header neither enters the
    stored PDF nor makes it rendered again."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://gic.example.fr")
    made = held_meetings(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    bilan.publish(world.coordinator, YEAR)
    director = world.directors["A"]
    evil = app.test_client()
    evil.post("/login", data={"email": director.email, "password": PASSWORD},
              base_url="http://evil.example")
    first = evil.get(f"/bilan/{YEAR}.pdf", base_url="http://evil.example")
    assert first.status_code == 200 and len(renders) == 1
    assert "evil.example" not in renders[0]
    assert (f'href="https://gic.example.fr/meetings/{made["with_minutes"].id}/minutes/1"'
            in renders[0])
    assert client_for(app, director).get(f"/bilan/{YEAR}.pdf").data == first.data
    assert len(renders) == 1


def test_a_draft_pdf_is_rendered_each_time_and_never_stored(app, world, renders):
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    client = client_for(app, world.coordinator)
    assert client.get(f"/bilan/{YEAR}.pdf").status_code == 200
    assert client.get(f"/bilan/{YEAR}.pdf").status_code == 200
    assert len(renders) == 2 and stored_pdfs() == []

