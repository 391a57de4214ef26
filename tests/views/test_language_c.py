"""Meetings in English (issue 17 item 7): a person whose profile says English reads
the meetings pages, the minutes' editing page, the vote page, their flashes and
refusals in English; invitations are written in each invitee's language; the
minutes' PDF and DOCX stay in French (documents of record); a French reader's
pages are unchanged."""

from __future__ import annotations

import html
import io
import re
from datetime import date, time

import pytest
from docx import Document
from sqlalchemy import select

from gic.enums import Language
from gic.extensions import db
from gic.meetings import documents, services
from gic.meetings import minutes as steps
from gic.meetings.models import Meeting
from gic.notifications.models import Notification
from tests.conftest import client_for
from tests.helpers import accepted, session

PAST = date(2026, 11, 2)
FUTURE = date(2026, 12, 1)
FORM = {"kind": "technicians", "title": "", "day": "2026-12-10", "start": "14:00",
        "duration_minutes": "2:00", "place": "EPAS 65, salle 2", "video_url": "",
        "agenda": "Sauvegardes"}


def text_of(response) -> str:
    """The visible text of the page's own content (the menu, someone else's area,
    left out), French spacing normalised."""
    page = response.get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    main = re.search(r'<main id="contenu">(.*)</main>', page, re.S)
    text = re.sub(r"<[^>]+>", " ", (title.group(1) if title else "") + " "
                  + (main.group(1) if main else page))
    text = html.unescape(text).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def english(*users) -> None:
    for user in users:
        user.language = Language.EN
    db.session.commit()  # as the profile form does


def plan(world, kind="technicians", day=FUTURE, **extra) -> Meeting:
    values = {"title": None, "start": time(14, 0), "duration_minutes": 120,
              "place": "Salle du conseil"}
    values.update(extra)
    return services.plan_meeting(world.coordinator, kind=kind, day=day, **values)


def assert_english(page: str, present: list[str], absent: list[str]) -> None:
    for phrase in present:
        assert phrase in page, phrase
    for phrase in absent:
        assert phrase not in page, phrase


@pytest.fixture
def drafted(world):
    """A past directors' meeting whose draft minutes have activity, an attendance,
    a decision put to the vote (A for, C against) and an action."""
    i = accepted(world, "A", "B")
    session(world, i, date(2026, 10, 5), "08:00", "16:00")
    meeting = plan(world, kind="directors", day=PAST, agenda=["Budget"])
    minutes = steps.start_minutes(meeting, world.coordinator)
    decision = steps.add_decision(minutes, world.coordinator, needs_unanimity=True,
                                  text="Adhésion d'un nouvel établissement")
    steps.add_action(minutes, world.coordinator, text="Préparer l'avenant",
                     owner_id=world.directors["A"].id, due_date=date(2027, 1, 15))
    from gic.meetings import votes
    votes.cast_vote(decision, world.directors["A"], choice="for")
    votes.cast_vote(decision, world.directors["C"], choice="against", comment="Pas avant 2027")
    return minutes


def test_the_list_the_form_and_the_meeting_page_in_english(app, world):
    english(world.coordinator)
    meeting = plan(world, agenda=["Sauvegardes"])
    client = client_for(app, world.coordinator)
    listing = text_of(client.get("/meetings/"))
    assert_english(listing, ["Meetings", "Plan a meeting", "Upcoming", "No past meetings.",
                             "Technicians' meetings planned this year: 1 / 3",
                             "Technicians' meeting", "Planned"],
                   ["Réunions", "À venir", "Aucune réunion passée.", "Prévue"])
    form = text_of(client.get("/meetings/new"))
    assert_english(form, ["Type of meeting", "Start time", "Video-conference link",
                          "One item per line.", "Plan the meeting"],
                   ["Type de réunion", "Heure de début", "Un point par ligne.",
                    "Planifier la réunion"])
    detail = text_of(client.get(f"/meetings/{meeting.id}"))
    assert_english(detail, ["What you can do", "Add to my calendar (.ics)", "Agenda",
                            "Invitees (3)", "Mark as held", "Cancel the meeting",
                            "Write the minutes", "No minutes yet.", "Organised by"],
                   ["Ce que vous pouvez faire", "Ordre du jour", "Invités",
                    "Marquer comme tenue", "Pas encore de compte rendu."])
    ics = client.get(f"/meetings/{meeting.id}.ics").data.decode()
    assert "Agenda:" in ics.replace("\r\n ", "") and "Ordre du jour" not in ics


