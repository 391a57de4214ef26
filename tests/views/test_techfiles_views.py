"""Technical file pages: who reads (table of roles), the read log, editing with the
password warning and the preview, attachments over HTTP, hostile Markdown."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from flask import render_template_string
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from gic.extensions import db
from gic.interventions import services as interventions
from gic.models import Role
from gic.techfiles import services
from gic.techfiles.models import (
    TechFileAttachment,
    TechFileAttachmentContent,
    TechFileRead,
    TechFileSection,
)
from tests.conftest import add_user, login
from tests.helpers import accepted, docx_file, session

SECRET = "Rubrique-confidentielle-de-B"
PDF = b"%PDF-1.4\n% plan\n"


@pytest.fixture
def file_b(world):
    """B's file with one section and one attachment, an accepted A -> B intervention
    assigned to A's technician, and a second technician of A (not assigned)."""
    b = world.establishments["B"]
    services.save_section(world.directors["B"], b.id, "servers", f"## Serveurs\n{SECRET}",
                          base_version=0)
    attachment = services.add_attachment(world.technicians["B"], b.id,
                                         filename="Plan réseau.pdf", data=PDF)
    intervention = accepted(world)
    other_tech = add_user(world.groupement, "tech2.a@gic65.test", Role.TECHNICIAN,
                          world.establishments["A"], "Second technicien A")
    b_coordinator = add_user(world.groupement, "coord.b@gic65.test", Role.COORDINATOR,
                             b, "Coordination rattachée à B")
    db.session.commit()
    return {"b": b, "attachment": attachment, "intervention": intervention,
            "other_tech": other_tech, "b_coordinator": b_coordinator}


def _user(world, other_world, file_b, who):
    return {"tech_B": world.technicians["B"], "dir_B": world.directors["B"],
            "coord_of_B": file_b["b_coordinator"], "assigned_tech_A": world.technicians["A"],
            "other_tech_A": file_b["other_tech"], "dir_A": world.directors["A"],
            "tech_C": world.technicians["C"], "coordinator": world.coordinator,
            "accountant": world.accountant, "other_groupement": other_world.directors["X"],
            }[who]


# who -> (file page, download, edit page, read log)
PERMISSIONS = {
    "tech_B": (200, 200, 200, 403),
    "dir_B": (200, 200, 200, 200),
    "coord_of_B": (200, 200, 403, 403),  # belongs to B: reads, does not edit
    "assigned_tech_A": (200, 200, 403, 403),
    "other_tech_A": (403, 403, 403, 403),
    "dir_A": (403, 403, 403, 403),
    "tech_C": (403, 403, 403, 403),
    "coordinator": (403, 403, 403, 403),
    "accountant": (403, 403, 403, 403),
    "other_groupement": (404, 404, 404, 404),
}


@pytest.mark.parametrize("who", PERMISSIONS)
def test_who_may_read_edit_and_see_the_read_log(client, world, other_world, file_b, who):
    user = _user(world, other_world, file_b, who)
    login(client, user)
    b = file_b["b"]
    urls = (f"/techfiles/{b.id}", f"/techfiles/{b.id}/attachments/{file_b['attachment'].id}",
            f"/techfiles/{b.id}/servers/edit", f"/techfiles/{b.id}/reads")
    answers = [client.get(url) for url in urls]
    assert tuple(a.status_code for a in answers) == PERMISSIONS[who]
    page = answers[0].get_data(as_text=True)
    assert (SECRET in page) == (answers[0].status_code == 200)
    if answers[0].status_code == 403:
        assert "est confidentiel" in page
    reads = db.session.scalar(select(func.count()).select_from(TechFileRead).where(
        TechFileRead.reader_id == user.id))
    assert reads == sum(1 for a in answers[:3] if a.status_code == 200)


