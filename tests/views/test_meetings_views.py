"""Meetings pages through the web client: who may plan and read, the minutes'
editing and read-only state, votes, and the .ics / PDF / DOCX files."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time

import pytest
from docx import Document
from sqlalchemy import event, func, select

from gic.extensions import db
from gic.meetings import minutes as steps
from gic.meetings import services, votes
from gic.meetings.models import Decision, Meeting, Minutes, Vote
from gic.notifications.models import Notification
from tests.conftest import PASSWORD, client_for, csrf_login, csrf_token
from tests.helpers import accepted, session
from tests.helpers import visible_text as text_of

PAST = date(2026, 11, 2)
FUTURE = date(2026, 12, 1)


def plan(world, kind="technicians", day=FUTURE, **extra):
    values = {"title": None, "start": time(14, 0), "duration_minutes": 120,
              "place": "Salle du conseil"}
    values.update(extra)
    return services.plan_meeting(world.coordinator, kind=kind, day=day, **values)


def person(world, who):
    return {None: None, "technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[who]


FORM = {"kind": "technicians", "title": "Réunion de printemps", "day": "2026-12-10",
        "start": "14:00", "duration_minutes": "2:00", "place": "EPAS 65, salle 2",
        "video_url": "", "agenda": "Sauvegardes\nAntivirus"}


# --- Who may plan ---------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("technician", 403), ("director", 403), ("accountant", 403),
    ("coordinator", 200),
])
def test_who_may_plan(app, world, who, status):
    client = client_for(app, person(world, who))
    assert client.get("/meetings/new").status_code == status
    response = client.post("/meetings/new", data=FORM)
    assert response.status_code == (302 if who in (None, "coordinator") else 403)
    planned = db.session.scalar(select(func.count(Meeting.id)))
    assert planned == (1 if who == "coordinator" else 0)
    if who == "coordinator":
        meeting = db.session.scalar(select(Meeting))
        assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
        assert [i.text for i in meeting.agenda] == ["Sauvegardes", "Antivirus"]
        assert len(meeting.invitees) == 3  # default: every technician
        page = text_of(client.get(f"/meetings/{meeting.id}"))
        assert "Réunion de printemps" in page and "1 décembre" not in page
        assert "10 décembre 2026 à 14:00" in page and "Technicien B" in page


def test_refusal_shown_on_the_field(app, world):
    client = client_for(app, world.coordinator)
    response = client.post("/meetings/new", data=dict(FORM, place="", video_url=""))
    assert response.status_code == 422
    assert "Indiquez un lieu ou un lien de visioconférence." in text_of(response)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_chosen_invitees(app, world):
    client = client_for(app, world.coordinator)
    client.post("/meetings/new", data=dict(FORM, kind="directors", invitees=[
        str(world.directors["A"].id), str(world.accountant.id)]))
    meeting = db.session.scalar(select(Meeting))
    assert {i.user_id for i in meeting.invitees} == {world.directors["A"].id, world.accountant.id}
    assert db.session.scalar(select(func.count(Notification.id))) == 2


# --- Who may read ---------------------------------------------------------------

@pytest.mark.parametrize(("who", "technicians", "directors"), [
    ("technician", 200, 404), ("director", 200, 200), ("accountant", 404, 404),
    ("coordinator", 200, 200),
])
def test_who_reads_which_meeting(app, world, who, technicians, directors):
    tech = plan(world, title="Réunion T")
    dirs = plan(world, kind="directors", title="Réunion D")
    client = client_for(app, person(world, who))
    assert client.get(f"/meetings/{tech.id}").status_code == technicians
    assert client.get(f"/meetings/{dirs.id}").status_code == directors
    assert client.get(f"/meetings/{dirs.id}.ics").status_code == directors
    listing = text_of(client.get("/meetings/"))
    assert ("Réunion T" in listing) == (technicians == 200)
    assert ("Réunion D" in listing) == (directors == 200)


def test_an_invited_accountant_reads_the_meeting(app, world):
    meeting = plan(world, invitee_ids=[world.accountant.id])
    assert client_for(app, world.accountant).get(f"/meetings/{meeting.id}").status_code == 200


def test_other_groupement_gets_404_everywhere(app, world, other_world):
    meeting = plan(world, day=PAST)
    minutes = steps.start_minutes(meeting, world.coordinator)
    steps.finalise(minutes, world.coordinator)
    decision_id = None
    client = client_for(app, other_world.coordinator)
    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}.ics",
                f"/meetings/{meeting.id}/edit", f"/meetings/{meeting.id}/minutes/1",
                f"/meetings/{meeting.id}/minutes/1.pdf", f"/meetings/{meeting.id}/minutes/1.docx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/meetings/{meeting.id}/minutes").status_code == 404
    assert client.post(f"/meetings/{meeting.id}/status", data={"status": "held"}).status_code == 404
    assert decision_id is None
    assert "Réunion des techniciens" not in text_of(client.get("/meetings/"))


def test_coordinator_sees_the_count_of_technicians_meetings(app, world):
    plan(world, day=date(2026, 2, 1))
    plan(world, kind="directors")
    page = text_of(client_for(app, world.coordinator).get("/meetings/"))
    assert "Réunions de techniciens prévues cette année : 1 / 3" in page
    assert "prévues cette année" not in text_of(
        client_for(app, world.directors["A"]).get("/meetings/"))


def _queries(client, url) -> int:
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counter["n"]


def test_pages_do_not_query_more_with_more_meetings(app, world):
    def meeting_with_minutes(day):
        meeting = plan(world, day=day)
        minutes = steps.start_minutes(meeting, world.coordinator)
        for n in range(3):
            steps.add_decision(minutes, world.coordinator, text=f"D{n}", needs_unanimity=True)
            steps.add_action(minutes, world.coordinator, text=f"A{n}", owner_id=None,
                             due_date=None)
        steps.finalise(minutes, world.coordinator)
        return meeting

    client = client_for(app, world.directors["A"])
    first = meeting_with_minutes(date(2026, 1, 5))
    plan(world, day=date(2026, 12, 5))
    few = _queries(client, "/meetings/")
    one = _queries(client, f"/meetings/{first.id}/minutes/1")
    for month in range(2, 10):
        meeting_with_minutes(date(2026, month, 5))
        plan(world, day=date(2027, month, 5))
    assert _queries(client, "/meetings/") == few
    last = db.session.scalar(select(Meeting).order_by(Meeting.starts_at.desc()).where(
        Meeting.starts_at < datetime(2026, 11, 1)))
    assert _queries(client, f"/meetings/{last.id}/minutes/1") == one


# --- Minutes pages ---------------------------------------------------------------

def test_drafts_are_the_coordinators_finalised_minutes_everyone_invited(app, world):
    meeting = plan(world, day=PAST)
    steps.start_minutes(meeting, world.coordinator)
    url = f"/meetings/{meeting.id}/minutes/1"
    assert client_for(app, world.coordinator).get(url).status_code == 200
    for user in (world.directors["B"], world.technicians["A"]):
        assert client_for(app, user).get(url).status_code == 404
    steps.finalise(meeting.minutes[0], world.coordinator)
    for user in (world.directors["B"], world.technicians["A"]):
        assert client_for(app, user).get(url).status_code == 200


def test_web_flow_edit_then_finalise_then_read_only(app, world):
    i = accepted(world, "A", "B")
    session(world, i, date(2026, 10, 5), "08:00", "16:00")
    meeting = plan(world, day=PAST)
    client = client_for(app, world.coordinator)
    response = client.post(f"/meetings/{meeting.id}/minutes")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/meetings/{meeting.id}/minutes/1/edit")
    base = f"/meetings/{meeting.id}/minutes/1"
    page = text_of(client.get(base + "/edit"))
    assert "Activité du 1er janvier 2026 au 2 novembre 2026" in page
    assert "Aucun matériel prêté non rendu au 2 novembre 2026" in page and "8 h 00" in page
    minutes = db.session.scalar(select(Minutes))
    first = minutes.attendance[0]
    assert client.post(base + "/presences", data={f"presence_{a.id}": "present"
                                                  for a in minutes.attendance}
                       | {f"presence_{first.id}": "excused"}).status_code == 302
    assert client.post(base + "/edit", data={"summary": "Tour de table."}).status_code == 302
    assert client.post(base + "/decisions", data={"text": "Renouveler la convention",
                                                  "needs_unanimity": "y"}).status_code == 302
    assert client.post(base + "/actions", data={
        "text": "Mettre à jour l'inventaire", "owner_id": str(world.technicians["B"].id),
        "due_date": "2026-12-15"}).status_code == 302
    bad = client.post(base + "/actions", data={"text": "", "owner_id": ""})
    assert bad.status_code == 422 and "Décrivez l'action." in text_of(bad)
    page = text_of(client.get(base))
    assert "Excusé" in page and "Tour de table." in page
    assert "Renouveler la convention" in page and "en attente" in page
    assert "Mettre à jour l'inventaire" in page and "15 décembre 2026" in page
    assert client.post(base + "/finalise").status_code == 302
    # Read-only now: editing answers 409 and changes nothing.
    assert client.get(base + "/edit").status_code == 409
    refused = client.post(base + "/decisions", data={"text": "Encore une"})
    assert refused.status_code == 409 and "est finalisé" in text_of(refused)
    assert client.post(base + "/edit", data={"summary": "Réécrit"}).status_code == 409
    assert db.session.scalar(select(func.count(Decision.id))) == 1
    db.session.expire_all()
    assert db.session.scalar(select(Minutes.summary)) == "Tour de table."
    # « Nouvelle version »: version 2 is a draft copy, version 1 stays readable.
    assert client.post(f"/meetings/{meeting.id}/minutes").status_code == 302
    detail = text_of(client.get(f"/meetings/{meeting.id}"))
    assert "Version 1" in detail and "Version 2" in detail and "brouillon" in detail
    assert client.get(f"/meetings/{meeting.id}/minutes/2/edit").status_code == 200
    assert client.get(base).status_code == 200


def test_someone_else_editing_gets_403(app, world):
    meeting = plan(world, kind="directors", day=PAST)
    steps.finalise(steps.start_minutes(meeting, world.coordinator), world.coordinator)
    client = client_for(app, world.directors["A"])
    response = client.post(f"/meetings/{meeting.id}/minutes/1/decisions", data={"text": "x"})
    assert response.status_code == 403
    assert client.get(f"/meetings/{meeting.id}/minutes/1/edit").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    assert client.post(f"/meetings/{meeting.id}/minutes").status_code == 403


# --- Votes ---------------------------------------------------------------------

@pytest.fixture
def to_vote(world):
    meeting = plan(world, kind="directors", day=PAST)
    minutes = steps.start_minutes(meeting, world.coordinator)
    return steps.add_decision(minutes, world.coordinator, needs_unanimity=True,
                              text="Adhésion d'un nouvel établissement")


def test_directors_vote_and_see_the_outcome(app, world, to_vote):
    meeting_url = f"/meetings/{to_vote.minutes.meeting_id}"
    url = f"/meetings/decisions/{to_vote.id}/vote"
    client = client_for(app, world.directors["A"])
    assert "Adhésion d'un nouvel établissement" in text_of(client.get(meeting_url))
    assert client.post(url, data={"choice": "for"}).status_code == 302
    client_for(app, world.directors["B"]).post(url, data={"choice": "for"})
    page = text_of(client.get(url))
    assert "en attente" in page and "Votes attendus : Établissement C." in page
    client_for(app, world.directors["C"]).post(
        url, data={"choice": "against", "comment": "Pas avant 2027"})
    page = text_of(client_for(app, world.coordinator).get(
        f"{meeting_url}/minutes/1"))
    assert "unanimité refusée" in page
    assert "Établissement C a voté contre (« Pas avant 2027 »)." in page
    assert db.session.scalar(select(func.count(Vote.id))) == 3


def test_all_for_reaches_unanimity(app, world, to_vote):
    url = f"/meetings/decisions/{to_vote.id}/vote"
    for letter in "ABC":
        client_for(app, world.directors[letter]).post(url, data={"choice": "for"})
    assert "unanimité atteinte" in text_of(client_for(app, world.directors["A"]).get(url))


@pytest.mark.parametrize(("who", "status"), [
    ("technician", 404), ("accountant", 404), ("coordinator", 403), ("director", 302)])
def test_vote_permissions(app, world, to_vote, who, status):
    response = client_for(app, person(world, who)).post(
        f"/meetings/decisions/{to_vote.id}/vote", data={"choice": "for"})
    assert response.status_code == status
    assert db.session.scalar(select(func.count(Vote.id))) == (1 if who == "director" else 0)


def test_vote_other_groupement_404(app, world, other_world, to_vote):
    client = client_for(app, other_world.directors["X"])
    assert client.get(f"/meetings/decisions/{to_vote.id}/vote").status_code == 404


# --- Files ---------------------------------------------------------------------

def unfold(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_ics_invitation(app, world):
    meeting = plan(world, title="Réunion des référents informatiques du groupement, "
                                "édition spéciale; sécurité & sauvegardes",
                   place="EPAS 65, salle 2; bâtiment B", video_url="https://visio.example/r/42",
                   agenda=["Point sur la sauvegarde externalisée, les NAS et les onduleurs"])
    response = client_for(app, world.technicians["B"]).get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.data
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    physical = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert any(line.startswith(b" ") for line in physical)  # something was folded
    for line in physical:
        line.decode("utf-8")  # never folded inside a UTF-8 character
    lines = unfold(body)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert "METHOD:REQUEST" in lines and "STATUS:CONFIRMED" in lines
    assert "DTSTART:20261201T130000Z" in lines and "DTEND:20261201T150000Z" in lines
    assert "LOCATION:EPAS 65\\, salle 2\\; bâtiment B" in lines
    assert ("SUMMARY:Réunion des référents informatiques du groupement\\, édition "
            "spéciale\\; sécurité & sauvegardes") in lines
    assert "URL:https://visio.example/r/42" in lines
    uid = next(line for line in lines if line.startswith("UID:"))
    attendees = [line for line in lines if line.startswith("ATTENDEE")]
    assert len(attendees) == 3
    assert any("CN=Technicien B" in a and a.endswith(":mailto:tech.b@gic65.test")
               for a in attendees)
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "\\n1. Point sur la sauvegarde externalisée\\, les NAS" in description
    # Stable: same UID and bytes on a second download.
    again = client_for(app, world.coordinator).get(f"/meetings/{meeting.id}.ics")
    assert again.data == body and uid in unfold(again.data)


def test_ics_links_go_to_the_public_url_whatever_the_host_header(app, world, monkeypatch):
    """A client chooses the Host header: the invitation's link is built on PUBLIC_URL."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://gic.exemple.test/")
    meeting = plan(world)
    client = app.test_client()
    evil = "http://evil.example"
    client.post("/login", base_url=evil, data={"email": world.coordinator.email,
                                               "password": PASSWORD})
    response = client.get(f"/meetings/{meeting.id}.ics", base_url=evil)
    assert response.status_code == 200
    body = response.data
    description = next(line for line in unfold(body) if line.startswith("DESCRIPTION:"))
    assert f"Détails : https://gic.exemple.test/meetings/{meeting.id}" in description
    assert b"evil.example" not in body