def test_the_minutes_editing_page_and_the_vote_page_in_english(app, world, drafted):
    english(world.coordinator, world.directors["B"])
    base = f"/meetings/{drafted.meeting_id}/minutes/1"
    edit = text_of(client_for(app, world.coordinator).get(base + "/edit"))
    assert_english(edit, [
        "Minutes — version 1", "draft", "Finalise the minutes", "Attendance",
        "Save attendance", "Add a participant", "Proceedings and discussion", "Decisions",
        "Unanimity: unanimity refused",
        "Établissement C voted against (“Pas avant 2027”).", "not voted yet",
        "Add a decision", "Requires the directors' unanimity", "Actions", "Owner",
        "Due date", "to do", "Mark done", "Activity from", "Interventions given",
        "Annual cap 2026 per beneficiary", "Equipment not returned",
        "Open actions from previous minutes", "Recalculate the figures as of today",
        "Present"],
        ["Présences", "Déroulé et échanges", "unanimité refusée", "a voté contre",
         "pas encore voté", "Ajouter une décision", "Responsable", "Échéance",
         "Interventions données", "Matériel non rendu", "Excusé"])
    read = text_of(client_for(app, world.coordinator).get(base))
    assert_english(read, ["Minutes — Réunion des directeurs", "Download as PDF", "Edit the draft",
                          "version 1, draft", "to do"],
                   ["Télécharger en PDF", "brouillon", "Ordre du jour"])
    decision = drafted.decisions[0]
    vote = text_of(client_for(app, world.directors["B"]).get(
        f"/meetings/decisions/{decision.id}/vote"))
    assert_english(vote, ["Decision by unanimity", "Votes of the member establishments",
                          "Your establishment's vote", "For", "Against", "Abstention",
                          "Comment (optional)", "Record the vote", "unanimity refused"],
                   ["Décision à l'unanimité", "Vote de votre établissement",
                    "Enregistrer le vote", "Commentaire"])


def test_a_flash_and_refusals_in_english(app, world, drafted):
    english(world.coordinator, world.directors["B"])
    client = client_for(app, world.coordinator)
    response = client.post("/meetings/new", data=FORM, follow_redirects=True)
    page = text_of(response)
    assert "Meeting planned; the invitees have been notified." in page
    assert "Réunion planifiée" not in page
    # The default title is stored in French whoever plans: the invitations and the
    # minutes of record show it to everyone.
    assert db.session.scalar(select(Meeting.title).order_by(Meeting.id.desc()).limit(1)) == (
        "Réunion des techniciens")

    refused = client.post("/meetings/new", data=dict(FORM, place=""))
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Enter a place or a video-conference link." in page
    assert "Indiquez un lieu" not in page
    invalid = client.post("/meetings/new", data=dict(FORM, day=""))
    assert invalid.status_code == 422
    page = text_of(invalid)
    assert "Meeting not saved: correct the fields marked." in page and "Enter the date." in page
    assert "Indiquez la date." not in page

    # A service's refusal (DomainError) on a page without a form.
    meeting_id = drafted.meeting_id
    cancelled = client.post(f"/meetings/{meeting_id}/status", data={"status": "cancelled"})
    assert cancelled.status_code == 409
    page = text_of(cancelled)
    assert "This meeting has minutes: it took place, and its status can no longer change." in page
    assert "Cette réunion" not in page

    # Someone else's refusal: the permission's message, in his language.
    director = client_for(app, world.directors["B"])
    forbidden = director.get(f"/meetings/{meeting_id}/minutes/1/edit")
    assert forbidden.status_code == 404  # a draft is the coordinator's: not even seen
    forbidden = director.get("/meetings/new")
    assert forbidden.status_code == 403
    page = text_of(forbidden)
    assert "Access denied" in page
    assert ("Only the groupement's coordination organises meetings and writes the minutes."
            in page)

    coordinator_vote = client.post(f"/meetings/decisions/{drafted.decisions[0].id}/vote",
                                   data={"choice": "for"})
    assert coordinator_vote.status_code == 403
    assert ("Only the directors of member establishments vote on decisions."
            in text_of(coordinator_vote))


