"""Meetings and minutes through the services: planning, pre-filled minutes,
finalisation and versions, unanimity votes, notifications and the three jobs."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.meetings import minutes as steps
from gic.meetings import services, votes
from gic.meetings.models import Meeting, MeetingStatus, Minutes, MinutesStatus, Vote
from gic.notifications.models import Notification
from tests.helpers import accepted, session

FUTURE = date(2026, 12, 1)  # after the pinned today, 2026-11-23 (tests/conftest.py)


def plan(world, kind="technicians", day=FUTURE, start=time(14, 0), **extra):
    """A meeting planned by the coordinator (place given unless overridden)."""
    values = {"title": None, "duration_minutes": 120, "place": "Salle du conseil, EPAS 65"}
    values.update(extra)
    return services.plan_meeting(world.coordinator, kind=kind, day=day, start=start, **values)


def keys(user) -> list[str]:
    return sorted(db.session.scalars(select(Notification.key).where(
        Notification.user_id == user.id)))


def notification_count() -> int:
    return db.session.scalar(select(func.count(Notification.id)))


# --- Planning ------------------------------------------------------------------

def test_technicians_meeting_invites_every_technician_and_stores_utc(world):
    meeting = plan(world, agenda=["Sauvegardes", "", "  Antivirus  "])
    assert {i.user_id for i in meeting.invitees} == {t.id for t in world.technicians.values()}
    assert meeting.title == "Réunion des techniciens"
    assert meeting.starts_at == datetime(2026, 12, 1, 13, 0)  # 14:00 in Paris is 13:00 UTC
    assert [item.text for item in meeting.agenda] == ["Sauvegardes", "Antivirus"]
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.object_type == "Meeting")) == "meeting.plan"


def test_summer_time_and_directors_default(world):
    meeting = plan(world, kind="directors", day=date(2027, 7, 1), start=time(9, 30))
    assert meeting.starts_at == datetime(2027, 7, 1, 7, 30)  # UTC+2 in summer
    assert {i.user_id for i in meeting.invitees} == {d.id for d in world.directors.values()}


@pytest.mark.parametrize("who", ["technician", "director", "accountant"])
def test_only_the_coordinator_plans(world, who):
    actor = {"technician": world.technicians["A"], "director": world.directors["A"],
             "accountant": world.accountant}[who]
    with pytest.raises(Forbidden):
        services.plan_meeting(actor, kind="technicians", title="", day=FUTURE, start=time(9),
                              duration_minutes=60, place="Tarbes")
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


@pytest.mark.parametrize(("values", "field"), [
    ({"place": "", "video_url": ""}, "place"),
    ({"place": "", "video_url": "javascript:alert(1)"}, "video_url"),
    ({"duration_minutes": 5}, "duration_minutes"),
    ({"kind": "everyone"}, "kind"),
    ({"agenda": ["x" * 501]}, "agenda"),
])
def test_meaningless_input_is_refused_on_its_field(world, values, field):
    with pytest.raises(InvalidField) as refusal:
        plan(world, **values)
    assert refusal.value.field == field


def test_a_time_the_clocks_skip_is_refused_not_moved(world, clock):
    """02:30 on 2027-03-28 does not exist in Paris: it was silently moved to 03:30."""
    clock.move_to(datetime(2027, 3, 1, 10, 0))
    with pytest.raises(InvalidField) as refusal:
        plan(world, day=date(2027, 3, 28), start=time(2, 30))
    assert refusal.value.field == "start"
    assert "02:30 n'existe pas le 28/03/2027" in refusal.value.message
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    meeting = plan(world, day=date(2027, 10, 31), start=time(2, 30))  # exists (twice)
    assert meeting.starts_at == datetime(2027, 10, 31, 0, 30)  # the first: UTC+2


def test_invitees_must_belong_to_the_groupement(world, other_world):
    with pytest.raises(InvalidField) as refusal:
        plan(world, invitee_ids=[world.directors["A"].id, other_world.directors["X"].id])
    assert refusal.value.field == "invitees"


@pytest.mark.parametrize("invitee", [0, -1, 2**31, 2**63])
def test_an_invitee_id_that_cannot_exist_is_refused_without_a_query(world, invitee):
    """Found by the hostile-forms test on PostgreSQL: 2**63 was an « integer out of
    range » database error, then a 500."""
    with pytest.raises(InvalidField) as refusal:
        plan(world, invitee_ids=[world.directors["A"].id, invitee])
    assert refusal.value.field == "invitees"
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_invitation_sent_once_and_new_invitees_get_it(world):
    meeting = plan(world, invitee_ids=[world.technicians["A"].id])
    assert keys(world.technicians["A"]) == [f"meeting:{meeting.id}:invite"]
    body = db.session.scalar(select(Notification.body))
    assert f"/meetings/{meeting.id}.ics" in body and "Salle du conseil, EPAS 65" in body
    services.update_meeting(meeting, world.coordinator, kind="technicians", title="T1",
                            day=FUTURE, start=time(14), duration_minutes=120,
                            place="Salle du conseil, EPAS 65",
                            invitee_ids=[world.technicians["A"].id, world.technicians["B"].id])
    assert keys(world.technicians["A"]) == [f"meeting:{meeting.id}:invite"]
    assert keys(world.technicians["B"]) == [f"meeting:{meeting.id}:invite"]
    assert meeting.sequence == 1


def test_moving_a_meeting_tells_the_invitees(world):
    meeting = plan(world)
    services.update_meeting(meeting, world.coordinator, kind="technicians", title=None,
                            day=FUTURE, start=time(15), duration_minutes=120, place="Lourdes")
    assert f"meeting:{meeting.id}:update:1" in keys(world.technicians["C"])


def test_past_meeting_sends_no_invitation(world):
    plan(world, day=date(2026, 3, 1))
    assert notification_count() == 0


def test_cancel_tells_invitees_and_forbids_changes(world):
    meeting = plan(world)
    services.set_status(meeting, world.coordinator, "cancelled")
    assert f"meeting:{meeting.id}:cancel" in keys(world.technicians["A"])
    with pytest.raises(RuleRefused):
        services.update_meeting(meeting, world.coordinator, kind="technicians", title=None,
                                day=FUTURE, start=time(9), duration_minutes=60, place="x")
    with pytest.raises(RuleRefused):
        steps.start_minutes(meeting, world.coordinator)


# --- Pre-filled minutes ----------------------------------------------------------

@pytest.fixture
def activity(world):
    """Technicians met on 20 January 2026 and meet again on 15 March 2026.

    A→B: 8 h on site on 15 January (billable 480 min), 1 h 30 remote on 2 February;
    C→B: 2 h on site on 10 February; B→A: 1 h remote on 20 March (after the meeting).
    A directors' meeting on 1 March does not cut the technicians' period.
    """
    a_to_b = accepted(world, "A", "B")
    session(world, a_to_b, date(2026, 1, 15), "08:00", "16:00")
    session(world, a_to_b, date(2026, 2, 2), "09:00", "10:30", mode="remote")
    c_to_b = accepted(world, "C", "B")
    session(world, c_to_b, date(2026, 2, 10), "10:00", "12:00")
    b_to_a = accepted(world, "B", "A")
    session(world, b_to_a, date(2026, 3, 20), "10:00", "11:00", mode="remote")
    first = plan(world, day=date(2026, 1, 20))
    plan(world, kind="directors", day=date(2026, 3, 1))
    second = plan(world, day=date(2026, 3, 15))
    return first, second


def test_prefill_counts_since_the_previous_meeting_of_the_same_kind(world, activity):
    first, second = activity
    snap = steps.start_minutes(second, world.coordinator).snapshot
    assert snap["period"] == {"start": "2026-01-21", "end": "2026-03-15"}
    assert snap["previous_meeting"]["id"] == first.id
    rows = {r["name"][-1]: r for r in snap["establishments"]}
    assert rows["A"]["given"] == {"interventions": 1, "onsite": 0, "remote": 90}
    assert rows["C"]["given"] == {"interventions": 1, "onsite": 120, "remote": 0}
    assert rows["B"]["received"] == {"interventions": 2, "onsite": 120, "remote": 90}
    assert rows["B"]["given"] == {"interventions": 0, "onsite": 0, "remote": 0}
    assert rows["A"]["received"]["interventions"] == 0  # B→A is after the meeting
    cap = {r["name"][-1]: r for r in snap["cap"]["rows"]}
    assert snap["cap"]["cap_minutes"] == 2100 and snap["cap"]["year"] == 2026
    assert cap["B"] == {"id": world.establishments["B"].id, "name": "Établissement B",
                        "used": 480, "remaining": 1620}
    assert cap["A"]["used"] == 0
    assert snap["equipment"] == [] and snap["open_actions"] == []  # no loan out


def test_first_meeting_counts_from_first_january(world, activity):
    first, _ = activity
    minutes = steps.start_minutes(first, world.coordinator)
    assert minutes.snapshot["period"] == {"start": "2026-01-01", "end": "2026-01-20"}
    rows = {r["name"][-1]: r for r in minutes.snapshot["establishments"]}
    assert rows["A"]["given"] == {"interventions": 1, "onsite": 480, "remote": 0}
    # Attendance starts from the invitees, all present.
    assert sorted(a.name for a in minutes.attendance) == [
        "Technicien A", "Technicien B", "Technicien C"]


def test_open_actions_are_carried_into_the_next_minutes(world, activity):
    first, second = activity
    minutes = steps.start_minutes(first, world.coordinator)
    steps.add_action(minutes, world.coordinator, text="Changer le pare-feu",
                     owner_id=world.technicians["A"].id, due_date=date(2026, 2, 28))
    done = steps.add_action(minutes, world.coordinator, text="Inventaire", owner_id=None,
                            due_date=None)
    steps.set_action_done(minutes, world.coordinator, done.id, True)
    steps.finalise(minutes, world.coordinator)
    next_minutes = steps.start_minutes(second, world.coordinator)
    assert next_minutes.snapshot["open_actions"] == [{
        "text": "Changer le pare-feu", "owner": "Technicien A", "due_date": "2026-02-28",
        "origin": "Réunion des techniciens du 20/01/2026"}]
    [carried] = next_minutes.actions
    assert carried.text == "Changer le pare-feu" and not carried.done
    assert carried.origin == "Réunion des techniciens du 20/01/2026"


def test_finalised_minutes_are_read_only_and_frozen(world, activity):
    _, second = activity
    minutes = steps.start_minutes(second, world.coordinator)
    steps.update_summary(minutes, world.coordinator, "Point sur les sauvegardes.")
    steps.add_decision(minutes, world.coordinator, text="Achat groupé d'antivirus",
                       needs_unanimity=False)
    steps.finalise(minutes, world.coordinator)
    assert minutes.status == MinutesStatus.FINAL and second.status == MeetingStatus.HELD
    for status in ("planned", "cancelled"):
        with pytest.raises(RuleRefused):
            services.set_status(second, world.coordinator, status)
    snapshot = dict(minutes.snapshot)
    # More work logged in the period later: the finalised snapshot does not move.
    late = accepted(world, "C", "A")
    session(world, late, date(2026, 3, 2), "08:00", "09:00")
    db.session.expire_all()
    assert db.session.get(Minutes, minutes.id).snapshot == snapshot
    for change in (lambda: steps.update_summary(minutes, world.coordinator, "x"),
                   lambda: steps.add_decision(minutes, world.coordinator, text="y",
                                              needs_unanimity=False),
                   lambda: steps.refresh_snapshot(minutes, world.coordinator),
                   lambda: steps.finalise(minutes, world.coordinator)):
        with pytest.raises(RuleRefused) as refusal:
            change()
        assert refusal.value.status == 409
    with pytest.raises(RuleRefused):  # the meeting itself is frozen too
        services.update_meeting(second, world.coordinator, kind="technicians", title=None,
                                day=date(2026, 3, 16), start=time(9), duration_minutes=60,
                                place="x")


def test_new_version_copies_the_final_one_which_stays_unchanged(world, activity):
    _, second = activity
    v1 = steps.start_minutes(second, world.coordinator)
    steps.update_summary(v1, world.coordinator, "Version 1")
    steps.add_decision(v1, world.coordinator, text="Décision 1", needs_unanimity=False)
    steps.finalise(v1, world.coordinator)
    v2 = steps.start_minutes(second, world.coordinator)
    assert (v2.version, v2.status, v2.summary) == (2, MinutesStatus.DRAFT, "Version 1")
    assert [d.text for d in v2.decisions] == ["Décision 1"]
    assert v2.snapshot == v1.snapshot
    with pytest.raises(RuleRefused):  # one draft at a time
        steps.start_minutes(second, world.coordinator)
    steps.update_summary(v2, world.coordinator, "Version 2 corrigée")
    steps.finalise(v2, world.coordinator)
    db.session.expire_all()
    versions = db.session.scalars(select(Minutes).order_by(Minutes.version)).all()
    assert [(m.version, m.status, m.summary) for m in versions] == [
        (1, "final", "Version 1"), (2, "final", "Version 2 corrigée")]


def test_only_the_coordinator_writes_minutes(world, activity):
    _, second = activity
    with pytest.raises(Forbidden):
        steps.start_minutes(second, world.directors["A"])
    minutes = steps.start_minutes(second, world.coordinator)
    with pytest.raises(Forbidden):
        steps.update_summary(minutes, world.technicians["A"], "x")


def test_attendance_and_actions_edits_are_audited(world, activity):
    _, second = activity
    minutes = steps.start_minutes(second, world.coordinator)
    first_row = minutes.attendance[0]
    steps.set_presences(minutes, world.coordinator, {first_row.id: "excused"})
    guest = steps.add_attendee(minutes, world.coordinator, user_id=None, name="M. Invité",
                               presence="present")
    with pytest.raises(InvalidField):  # already on the list
        steps.add_attendee(minutes, world.coordinator, user_id=first_row.user_id, name=None,
                           presence="present")
    with pytest.raises(InvalidField):
        steps.set_presences(minutes, world.coordinator, {guest.id: "asleep"})
    steps.remove_attendee(minutes, world.coordinator, guest.id)
    assert first_row.presence == "excused" and len(minutes.attendance) == 3
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "Minutes").order_by(AuditEntry.id)).all()
    assert actions == ["minutes.start", "minutes.attendance", "minutes.attendee_add",
                       "minutes.attendee_remove"]


# --- Unanimity --------------------------------------------------------------------

@pytest.fixture
def decision(world):
    meeting = plan(world, kind="directors", day=date(2026, 11, 2))
    minutes = steps.start_minutes(meeting, world.coordinator)
    return steps.add_decision(minutes, world.coordinator, needs_unanimity=True,
                              text="Adhésion de l'EHPAD de Lourdes au groupement")


def test_unanimity_reached_when_every_member_votes_for(world, decision):
    votes.cast_vote(decision, world.directors["A"], choice="for")
    votes.cast_vote(decision, world.directors["B"], choice="for")
    assert votes.unanimity(decision).status == "pending"
    assert "Établissement C" in votes.unanimity(decision).reason
    votes.cast_vote(decision, world.directors["C"], choice="for")
    outcome = votes.unanimity(decision)
    assert (outcome.status, outcome.label) == ("reached", "unanimité atteinte")


def test_one_against_refuses_with_the_reason(world, decision):
    votes.cast_vote(decision, world.directors["A"], choice="for")
    votes.cast_vote(decision, world.directors["B"], choice="against",
                    comment="Budget 2027 non voté")
    votes.cast_vote(decision, world.directors["C"], choice="for")
    outcome = votes.unanimity(decision)
    assert outcome.status == "refused" and outcome.label == "unanimité refusée"
    assert outcome.reason == "Établissement B a voté contre («\u00a0Budget 2027 non voté\u00a0»)."


def test_one_vote_per_establishment_voting_again_replaces(world, decision):
    votes.cast_vote(decision, world.directors["A"], choice="against")
    votes.cast_vote(decision, world.directors["A"], choice="for", comment="Après échange")
    cast = db.session.scalars(select(Vote)).all()
    assert [(v.establishment_id, v.choice, v.comment) for v in cast] == [
        (world.establishments["A"].id, "for", "Après échange")]


def test_who_may_vote(world, other_world, decision):
    for actor in (world.technicians["A"], world.coordinator, world.accountant):
        with pytest.raises(Forbidden):
            votes.cast_vote(decision, actor, choice="for")
    with pytest.raises(NotFound):
        votes.cast_vote(decision, other_world.directors["X"], choice="for")
    with pytest.raises(InvalidField):
        votes.cast_vote(decision, world.directors["A"], choice="maybe")
    steps.finalise(decision.minutes, world.coordinator)
    with pytest.raises(RuleRefused):
        votes.cast_vote(decision, world.directors["A"], choice="for")
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_a_decision_without_unanimity_takes_no_vote(world, decision):
    plain = steps.add_decision(decision.minutes, world.coordinator, text="Date suivante",
                               needs_unanimity=False)
    with pytest.raises(RuleRefused):
        votes.cast_vote(plain, world.directors["A"], choice="for")


# --- Notifications ------------------------------------------------------------------

def test_finalising_notifies_invitees_and_directors_once(world):
    meeting = plan(world, day=date(2026, 11, 2), invitee_ids=[world.technicians["A"].id,
                                                              world.accountant.id])
    minutes = steps.start_minutes(meeting, world.coordinator)
    steps.finalise(minutes, world.coordinator)
    key = f"minutes:{meeting.id}:1"
    readers = {n.user_id for n in db.session.scalars(
        select(Notification).where(Notification.key == key))}
    assert readers == {world.technicians["A"].id, world.accountant.id,
                       *(d.id for d in world.directors.values())}
    with pytest.raises(RuleRefused):
        steps.finalise(minutes, world.coordinator)
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.key == key)) == 5


# --- Jobs -------------------------------------------------------------------------

def test_job_technicians_meetings_reminds_monthly_until_three(world, other_world):
    plan(world, day=date(2026, 2, 1))
    today = date(2026, 11, 1)
    first = services.job_technicians_meetings(today)
    assert first == {"groupements": 2, "notifications": 2}  # both coordinators
    assert keys(world.coordinator) == [f"tech-meetings:{world.groupement.id}:2026-11"]
    assert services.job_technicians_meetings(today) == {"groupements": 2, "notifications": 0}
    assert notification_count() == 2
    plan(world, day=date(2026, 12, 3))
    plan(world, day=date(2026, 12, 10))
    cancelled = plan(world, day=date(2026, 12, 17))
    services.set_status(cancelled, world.coordinator, "cancelled")
    before = notification_count()
    services.job_technicians_meetings(date(2026, 12, 1))
    # GIC 65 has 3 (the cancelled one does not count); the other groupement has none.
    assert keys(world.coordinator) == [f"tech-meetings:{world.groupement.id}:2026-11"]
    assert notification_count() == before + 1


def test_job_meeting_reminders_once_per_meeting(world):
    soon = plan(world, day=date(2026, 11, 25), invitee_ids=[world.technicians["A"].id])
    plan(world, day=date(2026, 11, 30), invitee_ids=[world.technicians["B"].id])
    today = date(2026, 11, 23)
    assert services.job_meeting_reminders(today)["notifications"] == 1
    assert services.job_meeting_reminders(today)["notifications"] == 0
    assert f"meeting:{soon.id}:reminder" in keys(world.technicians["A"])
    assert not any("reminder" in k for k in keys(world.technicians["B"]))


def test_job_minutes_overdue(world):
    today = date(2026, 11, 23)
    late = plan(world, day=today - timedelta(days=16))
    plan(world, day=today - timedelta(days=15))  # exactly 15 days: not yet
    done = plan(world, kind="directors", day=today - timedelta(days=40))
    steps.finalise(steps.start_minutes(done, world.coordinator), world.coordinator)
    cancelled = plan(world, kind="directors", day=today - timedelta(days=30))
    services.set_status(cancelled, world.coordinator, "cancelled")
    drafted = plan(world, kind="directors", day=today - timedelta(days=20))
    steps.start_minutes(drafted, world.coordinator)  # a draft is not finalised minutes
    assert services.job_minutes_overdue(today)["notifications"] == 2
    assert services.job_minutes_overdue(today)["notifications"] == 0
    assert keys(world.coordinator) == sorted([f"minutes-overdue:{late.id}",
                                              f"minutes-overdue:{drafted.id}"])


# --- The minutes' DOCX: A4, French, the PDF's content ---------------------------

@pytest.fixture
def documented(app, world):
    """Finalised directors' minutes with every part filled: agenda, a guest,
    activity and cap use, a loan out, an action carried from earlier minutes, both
    kinds of decision. Earlier minutes (1 October) left « Changer le pare-feu » open."""
    a_to_b = accepted(world, "A", "B")
    session(world, a_to_b, date(2026, 10, 5), "08:00", "16:00")
    session(world, accepted(world, "C", "B"), date(2026, 10, 6), "09:00", "10:30",
            mode="remote")
    earlier = plan(world, kind="directors", day=date(2026, 10, 1), place="Tarbes")
    first = steps.start_minutes(earlier, world.coordinator)
    steps.add_action(first, world.coordinator, text="Changer le pare-feu",
                     owner_id=world.directors["A"].id, due_date=date(2026, 10, 30))
    steps.finalise(first, world.coordinator)
    meeting = plan(world, kind="directors", day=date(2026, 11, 5), place="Argelès-Gazost",
                   agenda=["Bilan des interventions", "Renouvellement"])
    minutes = steps.start_minutes(meeting, world.coordinator)
    steps.add_attendee(minutes, world.coordinator, user_id=None, name="M. Invité",
                       presence="excused")
    steps.update_summary(minutes, world.coordinator, "Bilan présenté.\nQuestions diverses.")
    decision = steps.add_decision(minutes, world.coordinator, needs_unanimity=True,
                                  text="Renouvellement de la convention pour 3 ans")
    steps.add_decision(minutes, world.coordinator, needs_unanimity=False,
                       text="Prochaine réunion en mars")
    for letter in "ABC":
        votes.cast_vote(decision, world.directors[letter], choice="for")
    minutes.snapshot = dict(minutes.snapshot, equipment=[{
        "id": 1, "item": "Onduleur", "category": "other", "category_label": "Autre",
        "serial_number": "UPS-12", "date": "2026-09-01", "expected_return": "2026-10-01",
        "from_id": world.establishments["A"].id, "from_name": "Établissement A",
        "to_id": world.establishments["B"].id, "to_name": "Établissement B",
        "days_late": 35}])
    db.session.commit()
    steps.finalise(minutes, world.coordinator)
    return minutes


def _docx(app, world, minutes):
    from docx import Document

    from gic.meetings.documents import minutes_docx
    with app.test_request_context("/"):
        return Document(io.BytesIO(minutes_docx(world.coordinator, minutes)))


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _PrintedBlocks(HTMLParser):
    """The print page's headings, paragraphs (and list items) and tables, in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings, self.paragraphs, self.tables = [], [], []
        self._text: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td", "h1", "h2", "h3", "p", "li"):
            self._text = []

    def handle_endtag(self, tag):
        if tag == "tr":
            self.tables[-1].append(self._row)
        elif tag in ("th", "td"):
            self._row.append(_squeezed("".join(self._text)))
            self._text = None
        elif tag in ("h1", "h2", "h3", "p", "li") and self._text is not None:
            into = self.headings if tag.startswith("h") else self.paragraphs
            into.append(_squeezed("".join(self._text)))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _docx_blocks(document):
    """The document's headings, paragraphs and tables (a merged cell once), in order."""
    headings, paragraphs, tables = [], [], []
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            paragraph = Paragraph(block, document)
            text = _squeezed(paragraph.text)
            if not text:
                continue
            style = paragraph.style.name
            (headings if style == "Title" or style.startswith("Heading") else
             paragraphs).append(text)
        elif block.tag == qn("w:tbl"):
            rows = []
            for tr in block.iter(qn("w:tr")):
                row = []
                for tc in tr.iter(qn("w:tc")):
                    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                    if merge is not None and merge.get(qn("w:val")) != "restart":
                        continue  # the cell above, stretched down
                    row.append(_squeezed("".join(t.text or "" for t in tc.iter(qn("w:t")))))
                rows.append(row)
            tables.append(rows)
    return headings, paragraphs, tables


