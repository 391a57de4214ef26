"""Stored text is always escaped (issue 5, item 3).

Every text a user can store holds ``<script>alert(1)</script>`` or
``"><img src=x onerror=alert(1)>`` behind a label naming the field; each page
that shows it must contain the escaped form and never the raw tag; the PDFs
(bilan, minutes) and the DOCX must print it literally, as text. CSV and XLSX
exports neutralise formulas: see tests/services/test_billing_exports.py.
"""

from __future__ import annotations

import io
import re
from datetime import date, time

import pytest
from docx import Document
from markupsafe import escape

from gic.auth.services import create_token
from gic.extensions import db
from gic.interventions import services
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.reports import services as bilan
from tests.conftest import login
from tests.helpers import hm, pdftotext

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x onerror")  # never in a page
YEAR = 2025

# label -> the stored text; the label says which field holds it.
TEXTS = {
    "est_A": f"EHPAD A {SCRIPT}", "est_B": f"Foyer B {IMG}",
    "tech_A": f"Tech A {IMG}", "dir_B": f"Dir B {SCRIPT}",
    "description": f"Desc {SCRIPT} {IMG}", "notes": f"Notes {IMG}",
    "report": f"Rapport {SCRIPT}", "reason": f"Motif {IMG}",
    "title": f"Titre {SCRIPT}", "agenda": f"Ordre {IMG}", "summary": f"Resume {SCRIPT}",
    "decision": f"Decision {IMG}", "action": f"Action {SCRIPT}", "guest": f"Invite {IMG}",
    "token": f"Jeton {SCRIPT}",
}


class Stored:
    """What :func:`stored` made: ids for the URLs."""

    intervention_id: int
    declined_id: int
    meeting_id: int
    decision_id: int


@pytest.fixture
def stored(world) -> Stored:
    """Everything created through the services with hostile text, 2025 billed,
    minutes finalised, the bilan published."""
    a, b = world.establishments["A"], world.establishments["B"]
    a.name, b.name = TEXTS["est_A"], TEXTS["est_B"]
    world.technicians["A"].name, world.directors["B"].name = TEXTS["tech_A"], TEXTS["dir_B"]
    db.session.commit()
    out = Stored()
    i = services.create_draft(world.technicians["B"], provider_id=a.id, axis=2,
                              nature="incident", description=TEXTS["description"])
    services.activate(i, world.directors["B"])
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    services.log_session(i, world.technicians["A"], day=date(YEAR, 3, 3), start=hm("08:00"),
                         end=hm("16:00"), mode="onsite", notes=TEXTS["notes"])
    services.complete(i, world.technicians["A"], TEXTS["report"])
    services.validate(i, world.directors["B"])
    out.intervention_id = i.id
    declined = services.create_draft(world.technicians["B"], provider_id=a.id, axis=3,
                                     nature="incident", description="Autre panne")
    services.activate(declined, world.directors["B"])
    services.decline(declined, world.directors["A"], TEXTS["reason"])
    out.declined_id = declined.id

    meeting = meetings.plan_meeting(
        world.coordinator, kind="technicians", title=TEXTS["title"], day=date(YEAR, 6, 16),
        start=time(14, 0), duration_minutes=120, place="Salle 2", agenda=[TEXTS["agenda"]],
        invitee_ids=[world.technicians["A"].id, world.directors["B"].id])
    minutes = steps.start_minutes(meeting, world.coordinator)
    steps.update_summary(minutes, world.coordinator, TEXTS["summary"])
    decision = steps.add_decision(minutes, world.coordinator, text=TEXTS["decision"],
                                  needs_unanimity=True)
    steps.add_action(minutes, world.coordinator, text=TEXTS["action"],
                     owner_id=world.technicians["A"].id, due_date=date(2026, 12, 31))
    steps.add_attendee(minutes, world.coordinator, user_id=None, name=TEXTS["guest"],
                       presence="present")
    steps.finalise(minutes, world.coordinator)
    out.meeting_id, out.decision_id = meeting.id, decision.id

    bilan.generate_draft(world.groupement.id, YEAR)
    bilan.publish(world.coordinator, YEAR)
    create_token(world.technicians["A"], TEXTS["token"])
    return out


def escaped(label: str) -> str:
    return str(escape(TEXTS[label]))


def page_of(app, user, url: str) -> str:
    client = app.test_client()
    assert login(client, user).status_code == 302
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