def test_anonymous_visitors_go_to_the_login_page(client, file_b):
    answer = client.get(f"/techfiles/{file_b['b'].id}")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_access_of_the_assigned_technician_ends_with_the_intervention(client, world, file_b):
    b, i, tech = file_b["b"], file_b["intervention"], world.technicians["A"]
    login(client, tech)
    detail = client.get(f"/interventions/{i.id}").get_data(as_text=True)
    assert f'href="/techfiles/{b.id}"' in detail
    assert "Dossier technique : Établissement B" in detail
    index = client.get("/techfiles/").get_data(as_text=True)
    assert "Accès temporaires" in index and f"Demande n°\u00a0{i.id}" in index
    assert client.get(f"/techfiles/{b.id}").status_code == 200
    session(world, i, date(2025, 3, 3), "09:00", "10:00", mode="remote")
    interventions.complete(i, tech, "Serveur redémarré.")
    assert client.get(f"/techfiles/{b.id}").status_code == 403
    assert client.get(f"/techfiles/{b.id}/attachments/{file_b['attachment'].id}"
                      ).status_code == 403
    assert f'href="/techfiles/{b.id}"' not in client.get(f"/interventions/{i.id}").get_data(
        as_text=True)
    assert "Aucun accès temporaire" in client.get("/techfiles/").get_data(as_text=True)


def test_every_read_is_logged_and_shown_to_the_owning_director(client, world, file_b):
    b, i = file_b["b"], file_b["intervention"]
    login(client, world.technicians["A"])
    client.get(f"/techfiles/{b.id}")
    client.get(f"/techfiles/{b.id}/attachments/{file_b['attachment'].id}")
    rows = db.session.execute(select(TechFileRead.kind, TechFileRead.intervention_id,
                                     TechFileRead.attachment_id)
                              .order_by(TechFileRead.id)).all()
    assert rows == [("file", i.id, None), ("attachment", i.id, file_b["attachment"].id)]
    client.post("/logout")
    login(client, world.directors["B"])
    page = client.get(f"/techfiles/{b.id}/reads").get_data(as_text=True)
    assert "Journal des consultations" in page
    assert page.index("Pièce jointe «\u00a0Plan réseau.pdf\u00a0» téléchargée") < page.index(
        "Dossier consulté")  # newest first
    assert "Technicien A" in page and "Établissement A" in page
    assert f'href="/interventions/{i.id}">Demande n°\u00a0{i.id}</a>' in page
    assert "2 consultations" in page  # the director's own visit to the log is not a read


def test_the_read_log_is_paginated(client, world, file_b):
    b, director = file_b["b"], world.directors["B"]
    db.session.add_all(TechFileRead(groupement_id=b.groupement_id, establishment_id=b.id,
                                    reader_id=director.id, kind="file") for _ in range(31))
    db.session.commit()
    login(client, director)
    first = client.get(f"/techfiles/{b.id}/reads").get_data(as_text=True)
    assert "Page 1 sur 2" in first and first.count("Dossier consulté") == 30
    second = client.get(f"/techfiles/{b.id}/reads?page=2").get_data(as_text=True)
    assert second.count("Dossier consulté") == 1


def test_the_intervention_page_offers_no_link_to_others(client, world, file_b):
    login(client, world.directors["A"])
    page = client.get(f"/interventions/{file_b['intervention'].id}").get_data(as_text=True)
    assert "/techfiles/" not in page.split("<main", 1)[1]


# --- Editing ---------------------------------------------------------------------------

def _edit(client, b, body, *, base="1", kind="servers", **extra):
    return client.post(f"/techfiles/{b.id}/{kind}/edit",
                       data={"body": body, "base_version": base, **extra})