def test_ics_of_a_cancelled_meeting(app, world):
    meeting = plan(world)
    services.set_status(meeting, world.coordinator, "cancelled")
    lines = unfold(client_for(app, world.coordinator).get(f"/meetings/{meeting.id}.ics").data)
    assert "METHOD:CANCEL" in lines and "STATUS:CANCELLED" in lines and "SEQUENCE:1" in lines


@pytest.fixture
def final_minutes(world):
    i = accepted(world, "A", "B")
    session(world, i, date(2026, 10, 5), "08:00", "16:00")
    meeting = plan(world, kind="directors", day=PAST, place="Argelès-Gazost")
    minutes = steps.start_minutes(meeting, world.coordinator)
    steps.update_summary(minutes, world.coordinator, "Bilan des interventions.")
    decision = steps.add_decision(minutes, world.coordinator, needs_unanimity=True,
                                  text="Renouvellement de la convention pour 3 ans")
    steps.add_decision(minutes, world.coordinator, needs_unanimity=False,
                       text="Prochaine réunion en mars")
    steps.add_action(minutes, world.coordinator, text="Préparer l'avenant",
                     owner_id=world.directors["A"].id, due_date=date(2027, 1, 15))
    for letter in "ABC":
        votes.cast_vote(decision, world.directors[letter], choice="for")
    steps.finalise(minutes, world.coordinator)
    return minutes


