"""The bilan pages of a published year (2025, published once for the whole file): who
reads it, what the page and its PDF show, and the PDF stored once per audience."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select, update

from gic.extensions import db
from gic.reports import services as bilan
from gic.reports.models import BilanPdf, BilanVersion
from tests.conftest import client_for, worlds_built_once
from tests.helpers import pdftotext
from tests.services.test_bilan import YEAR, build_2025
from tests.views.test_bilan_views import USERS, stored_pdfs, text_of, user_of
from tests.views.test_bilan_views import renders as renders  # noqa: PLC0414 (the fixture)


def _publish(world) -> dict[str, int]:
    """2025 built through the services, its draft generated and published (version 1)."""
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    return {"published": bilan.publish(world.coordinator, YEAR).id}


base, world, other_world, extra = worlds_built_once(_publish)


@pytest.fixture
def published(world, extra) -> BilanVersion:
    return db.session.get(BilanVersion, extra["published"])


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




def test_index_lists_years_with_their_status(app, world, published):
    bilan.generate_draft(world.groupement.id, YEAR)  # version 2, a draft
    coordinator = text_of(client_for(app, world.coordinator).get("/bilan/"))
    assert "Brouillon" in coordinator and "(version 1 publiée)" in coordinator
    assert "Générer le brouillon" in coordinator
    director = text_of(client_for(app, world.directors["C"]).get("/bilan/"))
    assert "Publié" in director and "Brouillon" not in director
    assert "Générer le brouillon" not in director




def test_pdf_is_the_page_with_charts_and_page_numbers(app, world, published):
    response = client_for(app, world.directors["B"]).get(f"/bilan/{YEAR}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="bilan-2025-v1.pdf"' in response.headers["Content-Disposition"]
    text = pdftotext(response.data)
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