def test_minutes_docx_shows_what_the_pdf_shows(app, world, documented):
    from gic.meetings.documents import minutes_html

    with app.test_request_context("/"):
        printed = _PrintedBlocks()
        printed.feed(minutes_html(world.coordinator, documented))
    headings, paragraphs, tables = _docx_blocks(_docx(app, world, documented))
    assert tables == printed.tables
    assert headings == printed.headings
    assert paragraphs == printed.paragraphs
    # What the DOCX lacked: the groupement's total row, the cap use, who finalised when.
    activity = tables[1]
    assert activity[-1] == ["Groupement", "2", "8h00", "1h30", "2", "8h00", "1h30"]
    assert ["ÉtablissementB", "8h00", "27h00", "23%"] in tables[2]  # 480 / 2100
    assert _squeezed("finalisée le 23 novembre 2026 à 11:00 par") in paragraphs[0]


def test_minutes_docx_is_a4_french_with_numbers_on_the_right(app, world, documented):
    document = _docx(app, world, documented)
    size = document.sections[0]._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")  # A4
    language = document.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    assert language.get(qn("w:val")) == "fr-FR"
    assert document.core_properties.language == "fr-FR"
    activity = document.tables[1]  # after the attendance
    assert activity.cell(2, 0).text == "Établissement A"
    for row in activity.rows[2:]:
        assert row.cells[0].paragraphs[0].alignment is None  # text: on the left
        for cell in row.cells[1:]:
            assert cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT, cell.text
            assert cell._tc.find(f"{qn('w:tcPr')}/{qn('w:noWrap')}") is not None
    text_width = 11906 - 2 * Cm(2).twips
    for table in document.tables:
        widths = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert sum(widths) <= text_width
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        for i, width in enumerate(widths):
            texts = {row.cells[i].text for row in table.rows
                     if row.cells[i]._tc.grid_span == 1}  # a spanning title has more room
            longest = max(len(word) for text in texts for word in text.split())
            # 10 pt letters are about 100 twips wide at most, plus the cell's margins.
            assert width >= longest * 100 + 216, (texts, width)
