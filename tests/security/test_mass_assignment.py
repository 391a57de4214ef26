"""Mass assignment and tampering (issue 5, item 2).

Extra fields in forms and JSON bodies (state, establishment, groupement, rate,
threshold, technician, author, id…) never change what is stored: the API
refuses unknown fields (422 ``unknown_field``), the forms ignore them, and the
database is compared after. Ids of objects the caller may not use (another
groupement's, another establishment's) are refused exactly like ids that do not
exist, so the answer reveals nothing. Query strings: ``test_list_parameters.py``.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from gic.convention.years import closed_years
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession, State
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.meetings.models import Action, Attendance, Meeting, MeetingStatus, Vote
from gic.models import ApiToken, Establishment, User
from tests.api.conftest import Api
from tests.helpers import accepted, session
from tests.security.tampering import (
    UNKNOWN_ID,
    browser,
    changed,
    draft,
    snapshot,
    text,
    warm,
)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def active(world) -> Intervention:
    i = draft(world)
    services.activate(i, world.directors["B"])
    return i


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


# --- JSON: unknown fields are refused, nothing is stored -------------------------

TAMPERING = [
    ("state", "validated"), ("groupement_id", "OTHER_GROUPEMENT"),
    ("establishment_id", "OTHER_X"), ("technician_id", "TECH_A"),
    ("approved_by", "DIR_B"), ("approved_by_id", "DIR_B"), ("rate", "0.01"),
    ("hourly_rate", "0.01"), ("threshold_minutes", 1), ("cap_minutes", 999999),
    ("created_by_id", "DIR_C"), ("id", 1), ("closed", False), ("role", "coordinator"),
    ("validated_at", "2025-01-01T00:00:00"), ("minutes", 1), ("year", 2019),
]


def _value(value, world, other_world):
    return {"OTHER_GROUPEMENT": other_world.groupement.id,
            "OTHER_X": other_world.establishments["X"].id,
            "TECH_A": world.technicians["A"].id, "DIR_B": world.directors["B"].id,
            "DIR_C": world.directors["C"].id}.get(value, value) if isinstance(value, str) \
        else value


def _api_calls(world, other_world):
    """(caller, method, path, valid body) for every JSON body of the API."""
    e, t, d = world.establishments, world.technicians, world.directors
    i_draft, i_active = draft(world), active(world)
    i_accepted = accepted(world, "A", "B")
    s = session(world, i_accepted, date(2025, 3, 3), "08:00", "10:00")
    i_done = accepted(world, "A", "B")
    session(world, i_done, date(2025, 3, 4), "08:00", "10:00")
    return [
        (t["B"], "POST", "/interventions",
         {"provider_id": e["A"].id, "axis": 2, "nature": "incident", "description": "Panne"}),
        (d["B"], "POST", f"/interventions/{i_draft.id}/activate", {}),
        (d["A"], "POST", f"/interventions/{i_active.id}/accept", {"technician_id": t["A"].id}),
        (d["A"], "POST", f"/interventions/{i_active.id}/decline", {"reason": "Non"}),
        (d["B"], "POST", f"/interventions/{i_draft.id}/cancel", {}),
        (t["A"], "POST", f"/interventions/{i_accepted.id}/sessions",
         {"date": "2025-03-05", "start": "08:00", "end": "09:00", "mode": "onsite"}),
        (t["A"], "PATCH", f"/sessions/{s.id}", {"notes": "Précision"}),
        (t["A"], "POST", f"/interventions/{i_done.id}/complete", {"report": "Fait."}),
        (world.accountant, "POST", "/billing/2024/close", {}),
        (world.coordinator, "POST", "/establishments", {"name": "EHPAD", "finess": "650001111"}),
        (world.coordinator, "POST", "/users",
         {"email": "n@x.test", "name": "N", "role": "technician", "establishment_id": e["C"].id,
          "password": "assez-long"}),
        (None, "POST", "/tokens", {"email": t["B"].email, "password": "x"}),
    ]


def test_every_json_body_refuses_extra_fields_and_stores_nothing(api, world, other_world):
    calls = _api_calls(world, other_world)
    warm(api, *{user for user, *_ in calls if user is not None})
    before = snapshot()
    tried = 0
    for user, method, path, body in calls:
        for name, value in TAMPERING:
            if name in body:
                continue
            response = api.call(method, path, user,
                                json={**body, name: _value(value, world, other_world)})
            assert response.status_code == 422, (method, path, name, response.get_json())
            assert error_code(response) == "unknown_field"
            assert response.get_json()["error"]["field"] == name
            tried += 1
    assert tried > 150
    assert changed(before) == []


def test_a_session_cannot_be_moved_repriced_or_reassigned(api, world, other_world):
    i = accepted(world, "A", "B")
    s = session(world, i, date(2025, 3, 3), "08:00", "10:00")
    other = accepted(world, "A", "C")
    warm(api, world.technicians["A"])
    before = snapshot()
    for extra in ({"intervention_id": other.id}, {"technician_id": world.technicians["C"].id},
                  {"hourly_rate": "0.00"}, {"minutes": 9999}, {"year": 2019}):
        response = api.patch(f"/sessions/{s.id}", world.technicians["A"],
                             json={"notes": "x", **extra})
        assert response.status_code == 422 and error_code(response) == "unknown_field"
    assert changed(before) == []
    db.session.refresh(s)
    assert (s.intervention_id, s.technician_id, s.minutes, s.hourly_rate) == (
        i.id, world.technicians["A"].id, 120, Decimal("25.00"))


# --- JSON: ids the caller may not use are refused like unknown ones -----------------

def _refusal(response) -> tuple[int, str, str]:
    error = response.get_json()["error"]
    return response.status_code, error["code"], error["message"]


def test_provider_of_another_groupement_is_an_unknown_establishment(api, world, other_world):
    warm(api, world.technicians["B"])
    before = snapshot()
    answers = set()
    for provider in (other_world.establishments["X"].id, UNKNOWN_ID):
        response = api.post("/interventions", world.technicians["B"], json={
            "provider_id": provider, "axis": 2, "nature": "incident", "description": "Panne"})
        answers.add(_refusal(response))
    assert answers == {(422, "invalid_field", "Établissement inconnu dans ce groupement.")}
    assert changed(before) == []


def test_a_request_is_drafted_for_ones_own_establishment_only(api, world, other_world):
    warm(api, world.technicians["B"])
    before = snapshot()
    answers = set()
    for beneficiary in (world.establishments["C"].id, other_world.establishments["X"].id,
                        UNKNOWN_ID):
        response = api.post("/interventions", world.technicians["B"], json={
            "beneficiary_id": beneficiary, "provider_id": world.establishments["A"].id,
            "axis": 2, "nature": "incident", "description": "Panne"})
        answers.add(_refusal(response))
    # One answer whatever the id: another groupement's establishment is not revealed.
    assert len(answers) == 1 and next(iter(answers))[0] == 403
    assert changed(before) == []


def test_accept_assigns_only_a_technician_of_the_provider(api, world, other_world):
    i = active(world)
    warm(api, world.directors["A"])
    before = snapshot()
    answers = set()
    for technician in (world.technicians["C"], world.technicians["B"], world.directors["A"],
                       other_world.technicians["X"], world.coordinator, None):
        response = api.post(f"/interventions/{i.id}/accept", world.directors["A"], json={
            "technician_id": technician.id if technician else UNKNOWN_ID})
        answers.add(_refusal(response))
    assert answers == {(422, "invalid_field", "Choisissez un technicien de votre établissement.")}
    assert changed(before) == []
    db.session.refresh(i)
    assert (i.state, i.technician_id) == (State.ACTIVE, None)


def test_a_user_is_created_only_in_an_establishment_of_the_groupement(api, world, other_world):
    warm(api, world.coordinator)
    before = snapshot()
    answers = set()
    for establishment in (other_world.establishments["X"].id, UNKNOWN_ID):
        response = api.post("/users", world.coordinator, json={
            "email": "n@x.test", "name": "N", "role": "director",
            "establishment_id": establishment, "password": "assez-long"})
        answers.add(_refusal(response))
    assert answers == {(422, "invalid_field", "Établissement inconnu dans ce groupement.")}
    assert changed(before) == []


def test_someone_else_s_objects_in_the_url_are_404_and_untouched(api, world, other_world):
    """Another groupement's intervention and session, whatever the body says."""
    theirs = accepted(other_world, "X", "Y")
    s = session(other_world, theirs, date(2025, 3, 3), "08:00", "10:00")
    me = world.directors["B"]
    warm(api, me)
    before = snapshot()
    for method, path, body in (
            ("POST", f"/interventions/{theirs.id}/cancel", {}),
            ("POST", f"/interventions/{theirs.id}/validate", {}),
            ("PATCH", f"/sessions/{s.id}", {"notes": "x"}),
            ("DELETE", f"/sessions/{s.id}", None)):
        response = api.call(method, path, me, json=body)
        assert _refusal(response)[0] == 404
    assert changed(before) == []