def test_minutes_pdf_is_stable(app, world, final_minutes, tmp_path):
    url = f"/meetings/{final_minutes.meeting_id}/minutes/1.pdf"
    client = client_for(app, world.directors["B"])
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    assert "compte-rendu-" in first.headers["Content-Disposition"]
    assert client_for(app, world.coordinator).get(url).data == first.data
    (tmp_path / "minutes.pdf").write_bytes(first.data)


def test_minutes_docx_opens_and_holds_the_decisions(app, world, final_minutes):
    url = f"/meetings/{final_minutes.meeting_id}/minutes/1.docx"
    client = client_for(app, world.directors["C"])
    response = client.get(url)
    assert response.status_code == 200
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for row in table.rows
                      for cell in row.cells)
    assert "Compte rendu — Réunion des directeurs" in text
    assert "Renouvellement de la convention pour 3 ans" in text  # one paragraph each, as the PDF
    assert "Prochaine réunion en mars" in text
    assert "unanimité atteinte" in text and "Préparer l'avenant" in cells
    assert "Aucun matériel prêté non rendu au 2 novembre 2026." in text
    assert re.search(r"8 h 00", cells)
    assert document.core_properties.created == final_minutes.finalised_at.replace(
        tzinfo=document.core_properties.created.tzinfo)
    assert client.get(url).data == response.data  # byte-identical downloads


def test_forms_need_the_csrf_token(csrf_client, world):
    meeting = plan(world, day=PAST)
    client = csrf_client
    csrf_login(client, world.coordinator)
    assert client.post("/meetings/new", data=FORM).status_code == 400
    assert client.post(f"/meetings/{meeting.id}/minutes").status_code == 400
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    response = client.post(f"/meetings/{meeting.id}/minutes",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Meeting.id))) == 1
    assert db.session.scalar(select(func.count(Minutes.id))) == 1


def test_meeting_steps_appear_in_the_audit_log(app, world, final_minutes):
    page = text_of(client_for(app, world.coordinator).get("/audit/"))
    assert "Réunion planifiée" in page and "Compte rendu finalisé" in page
    # A director reads his own establishment's vote in the log.
    assert "Vote enregistré" in text_of(client_for(app, world.directors["A"]).get("/audit/"))