def test_invitations_are_written_in_each_invitees_language(app, world):
    english(world.coordinator, world.technicians["A"])
    client_for(app, world.coordinator).post("/meetings/new", data=dict(FORM, title="Printemps"))
    subjects = dict(db.session.execute(select(Notification.user_id, Notification.subject)
                                       .where(Notification.kind == "meeting")).all())
    assert subjects[world.technicians["A"].id].startswith("Invitation: Printemps on ")
    assert subjects[world.technicians["B"].id].startswith("Invitation : Printemps le ")
    bodies = dict(db.session.execute(select(Notification.user_id, Notification.body)).all())
    assert "You are invited to this meeting of the groupement." in bodies[
        world.technicians["A"].id]
    assert "Agenda:" in bodies[world.technicians["A"].id]
    assert "Vous êtes invité(e) à cette réunion du groupement." in bodies[
        world.technicians["B"].id]


def test_a_reminder_job_writes_in_the_recipients_language(app, world):
    english(world.technicians["B"])
    plan(world, day=date(2026, 11, 24))
    services.job_meeting_reminders(date(2026, 11, 23))
    subjects = dict(db.session.execute(select(Notification.user_id, Notification.subject)
                                       .where(Notification.key.like("%:reminder"))).all())
    assert subjects[world.technicians["B"].id].startswith("Reminder: Réunion des techniciens")
    assert subjects[world.technicians["A"].id].startswith("Rappel : Réunion des techniciens")


def test_the_minutes_documents_stay_french_for_an_english_reader(app, world, drafted,
                                                                 monkeypatch):
    english(world.coordinator, world.directors["A"])
    steps.finalise(drafted, world.coordinator)
    printed = []
    monkeypatch.setattr(documents.pdf, "write_pdf",
                        lambda html, css=None: printed.append(html) or b"%PDF-fake")
    base = f"/meetings/{drafted.meeting_id}/minutes/1"
    client = client_for(app, world.directors["A"])
    assert client.get(base + ".pdf").status_code == 200
    assert "Présences" in printed[0] and "Ordre du jour" in printed[0]
    assert "unanimité refusée" in printed[0] and "Attendance" not in printed[0]
    document = Document(io.BytesIO(client.get(base + ".docx").data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Compte rendu — Réunion des directeurs" in text and "unanimité refusée" in text
    assert "Minutes" not in text
    # The page itself follows the reader.
    page = text_of(client.get(base))
    assert "Attendance" in page and "Présences" not in page


def test_a_french_readers_pages_are_unchanged(app, world, drafted):
    english(world.directors["B"])  # someone else's choice changes nothing for him
    client = client_for(app, world.coordinator)
    detail = text_of(client.get(f"/meetings/{drafted.meeting_id}"))
    for phrase in ("Ce que vous pouvez faire", "Ajouter à mon agenda (.ics)", "Ordre du jour",
                   "Continuer le brouillon (version 1)", "Réunion des directeurs", "Prévue"):
        assert phrase in detail, phrase
    edit = text_of(client.get(f"/meetings/{drafted.meeting_id}/minutes/1/edit"))
    for phrase in ("Compte rendu — version 1 brouillon", "Unanimité : unanimité refusée",
                   "Établissement C a voté contre (« Pas avant 2027 »).", "pas encore voté",
                   "Activité du 1er janvier 2026 au 2 novembre 2026", "Présent",
                   "Recalculer les données à aujourd'hui"):
        assert phrase in edit, phrase
    assert "Attendance" not in edit and "Decisions" not in edit