# --- Forms: extra fields are ignored --------------------------------------------------

def test_draft_form_ignores_state_parties_threshold_and_author(app, world, other_world):
    client = browser(app, world.technicians["B"])
    response = client.post("/interventions/new", data={
        "provider_id": str(world.establishments["A"].id), "axis": "2", "nature": "incident",
        "description": "Imprimante en panne", "urgency": "normal",
        "estimated_onsite_minutes": "1:00",
        # tampering
        "state": "validated", "beneficiary_id": str(world.establishments["C"].id),
        "establishment_id": str(other_world.establishments["X"].id),
        "groupement_id": str(other_world.groupement.id), "threshold_minutes": "1",
        "technician_id": str(world.technicians["A"].id),
        "created_by_id": str(world.directors["C"].id), "id": "424242",
        "approved_by": str(world.directors["B"].id), "validated_at": "2025-01-01",
        "rate": "0.01"})
    assert response.status_code == 302
    i = db.session.scalars(select(Intervention)).one()
    assert i.id != 424242
    assert (i.state, i.groupement_id, i.beneficiary_id, i.provider_id) == (
        State.DRAFT, world.groupement.id, world.establishments["B"].id,
        world.establishments["A"].id)
    assert (i.threshold_minutes, i.technician_id, i.created_by_id, i.validated_at) == (
        420, None, world.technicians["B"].id, None)
    assert i.estimated_onsite_minutes == 60