def test_the_preview_renders_without_saving(client, world, file_b):
    b = file_b["b"]
    login(client, world.technicians["B"])
    answer = _edit(client, b, "# Salle\n\n| Baie | Lieu |\n|---|---|\n| B1 | sous-sol |",
                   preview="1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Aperçu" in page and "<td>sous-sol</td>" in page
    assert "# Salle" in page  # the text stays in the form
    warned = _edit(client, b, "pwd : toto", preview="1").get_data(as_text=True)
    assert "Attention : la ligne 1 semble contenir un mot de passe" in warned
    assert 'name="confirm_no_password"' in warned
    assert db.session.scalar(select(TechFileSection.version)) == 1


def test_a_password_is_not_saved_until_the_author_confirms(client, world, file_b):
    b, tech = file_b["b"], world.technicians["B"]
    login(client, tech)
    text = "Accès VPN\nmdp : Adm1n-2024"
    answer = _edit(client, b, text, save="1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "la ligne 2 semble contenir un mot de passe" in page
    assert "Ligne 2 : <code>mdp : •••</code>" in page
    assert "mdp : Adm1n-2024</textarea>" in page  # kept for rephrasing
    assert "Je confirme que ce texte ne contient aucun mot de passe" in page
    assert SECRET in db.session.scalar(select(TechFileSection.body))  # unchanged
    answer = _edit(client, b, text, save="1", confirm_no_password="y")
    assert answer.status_code == 302
    assert db.session.scalar(select(TechFileSection.body)) == text


def test_a_stale_form_is_refused_with_the_text_kept(client, world, file_b):
    b = file_b["b"]
    login(client, world.technicians["B"])
    answer = _edit(client, b, "Mon texte à moi", base="0", save="1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "a été modifiée par Direction B" in page
    assert "Mon texte à moi</textarea>" in page


def test_hostile_markdown_is_shown_as_text(client, world, file_b):
    b = file_b["b"]
    login(client, world.directors["B"])
    hostile = ("<script>alert('x')</script>\n\n[clic](javascript:alert(1))\n\n"
               "<img src=x onerror=alert(1)>")
    assert _edit(client, b, hostile, save="1").status_code == 302
    page = client.get(f"/techfiles/{b.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page and "<script>alert" not in page
    assert 'href="javascript' not in page and "<img src=x" not in page


def test_history_lists_versions_for_the_staff(client, world, file_b):
    b = file_b["b"]
    login(client, world.technicians["B"])
    assert _edit(client, b, "srv-ad01", save="1").status_code == 302
    page = client.get(f"/techfiles/{b.id}/servers/history").get_data(as_text=True)
    assert "Direction B" in page and "Technicien B" in page and "en cours" in page
    old = client.get(f"/techfiles/{b.id}/servers/versions/1").get_data(as_text=True)
    assert SECRET in old
    assert client.get(f"/techfiles/{b.id}/servers/versions/9").status_code == 404


# --- Attachments over HTTP -------------------------------------------------------------------

def _upload(client, b, name: str, data: bytes, description: str = "", **fields):
    """POST a file; the test client's on-disk body of a large upload is closed after."""
    environ = EnvironBuilder(path=f"/techfiles/{b.id}/attachments/new", method="POST", data={
        "file": (io.BytesIO(data), name), "description": description, **fields}).get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()


def test_upload_then_download_with_safe_headers(client, world, file_b):
    b = file_b["b"]
    login(client, world.technicians["B"])
    answer = _upload(client, b, "Baie B1 (vue).png", b"\x89PNG\r\n\x1a\n0000", "Photo de la baie")
    assert answer.status_code == 302
    attachment = db.session.scalars(select(TechFileAttachment).where(
        TechFileAttachment.filename == "Baie B1 (vue).png")).one()
    download = client.get(f"/techfiles/{b.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == b"\x89PNG\r\n\x1a\n0000"
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == 'attachment; filename="Baie B1 (vue).png"'
    assert "sandbox" in download.headers["Content-Security-Policy"]
    accented = client.get(f"/techfiles/{b.id}/attachments/{file_b['attachment'].id}")
    assert accented.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''Plan%20r%C3%A9seau.pdf" in accented.headers["Content-Disposition"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("script.html", b"<script>", "Type de fichier refusé"),
    ("faux.pdf", b"MZ\x90\x00", "n&#39;est pas un fichier PDF valide"),
    ("gros.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "dépasse la taille autorisée"),
])
def test_refused_uploads_store_nothing(client, world, file_b, name, data, message):
    b = file_b["b"]
    login(client, world.directors["B"])
    answer = _upload(client, b, name, data, "essai")
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert 'value="essai"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TechFileAttachment)) == 1
    assert db.session.scalar(select(func.count()).select_from(TechFileAttachmentContent)) == 1


def test_a_document_with_a_password_is_attached_only_once_confirmed(client, world, file_b):
    b = file_b["b"]
    login(client, world.technicians["B"])
    data = docx_file(["Accès au NAS", "MDP NAS Adm1n2024!"])
    answer = _upload(client, b, "nas.docx", data, "Accès NAS")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Fichier non joint : « nas.docx » semble contenir un mot de passe" in html.unescape(page)
    assert "Paragraphe 2 : <code>MDP NAS •••</code>" in page and "Adm1n2024" not in page
    assert 'name="confirm_no_password"' in page and 'value="Accès NAS"' in page
    assert db.session.scalar(select(func.count()).select_from(TechFileAttachment)) == 1
    answer = _upload(client, b, "nas.docx", data, "Accès NAS", confirm_no_password="y")
    assert answer.status_code == 302
    view = client.get(f"/techfiles/{b.id}").get_data(as_text=True)
    assert "nas.docx" in view
    assert "joint malgré l'avertissement : absence de mot de passe confirmée" in view


def test_deleting_an_attachment_removes_it_from_the_file(client, world, file_b):
    b, attachment = file_b["b"], file_b["attachment"]
    login(client, world.directors["B"])
    answer = client.post(f"/techfiles/{b.id}/attachments/{attachment.id}/delete")
    assert answer.status_code == 302
    assert "Plan réseau.pdf" not in client.get(f"/techfiles/{b.id}").get_data(as_text=True)
    assert client.get(f"/techfiles/{b.id}/attachments/{attachment.id}").status_code == 404


# --- Index ------------------------------------------------------------------------------

def test_the_coordinator_sees_how_complete_each_file_is_not_its_content(client, world, file_b):
    login(client, world.coordinator)
    page = client.get("/techfiles/").get_data(as_text=True)
    assert "Dossiers du groupement" in page and SECRET not in page
    row = re.search(r"Établissement B</td>(.*?)</tr>", page, re.S).group(1)
    assert "1 / 5" in row and ">1</td>" in row


def test_the_director_finds_his_file_and_its_read_log(client, world, file_b):
    login(client, world.directors["B"])
    page = client.get("/techfiles/").get_data(as_text=True)
    assert "Votre établissement : Établissement B" in page
    assert f"/techfiles/{file_b['b'].id}/reads" in page
    assert "1 / 5 rubriques renseignées · 1 pièce jointe" in page


def test_the_bilan_partial_renders_the_section(app, world, file_b):
    from gic.techfiles.queries import bilan_section
    b = file_b["b"]
    year = db.session.scalar(select(func.max(TechFileSection.updated_at))).year
    names = {e.id: e.name for e in world.establishments.values()}
    with app.test_request_context():
        html = render_template_string('{% include "techfiles/_bilan.html" %}',
                                      section=bilan_section(b.groupement_id, year), names=names)
    row = re.search(r"Établissement B</td>(.*?)</tr>", html, re.S).group(1)
    assert "1 / 5" in row and "Dossiers techniques" in html and "style=" not in html


def test_an_attachment_of_another_file_is_not_found_before_any_refusal(client, world,
                                                                        other_world, file_b):
    """SPEC §8: another groupement's attachment, named under a file the user may not
    read, is 404 (it was 403: the file's refusal came first); so is B's attachment
    named under A's file, even for A's director."""
    x = other_world.establishments["X"]
    theirs = services.add_attachment(other_world.technicians["X"], x.id,
                                     filename="Plan X.pdf", data=PDF)
    db.session.commit()
    b, mine = file_b["b"], file_b["attachment"]
    a = world.establishments["A"]
    login(client, world.directors["A"])  # may not read B's file
    assert client.get(f"/techfiles/{b.id}/attachments/{mine.id}").status_code == 403
    for url in (f"/techfiles/{b.id}/attachments/{theirs.id}",
                f"/techfiles/{a.id}/attachments/{theirs.id}",
                f"/techfiles/{a.id}/attachments/{mine.id}"):
        assert client.get(url).status_code == 404, url
        assert client.post(url + "/delete").status_code == 404, url
    assert db.session.get(TechFileAttachment, theirs.id).deleted_at is None
