"""The bilan pages through the web client: who reads what, drafting, publishing, PDF."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import func, select, update

from gic.extensions import db
from gic.notifications.models import Notification
from gic.reports import present
from gic.reports import services as bilan
from gic.reports.models import BilanPdf, BilanStatus, BilanVersion
from tests.conftest import PASSWORD, client_for, csrf_login
from tests.helpers import visible_text
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


@pytest.fixture
def published(world):
    """2025 built through the services, its draft generated and published (version 1)."""
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    return bilan.publish(world.coordinator, YEAR)


# --- Who may read ------------------------------------------------------------------

READ = {  # user: (index, year page, pdf) once 2025 is published in the first groupement
    # Every member reads a published bilan (SPEC §5, seed 002), technicians and
    # accountants included; another groupement finds none.
    "anonymous": (302, 302, 302),
    "tech_A": (200, 200, 200),
    "dir_A": (200, 200, 200),
    "dir_B": (200, 200, 200),
    "coordinator": (200, 200, 200),
    "accountant": (200, 200, 200),
    "other_dir": (200, 404, 404),
    "other_coordinator": (200, 404, 404),
}


@pytest.mark.parametrize("who", USERS)
def test_permission_table(app, world, other_world, published, who):
    client = client_for(app, user_of(world, other_world, who))
    statuses = tuple(client.get(path).status_code
                     for path in ("/bilan/", f"/bilan/{YEAR}", f"/bilan/{YEAR}.pdf"))
    assert statuses == READ[who]


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

def test_director_reads_the_whole_groupement_with_his_establishment_highlighted(
        app, world, published):
    response = client_for(app, world.directors["B"]).get(f"/bilan/{YEAR}")
    page = text_of(response)
    assert "Bilan annuel 2025 — GIC 65 Publié" in page
    assert "Votre établissement, Établissement B, est mis en évidence" in page
    assert re.search(r'<tr class="own">\s*<td data-label="Établissement"><span>Établissement B '
                     r'<em>\(vous\)</em>', response.get_data(as_text=True))
    for text in ("39 h 20", "37 h 20 sur site, 2 h 00 à distance", "708,33 €", "350,00 €",
                 "183,33 €", "Établissement B paie 175,00 € à l'établissement Établissement A",
                 "Établissement B paie 183,33 € à l'établissement Établissement C", "21 h 20",
                 "Aucune réunion enregistrée."):
        assert text in page, text
    assert "Publier" not in page and "Actualiser" not in page  # the coordinator's


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


def test_page_is_csp_clean_with_two_accessible_charts(app, world, published):
    raw = client_for(app, world.coordinator).get(f"/bilan/{YEAR}").get_data(as_text=True)
    assert "<script" not in raw and " style=" not in raw
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([^"]+)"', raw)
    assert charts == ["chart-months-title chart-months-desc",
                      "chart-given-title chart-given-desc"]
    assert '<title id="chart-months-title">Heures d&#39;intervention par mois</title>' in raw
    assert raw.count('class="bar-onsite"') == 4 and raw.count('class="bar-remote"') == 1
    assert raw.count('class="bar-given"') == 3 and raw.count('class="bar-received"') == 3
    assert "<caption>Heures par mois, sur site et à distance</caption>" in raw


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


def test_index_lists_years_with_their_status(app, world, published):
    bilan.generate_draft(world.groupement.id, YEAR)  # version 2, a draft
    coordinator = text_of(client_for(app, world.coordinator).get("/bilan/"))
    assert "Brouillon" in coordinator and "(version 1 publiée)" in coordinator
    assert "Générer le brouillon" in coordinator
    director = text_of(client_for(app, world.directors["C"]).get("/bilan/"))
    assert "Publié" in director and "Brouillon" not in director
    assert "Générer le brouillon" not in director


# --- The PDF ------------------------------------------------------------------------

def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) absent")
    path = tmp_path / "bilan.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True).stdout.decode()
    return out.replace("\u00a0", " ").replace("\u202f", " ")


def test_pdf_is_the_page_with_charts_and_page_numbers(app, world, published, tmp_path):
    response = client_for(app, world.directors["B"]).get(f"/bilan/{YEAR}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="bilan-2025-v1.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    for fragment in ("Bilan annuel 2025 — GIC 65", "Heures par mois",
                     "Heures données et reçues", "Établissement B (vous)", "708,33 €",
                     "Page 1 / ", "Sur site", "Aucune réunion enregistrée."):
        assert fragment in text, fragment
    assert "Télécharger le PDF" not in text  # the page's actions are not printed


def test_published_pdf_is_byte_identical_on_every_download(app, world, published):
    client = client_for(app, world.directors["A"])
    first = client.get(f"/bilan/{YEAR}.pdf").data
    assert client.get(f"/bilan/{YEAR}.pdf").data == first
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-isodates", "-"], input=first, check=True,
                              capture_output=True).stdout.decode()
        stamp = published.published_at.isoformat(timespec="seconds") + "Z"
        assert f"CreationDate:    {stamp}" in info and f"ModDate:         {stamp}" in info


def test_draft_pdf_says_it_is_a_draft(app, world, tmp_path):
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    content = client_for(app, world.coordinator).get(f"/bilan/{YEAR}.pdf").data
    assert "Document de travail" in pdf_text(content, tmp_path)


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


def test_published_pdf_is_rendered_once_then_served_as_stored(app, world, published,
                                                               renders):
    director_a, a = client_for(app, world.directors["A"]), world.establishments["A"]
    first = director_a.get(f"/bilan/{YEAR}.pdf").data
    assert len(renders) == 1 and first.startswith(b"%PDF")
    assert stored_pdfs() == [(published.id, a.id, len(first))]
    second = director_a.get(f"/bilan/{YEAR}.pdf")
    assert second.status_code == 200 and second.data == first
    assert len(renders) == 1  # the second download did not render
    # Each direction's copy highlights its establishment: one stored PDF per audience.
    director_b = client_for(app, world.directors["B"])
    copy_b = director_b.get(f"/bilan/{YEAR}.pdf").data
    assert copy_b != first and director_b.get(f"/bilan/{YEAR}.pdf").data == copy_b
    coordinator = client_for(app, world.coordinator).get(f"/bilan/{YEAR}.pdf").data
    assert len(renders) == 3
    assert [audience for _, audience, _ in stored_pdfs()] == sorted(
        [0, a.id, world.establishments["B"].id])
    assert client_for(app, world.coordinator).get(f"/bilan/{YEAR}.pdf").data == coordinator
    assert len(renders) == 3


def test_the_stored_pdf_does_not_depend_on_the_readers_language(app, world, published,
                                                               renders):
    """A reader who chose English gets the same French PDF, not a new rendering."""
    french = client_for(app, world.accountant).get(f"/bilan/{YEAR}.pdf").data
    english = client_for(app, world.accountant)
    english.get("/?lang=en")
    assert english.get(f"/bilan/{YEAR}.pdf").data == french
    assert len(renders) == 1


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


def test_a_new_publication_gets_its_own_pdf_and_the_old_one_stays(app, world, published,
                                                                  renders):
    director = client_for(app, world.directors["A"])
    v1 = director.get(f"/bilan/{YEAR}.pdf").data
    coordinator = client_for(app, world.coordinator)
    assert coordinator.post(f"/bilan/{YEAR}/draft").status_code == 302  # version 2, a draft
    assert director.get(f"/bilan/{YEAR}.pdf").data == v1  # directors still read version 1
    assert coordinator.post(f"/bilan/{YEAR}/publish").status_code == 302
    assert len(renders) == 1
    response = director.get(f"/bilan/{YEAR}.pdf")
    assert 'filename="bilan-2025-v2.pdf"' in response.headers["Content-Disposition"]
    assert response.data != v1 and len(renders) == 2
    assert director.get(f"/bilan/{YEAR}.pdf").data == response.data
    assert director.get(f"/bilan/{YEAR}.pdf?version=1").data == v1
    assert len(renders) == 2
    version_2 = db.session.scalar(select(BilanVersion.id).where(BilanVersion.version == 2))
    a = world.establishments["A"].id
    assert [(v, audience) for v, audience, _ in stored_pdfs()] == [(published.id, a),
                                                                   (version_2, a)]


def test_a_stored_pdf_rendered_from_another_source_is_replaced(app, world, published,
                                                               renders):
    """A new version of the app that prints differently: the stored PDF no longer
    matches its HTML and CSS; it is rendered again and replaces the old one."""
    client = client_for(app, world.directors["A"])
    client.get(f"/bilan/{YEAR}.pdf")
    db.session.execute(update(BilanPdf).values(source_sha256="0" * 64, data=b"%PDF old"))
    db.session.commit()
    fresh = client.get(f"/bilan/{YEAR}.pdf").data
    assert fresh != b"%PDF old" and fresh.startswith(b"%PDF") and len(renders) == 2
    assert len(stored_pdfs()) == 1
    assert db.session.scalar(select(BilanPdf.data)) == fresh
    assert client.get(f"/bilan/{YEAR}.pdf").data == fresh and len(renders) == 2