def test_draft_form_refuses_a_provider_of_another_groupement(app, world, other_world):
    client = browser(app, world.technicians["B"])
    before = snapshot()
    for provider in (other_world.establishments["X"].id, UNKNOWN_ID):
        response = client.post("/interventions/new", data={
            "provider_id": str(provider), "axis": "2", "nature": "incident",
            "description": "Panne"})
        assert response.status_code == 422
        assert "Établissement inconnu dans ce groupement." in text(response)
    assert changed(before) == []


@pytest.mark.parametrize("who", ["tech_C", "tech_B", "dir_A", "tech_X", "unknown"])
def test_accept_form_refuses_a_technician_from_elsewhere(app, world, other_world, who):
    technician = {"tech_C": world.technicians["C"], "tech_B": world.technicians["B"],
                  "dir_A": world.directors["A"], "tech_X": other_world.technicians["X"],
                  "unknown": None}[who]
    i = active(world)
    client = browser(app, world.directors["A"])
    before = snapshot()
    response = client.post(f"/interventions/{i.id}/accept", data={
        "technician_id": str(technician.id if technician else UNKNOWN_ID), "state": "accepted"})
    assert response.status_code == 422
    assert "Choisissez un technicien de votre établissement." in text(response)
    assert changed(before) == []


def test_session_form_ignores_rate_minutes_technician_and_intervention(app, world):
    i = accepted(world, "A", "B")
    elsewhere = accepted(world, "C", "B")
    client = browser(app, world.technicians["A"])
    response = client.post(f"/interventions/{i.id}/sessions", data={
        "date": "2025-03-03", "start": "08:00", "end": "09:00", "mode": "onsite", "notes": "",
        "hourly_rate": "0.01", "rate": "0.01", "minutes": "99999", "year": "2019",
        "technician_id": str(world.technicians["C"].id),
        "intervention_id": str(elsewhere.id), "id": "7"})
    assert response.status_code == 302
    s = db.session.scalars(select(InterventionSession)).one()
    assert (s.intervention_id, s.technician_id, s.minutes, s.year, s.hourly_rate) == (
        i.id, world.technicians["A"].id, 60, 2025, Decimal("25.00"))
    # Editing it: same, the session stays where it is.
    response = client.post(f"/interventions/sessions/{s.id}/edit", data={
        "date": "2025-03-03", "start": "08:00", "end": "10:00", "mode": "onsite",
        "intervention_id": str(elsewhere.id), "technician_id": str(world.technicians["C"].id),
        "minutes": "1", "hourly_rate": "0"})
    assert response.status_code == 302
    db.session.refresh(s)
    assert (s.intervention_id, s.technician_id, s.minutes, s.hourly_rate) == (
        i.id, world.technicians["A"].id, 120, Decimal("25.00"))