PAGES = [  # (who, url, labels that must be shown, escaped)
    ("dir_B", "/", ["est_B", "dir_B"]),
    ("tech_A", "/", ["est_A", "tech_A"]),
    ("coordinator", "/", ["est_A", "est_B"]),
    ("accountant", "/", []),
    ("dir_B", "/interventions/", ["est_A", "est_B", "tech_A"]),
    ("dir_B", "/interventions/{intervention}", ["est_A", "est_B", "tech_A", "description",
                                                "notes", "report"]),
    ("tech_A", "/interventions/{intervention}", ["description", "notes", "report"]),
    ("dir_B", "/interventions/{declined}", ["reason"]),
    ("coordinator", "/audit/", ["est_A", "est_B", "tech_A", "dir_B", "reason", "token"]),
    ("accountant", "/billing/{year}", ["est_A", "est_B", "tech_A"]),
    ("dir_B", "/billing/{year}", ["est_A", "est_B"]),
    ("coordinator", "/bilan/", []),
    ("coordinator", "/bilan/{year}", ["est_A", "est_B", "title"]),
    ("dir_B", "/bilan/{year}", ["est_A", "est_B", "title"]),
    ("coordinator", "/meetings/", ["title"]),
    ("tech_A", "/meetings/", ["title"]),
    ("coordinator", "/meetings/{meeting}", ["title", "agenda", "tech_A", "dir_B"]),
    ("coordinator", "/meetings/{meeting}/minutes/1", ["title", "summary", "decision",
                                                      "action", "guest", "tech_A"]),
    ("dir_B", "/meetings/{meeting}/minutes/1", ["summary", "decision", "action"]),
    ("dir_B", "/meetings/decisions/{decision}/vote", ["decision"]),
    ("dir_B", "/notifications/", ["title", "description", "est_A", "est_B"]),  # requests' too
    ("coordinator", "/admin/", ["est_A", "est_B", "tech_A", "dir_B"]),
    ("tech_A", "/profile", ["token", "tech_A"]),
]


def user_of(world, who):
    return {"dir_B": world.directors["B"], "tech_A": world.technicians["A"],
            "coordinator": world.coordinator, "accountant": world.accountant}[who]


@pytest.mark.parametrize("who", sorted({who for who, _, _ in PAGES}))
def test_pages_show_stored_markup_escaped_never_raw(app, world, stored, who):
    """One test per reader (the stored world is costly to build): every page of
    PAGES that this reader opens."""
    client = app.test_client()
    assert login(client, user_of(world, who)).status_code == 302
    problems = []
    for reader, url, labels in PAGES:
        if reader != who:
            continue
        url = url.format(intervention=stored.intervention_id, declined=stored.declined_id,
                         meeting=stored.meeting_id, decision=stored.decision_id, year=YEAR)
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/html", url
        page = response.get_data(as_text=True)
        problems += [f"{url}: {raw!r} unescaped" for raw in RAW if raw in page]
        problems += [f"{url}: {label} not shown (escaped)" for label in labels
                     if escaped(label) not in page]
    assert not problems


def test_the_minutes_editing_page_escapes_too(app, world):
    meeting = meetings.plan_meeting(
        world.coordinator, kind="directors", title=TEXTS["title"], day=date(YEAR, 6, 16),
        start=time(9, 0), duration_minutes=60, place="Salle 2", agenda=[TEXTS["agenda"]])
    minutes = steps.start_minutes(meeting, world.coordinator)
    steps.update_summary(minutes, world.coordinator, TEXTS["summary"])
    steps.add_decision(minutes, world.coordinator, text=TEXTS["decision"], needs_unanimity=False)
    steps.add_action(minutes, world.coordinator, text=TEXTS["action"], owner_id=None,
                     due_date=None)
    steps.add_attendee(minutes, world.coordinator, user_id=None, name=TEXTS["guest"],
                       presence="excused")
    page = page_of(app, world.coordinator, f"/meetings/{meeting.id}/minutes/1/edit")
    for raw in RAW:
        assert raw not in page
    for label in ("title", "summary", "decision", "action", "guest"):
        assert escaped(label) in page, label
    edit = page_of(app, world.coordinator, f"/meetings/{meeting.id}/edit")
    assert RAW[0] not in edit and RAW[1] not in edit
    assert escaped("title") in edit and str(escape(TEXTS["agenda"])) in edit


# --- Documents ----------------------------------------------------------------------

def pdf_text(content: bytes) -> str:
    """The PDF's text by ``pdftotext`` (poppler-utils), blanks removed (wrapping)."""
    return re.sub(r"\s+", "", pdftotext(content, layout=False))


def squeezed(label: str) -> str:
    return re.sub(r"\s+", "", TEXTS[label])


def download(app, user, url: str):
    client = app.test_client()
    assert login(client, user).status_code == 302
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_bilan_pdf_prints_the_markup_as_text(app, world, stored):
    response = download(app, world.directors["B"], f"/bilan/{YEAR}.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for label in ("est_A", "est_B", "title"):
        assert squeezed(label) in text, label


def test_minutes_pdf_and_docx_print_the_markup_as_text(app, world, stored):
    base = f"/meetings/{stored.meeting_id}/minutes/1"
    pdf = download(app, world.directors["B"], base + ".pdf")
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    labels = ("title", "summary", "decision", "action", "guest", "agenda", "tech_A")
    missing = [label for label in labels if squeezed(label) not in text]
    assert not missing, missing
    docx = download(app, world.directors["B"], base + ".docx")
    document = Document(io.BytesIO(docx.data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    words = re.sub(r"\s+", "", "".join(paragraphs + cells))
    missing = [label for label in labels if squeezed(label) not in words]
    assert not missing, missing
