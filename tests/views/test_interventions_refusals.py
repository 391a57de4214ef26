"""Interventions web UI: each refusal is shown in plain French, changes nothing,
and keeps what the user typed (cap R5/R7, excluded natures, session rules, states)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.timeutil import local_today
from tests.conftest import csrf_login, csrf_token
from tests.helpers import accepted, session
from tests.views.test_interventions_views import (
    DAY1,
    DAY2,
    client_for,
    draft,
    in_state,
    session_data,
    sessions_of,
    state_of,
    text,
)

# --- Refusals: French, nothing changed, input kept ----------------------------------

def use_30_hours_of_b(world, year: int, days=(3, 4, 5)):
    """B has 30 h billable in ``year`` (3 × 10 h on-site from C)."""
    for day in days:
        i = accepted(world, provider="C")
        session(world, i, date(year, 2, day), "08:00", "18:00")


def test_cap_refusal_shows_minutes_left_and_keeps_input(app, world):
    use_30_hours_of_b(world, 2026)
    i = accepted(world)
    tech_a = client_for(app, world.technicians["A"])
    r = tech_a.post(f"/interventions/{i.id}/sessions",
                    data=session_data(date(2026, 4, 1), "08:00", "12:00"))
    assert r.status_code == 302
    r = tech_a.post(f"/interventions/{i.id}/sessions", data=session_data(
        date(2026, 4, 2), "08:00", "11:00", notes="Baie de brassage du 2e"))
    assert r.status_code == 409
    page = text(r)
    assert "plafond annuel de 35 h 00" in page and "Il reste 300 min (5 h 00)" in page
    assert "détachement temporaire" in page
    assert 'value="2026-04-02"' in page and 'value="11:00"' in page
    assert "Baie de brassage du 2e" in page
    assert [s.minutes for s in sessions_of(i)] == [240]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "session.create", AuditEntry.object_id.is_not(None))) == 4


def test_activation_refused_by_cap_r7(app, world):
    # R7 counts the current year: the pinned today (November) leaves room for
    # the 30 hours of February.
    use_30_hours_of_b(world, local_today().year)
    i = draft(world, estimated_onsite_minutes=420)
    r = client_for(app, world.directors["B"]).post(f"/interventions/{i.id}/activate")
    assert r.status_code == 409
    assert "Activation refusée" in text(r) and "reste 300 min" in text(r)
    assert state_of(i) == State.DRAFT


@pytest.mark.parametrize("nature", ["user_support", "user_training", "permanent_change"])
def test_forbidden_nature_refused_with_the_clause(app, world, nature):
    client = client_for(app, world.technicians["B"])
    r = client.post("/interventions/new", data={
        "provider_id": world.establishments["A"].id, "axis": "2", "nature": nature,
        "description": "Former les soignants au nouveau logiciel", "urgency": "normal"})
    assert r.status_code == 422
    page = text(r)
    assert "est exclu par la convention" in page
    assert "ne peuvent être activées pour du support utilisateur/formation" in page
    assert "Former les soignants au nouveau logiciel" in page
    assert db.session.scalar(select(func.count(Intervention.id))) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("axis", "1", "relève de l'axe 2"),
    ("provider_id", "{own}", "doit être un autre établissement"),
    ("estimated_onsite_minutes", "sept heures", "Durée illisible"),
    ("estimated_remote_minutes", "3:75", "Durée illisible"),
    ("description", "", "Décrivez le besoin."),
])
def test_draft_refusals_name_the_field(app, world, field, value, message):
    client = client_for(app, world.technicians["B"])
    data = {"provider_id": world.establishments["A"].id, "axis": "2", "nature": "incident",
            "description": "Panne", "urgency": "normal"}
    data[field] = value.format(own=world.establishments["B"].id)
    r = client.post("/interventions/new", data=data)
    assert r.status_code == 422
    assert message in text(r)
    assert db.session.scalar(select(func.count(Intervention.id))) == 0


@pytest.mark.parametrize(("typed", "minutes"), [
    ("7:30", 450), ("7 h 30", 450), ("7h30", 450), ("7h", 420), ("7", 420),
    ("45 min", 45), ("0:05", 5), ("", 0),
])
def test_estimates_accept_hours_minutes(app, world, typed, minutes):
    client = client_for(app, world.technicians["B"])
    r = client.post("/interventions/new", data={
        "provider_id": world.establishments["A"].id, "axis": "3", "nature": "incident",
        "description": "Panne", "estimated_onsite_minutes": typed})
    assert r.status_code == 302
    assert db.session.scalars(select(Intervention)).one().estimated_onsite_minutes == minutes


@pytest.mark.parametrize(("data", "status", "message"), [
    (session_data(DAY1, "12:00", "08:00"), 422, "L'heure de fin doit être après"),
    (session_data(date(2019, 1, 7)), 422, "antérieure au début de la convention"),
    (session_data(date(2099, 1, 7)), 422, "dans le futur"),
    (session_data(DAY1, "09:00", "10:00"), 422,
     "chevauche votre séance du 2 novembre 2026 de 08:30 à 09:30 (demande n° "),
    (session_data(DAY1, mode="teleport"), 422, "Mode inconnu"),
    ({"date": "hier", "start": "08:00", "end": "09:00", "mode": "onsite"}, 422,
     "Date illisible : écrivez-la « JJ/MM/AAAA » ou « AAAA-MM-JJ »."),
    ({"date": "2026-11-02", "start": "8h", "end": "09:00", "mode": "onsite"}, 422,
     "Heure illisible : écrivez-la « 9:00 » ou « 09:00 »."),
    # Was stored as 15 min: the clocks skip 02:00–03:00 that night.
    (session_data(date(2026, 3, 29), "02:30", "02:45"), 422,
     "02:30 n'existe pas le 29/03/2026"),
])
def test_refused_session_keeps_input_and_stores_nothing(app, world, data, status, message):
    i = accepted(world)
    session(world, i, DAY1, "08:30", "09:30")
    r = client_for(app, world.technicians["A"]).post(f"/interventions/{i.id}/sessions",
                                                      data=data)
    assert r.status_code == status
    page = text(r)
    assert message in page
    assert f'value="{data["end"]}"' in page
    assert len(sessions_of(i)) == 1


def test_the_repeated_hour_is_counted_once_and_said(app, world):
    """The night of the autumn change, 02:15–02:45 is the first one (summer time)."""
    i = accepted(world)
    client = client_for(app, world.technicians["A"])
    r = client.post(f"/interventions/{i.id}/sessions",
                    data=session_data(date(2026, 10, 25), "02:15", "02:45", mode="remote"),
                    follow_redirects=True)
    assert r.status_code == 200
    assert ("02:15 et 02:45 existent deux fois le 25/10/2026 (passage à l'heure d'hiver) : "
            "c'est la première fois qui est comptée, en heure d'été (UTC+02:00).") in text(r)
    assert [s.minutes for s in sessions_of(i)] == [30]
    r = client.post(f"/interventions/{i.id}/sessions", follow_redirects=True,
                    data=session_data(date(2026, 10, 26), "09:00", "10:00", mode="remote"))
    assert "existe deux fois" not in text(r) and "existent deux fois" not in text(r)


def test_refused_edit_keeps_input(app, world):
    i = accepted(world)
    session(world, i, DAY1, "08:00", "10:00")
    s = session(world, i, DAY1, "13:00", "14:00")
    client = client_for(app, world.technicians["A"])
    r = client.post(f"/interventions/sessions/{s.id}/edit",
                    data=session_data(DAY1, "09:00", "14:00", notes="Chevauche"))
    assert r.status_code == 422
    page = text(r)
    assert "chevauche" in page and 'value="09:00"' in page and "Chevauche" in page
    assert [x.start_time.hour for x in sessions_of(i)] == [8, 13]


def test_sessions_frozen_after_completion(app, world):
    i = in_state(world, "completed")
    [s] = sessions_of(i)
    client = client_for(app, world.technicians["A"])
    page = text(client.get(f"/interventions/{i.id}"))
    assert "Modifier" not in page and "Saisir du temps passé" not in page
    r = client.get(f"/interventions/sessions/{s.id}/edit")
    assert r.status_code == 409 and "ne peut plus être modifiée" in text(r)
    r = client.post(f"/interventions/sessions/{s.id}/delete")
    assert r.status_code == 409 and "ne se saisit que sur une intervention acceptée" in text(r)
    r = client.post(f"/interventions/{i.id}/sessions", data=session_data(DAY2))
    assert r.status_code == 409
    assert len(sessions_of(i)) == 1


def test_cancel_refused_once_time_is_logged(app, world):
    i = in_state(world, "worked")
    client = client_for(app, world.directors["B"])
    assert "Annuler la demande" not in text(client.get(f"/interventions/{i.id}"))
    r = client.post(f"/interventions/{i.id}/cancel")
    assert r.status_code == 409
    assert "le travail fait n'est jamais effacé" in text(r)
    assert state_of(i) == State.ACCEPTED


def test_complete_needs_a_report(app, world):
    i = in_state(world, "worked")
    r = client_for(app, world.technicians["A"]).post(f"/interventions/{i.id}/complete",
                                                     data={"report": ""})
    assert r.status_code == 422 and "Rédigez le compte rendu." in text(r)
    assert state_of(i) == State.ACCEPTED


def test_accept_with_a_technician_of_another_establishment(app, world):
    i = in_state(world, "active")
    r = client_for(app, world.directors["A"]).post(
        f"/interventions/{i.id}/accept", data={"technician_id": world.technicians["C"].id})
    assert r.status_code == 422
    assert "Choisissez un technicien de votre établissement." in text(r)
    assert state_of(i) == State.ACTIVE


def test_forms_carry_csrf_and_reject_posts_without_it(csrf_client, world):
    i = draft(world)
    client = csrf_client
    csrf_login(client, world.directors["B"])
    assert client.post(f"/interventions/{i.id}/activate").status_code == 400
    page = client.get(f"/interventions/{i.id}").get_data(as_text=True)
    r = client.post(f"/interventions/{i.id}/activate", data={"csrf_token": csrf_token(page)})
    assert r.status_code == 302
    assert state_of(i) == State.ACTIVE