def test_coordination_forms_stay_in_the_coordinators_groupement(app, world, other_world):
    client = browser(app, world.coordinator)
    response = client.post("/admin/establishments", data={
        "est-name": "EHPAD Les Pins", "est-finess": "650001234",
        "est-groupement_id": str(other_world.groupement.id), "groupement_id":
            str(other_world.groupement.id), "est-lock_version": "99"})
    assert response.status_code == 302
    e = db.session.scalars(select(Establishment).where(Establishment.finess == "650001234")).one()
    assert (e.groupement_id, e.lock_version) == (world.groupement.id, 0)
    response = client.post("/admin/users", data={
        "user-email": "nouvelle@exemple.test", "user-name": "Nouvelle", "user-role": "director",
        "user-establishment_id": str(e.id), "user-password": "assez-long",
        "user-groupement_id": str(other_world.groupement.id), "user-active": "0",
        "user-id": "1", "user-session_token": "x"})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "nouvelle@exemple.test")).one()
    assert (user.groupement_id, user.establishment_id, user.role, user.active) == (
        world.groupement.id, e.id, "director", True)
    assert user.session_token != "x" and user.id != 1


@pytest.mark.parametrize("field, value, message", [
    ("user-establishment_id", "OTHER_X", "Établissement inconnu dans ce groupement."),
    ("user-establishment_id", str(UNKNOWN_ID), "Établissement inconnu dans ce groupement."),
    ("user-role", "superadmin", "N'est pas un choix valide."),
])
def test_user_form_refuses_foreign_establishment_and_unknown_role(app, world, other_world,
                                                                  field, value, message):
    client = browser(app, world.coordinator)
    before = snapshot()
    data = {"user-email": "nouvelle@exemple.test", "user-name": "Nouvelle",
            "user-role": "director", "user-establishment_id": str(world.establishments["A"].id),
            "user-password": "assez-long"}
    data[field] = str(other_world.establishments["X"].id) if value == "OTHER_X" else value
    response = client.post("/admin/users", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert changed(before) == []


def test_a_token_is_made_for_oneself(app, world):
    client = browser(app, world.technicians["B"])
    response = client.post("/profile", data={"name": "script",
                                             "user_id": str(world.directors["A"].id)})
    assert response.status_code == 200
    token = db.session.scalars(select(ApiToken)).one()
    assert token.user_id == world.technicians["B"].id


def test_year_forms_act_on_the_callers_groupement_only(app, world, other_world):
    accountant = browser(app, world.accountant)
    assert accountant.post("/billing/2024/close", data={
        "groupement_id": str(other_world.groupement.id), "year": "2019",
        "closed": "0"}).status_code == 302
    assert closed_years(world.groupement.id) == {2024}
    assert closed_years(other_world.groupement.id) == set()
    # The other groupement's coordinator cannot reopen it, whatever he posts.
    theirs = browser(app, other_world.coordinator)
    before = snapshot()
    assert theirs.post("/billing/2024/reopen", data={
        "reason": "Essai", "groupement_id": str(world.groupement.id)}).status_code == 302
    assert changed(before) == []
    assert closed_years(world.groupement.id) == {2024}


# --- Meetings ---------------------------------------------------------------------------

MEETING = {"kind": "technicians", "title": "Réunion", "day": "2026-12-10", "start": "14:00",
           "duration_minutes": "2:00", "place": "Salle 2", "video_url": "", "agenda": ""}


def test_meeting_form_ignores_status_author_groupement(app, world, other_world):
    client = browser(app, world.coordinator)
    response = client.post("/meetings/new", data={
        **MEETING, "status": "held", "sequence": "99",
        "created_by_id": str(world.directors["A"].id),
        "groupement_id": str(other_world.groupement.id), "id": "424242"})
    assert response.status_code == 302
    meeting = db.session.scalars(select(Meeting)).one()
    assert (meeting.status, meeting.sequence, meeting.created_by_id, meeting.groupement_id) == (
        MeetingStatus.PLANNED, 0, world.coordinator.id, world.groupement.id)
    assert meeting.id != 424242


def test_invitees_from_another_groupement_are_refused(app, world, other_world):
    client = browser(app, world.coordinator)
    before = snapshot()
    for foreign in (other_world.technicians["X"].id, UNKNOWN_ID):
        response = client.post("/meetings/new", data={
            **MEETING, "invitees": [str(world.technicians["A"].id), str(foreign)]})
        assert response.status_code == 422
        assert "Invité inconnu dans ce groupement." in text(response)
    assert changed(before) == []
    meeting = meetings.plan_meeting(world.coordinator, kind="technicians", title=None,
                                    day=date(2026, 12, 10), start=time(14), duration_minutes=120,
                                    place="Salle 2")
    before = snapshot()
    response = client.post(f"/meetings/{meeting.id}/edit", data={
        **MEETING, "invitees": [str(other_world.directors["X"].id)]})
    assert response.status_code == 422
    assert changed(before) == []


def test_minutes_people_from_another_groupement_are_refused(app, world, other_world):
    meeting = meetings.plan_meeting(world.coordinator, kind="technicians", title=None,
                                    day=date(2026, 11, 2), start=time(14), duration_minutes=120,
                                    place="Salle 2")
    steps.start_minutes(meeting, world.coordinator)
    client = browser(app, world.coordinator)
    base = f"/meetings/{meeting.id}/minutes/1"
    before = snapshot()
    foreign = str(other_world.directors["X"].id)
    response = client.post(base + "/attendees", data={"user_id": foreign, "name": "",
                                                      "presence": "present"})
    assert response.status_code == 422
    response = client.post(base + "/actions", data={"text": "Inventaire", "owner_id": foreign})
    assert response.status_code == 422
    assert "Personne inconnue dans ce groupement." in text(response)
    assert changed(before) == []
    assert db.session.scalar(select(func.count(Action.id))) == 0
    assert not db.session.scalar(select(func.count(Attendance.id)).where(
        Attendance.user_id == other_world.directors["X"].id))


def test_a_vote_counts_for_the_voters_own_establishment(app, world):
    meeting = meetings.plan_meeting(world.coordinator, kind="directors", title=None,
                                    day=date(2026, 11, 2), start=time(14), duration_minutes=120,
                                    place="Salle 2")
    minutes = steps.start_minutes(meeting, world.coordinator)
    decision = steps.add_decision(minutes, world.coordinator, text="Adhésion",
                                  needs_unanimity=True)
    client = browser(app, world.directors["A"])
    response = client.post(f"/meetings/decisions/{decision.id}/vote", data={
        "choice": "for", "establishment_id": str(world.establishments["C"].id),
        "user_id": str(world.directors["C"].id), "decision_id": "1", "cast_at": "2020-01-01"})
    assert response.status_code == 302
    vote = db.session.scalars(select(Vote)).one()
    assert (vote.establishment_id, vote.user_id, vote.decision_id) == (
        world.establishments["A"].id, world.directors["A"].id, decision.id)
