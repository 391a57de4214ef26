"""Technical files (SPEC §7): the password detector, safe Markdown, attachment checks,
who may read (access computed at each request), versions, and the bilan figures."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import event, func, select

from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.interventions import services as interventions
from gic.techfiles import services
from gic.techfiles.access import access_to, get_file, log_read
from gic.techfiles.demo_content import rack_pdf
from gic.techfiles.models import (
    ReadKind,
    TechFileAttachment,
    TechFileAttachmentContent,
    TechFileRead,
    TechFileSection,
)
from gic.techfiles.queries import bilan_section
from gic.techfiles.rendering import render
from gic.techfiles.services import PasswordInFile, PasswordSuspected
from gic.techfiles.uploads import MAX_ATTACHMENT_BYTES, check_upload, safe_filename
from tests.helpers import accepted, docx_file, odt_file, session

# The password detector's table of cases is in tests/unit/test_passwords.py.


# --- Markdown: rich text, but no HTML and no script ----------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](<java\tscript:alert(1)>)",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox)",
    "[ref]\n\n[ref]: javascript:alert(2)",
    "<a href='javascript:alert(1)'>a</a>",
    "![x](https://tracker.example/pixel.png)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_never_renders_html_scripts_or_dangerous_links(text):
    html = str(render(text)).lower()
    tags = set(re.findall(r"<([a-z]+)", html))
    assert tags <= {"p", "a"}, tags  # typed HTML stays text: no script, img, svg…
    for href in re.findall(r'href="([^"]*)"', html):
        scheme = re.match(r"^([a-z][a-z0-9+.-]*):", href)
        assert scheme is None or scheme.group(1) in ("http", "https", "mailto"), href
    assert "javascript:" not in re.sub(r"&[a-z]+;|<[^>]*>", "", html) or "<a" not in html


def test_markdown_renders_headings_lists_tables_code_and_safe_links():
    html = str(render("# Titre\n\n- un\n- deux\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                      "```\nipconfig /all\n```\n\n[doc](https://exemple.fr) "
                      "[écrire](mailto:support@exemple.fr)"))
    for part in ("<h1>Titre</h1>", "<li>un</li>", "<table>", "<td>2</td>",
                 "<pre><code>ipconfig /all", '<a href="https://exemple.fr">doc</a>',
                 '<a href="mailto:support@exemple.fr">'):
        assert part in html


# --- Attachments: size, extension and content ------------------------------------------

def _zip(entries: dict[str, bytes], first: tuple[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, first
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


ODT = _zip({"content.xml": b"<office/>"},
           first=("mimetype", b"application/vnd.oasis.opendocument.text"))
DOCX = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
XLSX = _zip({"xl/workbook.xml": b"<x/>"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("plan.pdf", b"%PDF-1.7\n...", "application/pdf"),
    ("baie.PNG", PNG, "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 10, "image/jpeg"),
    ("notes.txt", "Câblage réseau".encode(), "text/plain; charset=utf-8"),
    ("procédure.odt", ODT, "application/vnd.oasis.opendocument.text"),
    ("pra.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml"
                       ".document"),
    ("inventaire.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml"
                              ".sheet"),
])
def test_accepted_files_get_the_content_type_of_their_format(name, data, content_type):
    checked = check_upload(name, data)
    assert checked.content_type == content_type and checked.filename == name


@pytest.mark.parametrize(("name", "data", "message"), [
    ("vide.pdf", b"", "est vide"),
    ("gros.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "dépasse la taille autorisée (5 Mo"),
    ("outil.exe", b"MZ\x90\x00", "Type de fichier refusé"),
    ("page.html", b"<script>alert(1)</script>", "Type de fichier refusé"),
    ("image.svg", b"<svg onload=alert(1)>", "Type de fichier refusé"),
    ("sans-extension", b"%PDF-1.4", "Type de fichier refusé"),
    ("faux.pdf", PNG, "n'est pas un fichier PDF valide"),
    ("faux.png", b"%PDF-1.4", "n'est pas un fichier image PNG valide"),
    ("faux.jpg", b"GIF89a", "n'est pas un fichier image JPEG valide"),
    ("binaire.txt", b"abc\x00def", "n'est pas un fichier texte"),
    ("latin1.txt", "é".encode("latin-1"), "n'est pas un fichier texte"),
    ("archive.docx", _zip({"autre.xml": b"<x/>"}), "n'est pas un fichier document Word"),
    ("faux.odt", DOCX, "n'est pas un fichier texte OpenDocument"),
    ("macros.docx", _zip({"word/document.xml": b"<w/>", "word/vbaProject.bin": b"x"}),
     "contient des macros"),
    ("", b"%PDF-1.4", "Choisissez un fichier"),
])
def test_refused_files_say_why_in_french(name, data, message):
    with pytest.raises(InvalidField, match=re.escape(message)) as refused:
        check_upload(name, data)
    assert refused.value.field == "file"


def test_the_size_limit_is_inclusive():
    assert check_upload("max.pdf", b"%PDF-" + b"0" * (MAX_ATTACHMENT_BYTES - 5))


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\x\\Plan réseau.pdf", "Plan réseau.pdf"),
    ('a"b\r\nc.pdf', "abc.pdf"),
    ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
])
def test_file_names_are_cleaned(given, kept):
    assert safe_filename(given) == kept


def test_the_demo_pdf_is_accepted():
    assert check_upload("plan.pdf", rack_pdf("EHPAD d'Argelès-Gazost", "ehpad")).data


# --- Access: computed at each request, never stored ----------------------------------------

def test_the_assigned_technician_reads_only_while_the_intervention_is_accepted(world):
    b = world.establishments["B"]
    tech_a = world.technicians["A"]
    with pytest.raises(Forbidden):
        get_file(tech_a, b.id)
    i = accepted(world)  # A -> B, assigned to A's technician
    establishment, access = get_file(tech_a, b.id)
    assert access.via.id == i.id and not access.edit and not access.staff
    with pytest.raises(Forbidden):
        get_file(tech_a, b.id, "edit")
    with pytest.raises(Forbidden):
        get_file(tech_a, b.id, "history")
    with pytest.raises(Forbidden):  # only B's file, not C's
        get_file(tech_a, world.establishments["C"].id)
    session(world, i, date(2025, 3, 3), "09:00", "10:00", mode="remote")
    interventions.complete(i, tech_a, "Fait.")
    with pytest.raises(Forbidden):  # ends by itself
        get_file(tech_a, b.id)


def test_a_cancelled_intervention_closes_the_file(world):
    i = accepted(world)
    assert access_to(world.technicians["A"], world.establishments["B"]).read
    interventions.cancel(i, world.directors["B"])
    assert not access_to(world.technicians["A"], world.establishments["B"]).read


def test_another_groupement_gets_404(world, other_world):
    with pytest.raises(NotFound):
        get_file(other_world.directors["X"], world.establishments["B"].id)


# --- Sections: versions, conflicts, passwords ---------------------------------------------

def _body_of(establishment_id, kind):
    return db.session.scalar(select(TechFileSection.body).where(
        TechFileSection.establishment_id == establishment_id, TechFileSection.kind == kind))


def test_every_save_keeps_a_version_and_is_audited(world):
    b, director, tech = world.establishments["B"], world.directors["B"], world.technicians["B"]
    v1 = services.save_section(director, b.id, "servers", "srv-ad01", base_version=0)
    v2 = services.save_section(tech, b.id, "servers", "srv-ad01\nsrv-fic01", base_version=1)
    assert (v1.version, v2.version) == (1, 2)
    assert services.save_section(tech, b.id, "servers", "srv-ad01\r\nsrv-fic01\n",
                                 base_version=2) is None  # unchanged: no version
    _, versions = services.section_history(b, services.section_kind("servers"))
    assert [(v.version, v.author.name, v.body) for v in versions] == [
        (2, "Technicien B", "srv-ad01\nsrv-fic01"), (1, "Direction B", "srv-ad01")]
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.establishment_id == b.id)).all()
    assert actions == ["techfiles.section_save", "techfiles.section_save"]


def test_a_stale_edit_is_refused_and_changes_nothing(world):
    b = world.establishments["B"]
    services.save_section(world.directors["B"], b.id, "rooms", "Salle au sous-sol",
                          base_version=0)
    with pytest.raises(RuleRefused, match="modifiée par Direction B"):
        services.save_section(world.technicians["B"], b.id, "rooms", "Autre texte",
                              base_version=0)
    db.session.rollback()
    assert _body_of(b.id, "rooms") == "Salle au sous-sol"


def test_a_password_is_refused_unless_the_author_confirms_and_that_is_audited(world):
    b, tech = world.establishments["B"], world.technicians["B"]
    text = "Connexion au VPN\nmot de passe : Xk9!pL2q"
    with pytest.raises(PasswordSuspected) as refused:
        services.save_section(tech, b.id, "remote_access", text, base_version=0)
    assert [f.line for f in refused.value.findings] == [2]
    assert "la ligne 2 semble contenir un mot de passe" in refused.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TechFileSection)) == 0
    version = services.save_section(tech, b.id, "remote_access", text, base_version=0,
                                    confirm_no_password=True)
    assert version.no_password_confirmed
    confirmed = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "techfiles.no_password_confirmed")).one()
    assert confirmed.actor_id == tech.id and confirmed.after["lignes signalées"] == [2]


@pytest.mark.parametrize("who", ["dir_A", "tech_A", "coordinator", "accountant"])
def test_only_the_establishments_director_and_technicians_edit(world, who):
    i = accepted(world)
    assert i.technician_id == world.technicians["A"].id
    user = {"dir_A": world.directors["A"], "tech_A": world.technicians["A"],
            "coordinator": world.coordinator, "accountant": world.accountant}[who]
    with pytest.raises(Forbidden):
        services.save_section(user, world.establishments["B"].id, "servers", "x",
                              base_version=0)


def test_the_director_erases_a_past_version_not_the_current_one(world):
    b, director, tech = world.establishments["B"], world.directors["B"], world.technicians["B"]
    services.save_section(tech, b.id, "servers", "admin / Adm1n2024!", base_version=0,
                          confirm_no_password=True)
    services.save_section(tech, b.id, "servers", "voir le coffre-fort", base_version=1)
    with pytest.raises(Forbidden):
        services.purge_version(tech, b.id, "servers", 1)
    with pytest.raises(RuleRefused, match="version en cours"):
        services.purge_version(director, b.id, "servers", 2)
    erased = services.purge_version(director, b.id, "servers", 1)
    assert erased.body == "" and erased.purged_by_id == director.id
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "techfiles.version_purge")) == 1


# --- Attachments: stored apart, nothing kept when refused ----------------------------------

def test_attachments_are_stored_apart_and_deleting_erases_the_bytes(world):
    b, tech = world.establishments["B"], world.technicians["B"]
    with pytest.raises(InvalidField):
        services.add_attachment(tech, b.id, filename="virus.exe", data=b"MZ")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TechFileAttachment)) == 0
    attachment = services.add_attachment(tech, b.id, filename="plan.pdf", data=b"%PDF-1.4 x",
                                         description="Plan de la salle")
    assert services.attachment_data(attachment) == b"%PDF-1.4 x"
    assert [a.filename for a in services.attachments_of(b.id)] == ["plan.pdf"]
    accepted(world)
    with pytest.raises(Forbidden):  # the visiting technician reads, never deletes
        services.delete_attachment(world.technicians["A"], b.id, attachment.id)
    services.delete_attachment(world.directors["B"], b.id, attachment.id)
    assert db.session.get(TechFileAttachmentContent, attachment.id) is None
    assert services.attachments_of(b.id) == []
    with pytest.raises(NotFound):
        services.get_attachment(b, attachment.id)


def test_a_description_with_a_password_is_refused(world):
    b = world.establishments["B"]
    with pytest.raises(InvalidField, match="mot de passe") as refused:
        services.add_attachment(world.technicians["B"], b.id, filename="a.pdf",
                                data=b"%PDF-1.4", description="mdp : Xk9!pL2q")
    assert refused.value.field == "description"


SECRET_FILES = {  # the same note, as text, DOCX and ODT: the password on the line after
    "acces-nas.txt": "Accès au NAS\nMot de passe :\nAdm1n2024!\n".encode(),
    "acces-nas.docx": docx_file(["Accès au NAS", "Mot de passe :", "Adm1n2024!"]),
    "acces-nas.odt": odt_file("<text:p>Accès au NAS</text:p><text:p>Mot de passe :</text:p>"
                              "<text:p>Adm1n2024!</text:p>"),
}


@pytest.mark.parametrize("name", sorted(SECRET_FILES))
def test_an_attached_file_with_a_password_is_refused_unless_the_author_confirms(world, name):
    b, tech = world.establishments["B"], world.technicians["B"]
    with pytest.raises(PasswordInFile) as refused:
        services.add_attachment(tech, b.id, filename=name, data=SECRET_FILES[name])
    assert refused.value.field == "file" and [f.line for f in refused.value.findings] == [3]
    unit = "ligne" if name.endswith(".txt") else "paragraphe"
    assert refused.value.message.startswith(
        f"Fichier non joint : « {name} » semble contenir un mot de passe ({unit} 3).")
    assert "Adm1n2024" not in refused.value.findings[0].excerpt
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TechFileAttachment)) == 0
    attachment = services.add_attachment(tech, b.id, filename=name, data=SECRET_FILES[name],
                                         confirm_no_password=True)
    assert attachment.no_password_confirmed
    confirmed = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "techfiles.no_password_confirmed")).one()
    assert confirmed.actor_id == tech.id
    assert confirmed.after == {"fichier": name, "passages signalés": [3]}


def test_a_docx_table_with_a_filled_password_column_is_refused(world):
    data = docx_file(["Comptes des serveurs"],
                     table=[["Serveur", "Compte", "Mot de passe"],
                            ["srv-ad01", "admin", "Passw0rd!"]])
    with pytest.raises(PasswordInFile):
        services.add_attachment(world.directors["B"], world.establishments["B"].id,
                                filename="comptes.docx", data=data)


def test_a_document_without_password_is_attached_without_warning(world):
    data = docx_file(["Postes : image Win10-Pro-x64, numéro de série 5CD1234XYZ",
                      "Changer le mot de passe tous les 90 jours.",
                      "Mot de passe : voir le coffre-fort KeePass"])
    attachment = services.add_attachment(world.technicians["B"], world.establishments["B"].id,
                                         filename="postes.docx", data=data)
    assert not attachment.no_password_confirmed
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "techfiles.no_password_confirmed")) == 0


def test_a_file_full_of_passwords_names_ten_places(world):
    data = "\n".join(f"mdp serveur {n} : Adm1n{n}!" for n in range(40)).encode()
    with pytest.raises(PasswordInFile) as refused:
        services.add_attachment(world.technicians["B"], world.establishments["B"].id,
                                filename="tout.txt", data=data)
    assert len(refused.value.findings) == 10
    assert "(lignes 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 …)" in refused.value.message


# --- The bilan: fixed number of grouped queries --------------------------------------------

def test_bilan_section_counts_per_establishment_and_for_the_groupement(app, world):
    b, c = world.establishments["B"], world.establishments["C"]
    director = world.directors["B"]
    for kind in ("remote_access", "servers", "rooms", "procedures", "recovery", "other"):
        services.save_section(director, b.id, kind, f"Texte {kind}", base_version=0)
    services.save_section(world.directors["C"], c.id, "servers", "srv", base_version=0)
    services.add_attachment(director, b.id, filename="p.pdf", data=b"%PDF-1.4")
    i = accepted(world)
    _, access = get_file(world.technicians["A"], b.id)
    log_read(world.technicians["A"], b, access, ReadKind.FILE)
    log_read(director, b, get_file(director, b.id)[1], ReadKind.FILE)
    year = db.session.scalar(select(func.max(TechFileRead.at))).year
    gid = world.groupement.id
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        section = bilan_section(gid, year)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 5
    rows = {r["establishment_id"]: r for r in section["establishments"]}
    assert rows[b.id] == {"establishment_id": b.id, "sections_filled": 5, "versions_saved": 6,
                          "attachments_added": 1, "reads_staff": 1, "reads_external": 1}
    assert rows[c.id]["sections_filled"] == 1 and rows[world.establishments["A"].id][
        "reads_staff"] == 0
    assert section["files_complete"] == 1 and section["sections_total"] == 5
    assert section["totals"]["versions_saved"] == 7
    assert section["totals"]["reads_external"] == 1
    assert db.session.scalar(select(TechFileRead.intervention_id).where(
        TechFileRead.reader_id == world.technicians["A"].id)) == i.id
    last_year = bilan_section(world.groupement.id, year - 1)
    assert last_year["totals"] == {"sections_filled": 0, "versions_saved": 0,
                                   "attachments_added": 0, "reads_staff": 0,
                                   "reads_external": 0}
