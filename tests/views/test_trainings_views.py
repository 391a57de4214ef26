"""Common trainings pages: every member reads, the coordinator or a director
organises with attendees ticked per establishment, durations typed « 2 h »,
refusals keep the input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.trainings import services
from gic.trainings.models import Training
from tests.views.test_meetings_views import client_for, text_of


def form(world, **changes):
    e = world.establishments
    data = {"topic": "security", "title": "Sensibilisation à l'hameçonnage",
            "date": "2026-10-06", "start_time": "14:00", "duration_minutes": "2 h 30",
            "trainer": "Cyber-Occitanie (Mme Pujol)", "place": "EPAS 65",
            "notes": "Exercices sur de vrais courriels",
            "attendees": [str(world.technicians["A"].id), str(world.directors["B"].id)],
            f"guests_{e['A'].id}": "4", f"guests_{e['B'].id}": "", f"guests_{e['C'].id}": "0"}
    data.update(changes)
    return data


@pytest.mark.parametrize("who", ["tech_C", "accountant", "coordinator"])
def test_every_member_reads_the_trainings(app, world, other_world, who):
    t = services.create_training(world.directors["A"], topic="network", title="Wi-Fi invités",
                                 day=date(2026, 6, 9), duration_minutes=210,
                                 trainer="Nadia Sarrat", attendee_ids=[world.technicians["C"].id],
                                 guests={world.establishments["B"].id: 2})
    user = {"tech_C": world.technicians["C"], "accountant": world.accountant,
            "coordinator": world.coordinator}[who]
    client = client_for(app, user)
    page = text_of(client.get("/trainings/"))
    assert "Formations communes" in page and "Wi-Fi invités" in page and "3 h 30" in page
    assert ("Enregistrer une formation" in page) is (who == "coordinator")
    detail = text_of(client.get(f"/trainings/{t.id}"))
    assert "Technicien C" in detail and "Heures-participants 10 h 30" in detail
    assert ("Modifier" in detail) is (who == "coordinator")
    assert client_for(app, other_world.coordinator).get(f"/trainings/{t.id}").status_code == 404


def test_a_director_records_a_training_with_its_attendees(app, world):
    client = client_for(app, world.directors["A"])
    page = client.get("/trainings/new").get_data(as_text=True)
    assert "<legend>Établissement B</legend>" in page and "Technicien C" in page
    response = client.post("/trainings/new", data=form(world))
    t = db.session.scalar(select(Training))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/trainings/{t.id}")
    assert (t.duration_minutes, t.organiser_id, t.attendee_count) == (150, world.directors["A"].id,
                                                                       6)
    detail = text_of(client.get(f"/trainings/{t.id}"))
    assert "enregistrée" in detail and "Heures-participants 15 h 00" in detail
    edit = client.get(f"/trainings/{t.id}/edit").get_data(as_text=True)
    assert 'value="2:30"' in edit and "checked" in edit
    assert client.post(f"/trainings/{t.id}/edit",
                       data=form(world, duration_minutes="90 min", attendees=[])).status_code == 302
    db.session.expire_all()
    t = db.session.get(Training, t.id)
    assert (t.duration_minutes, t.attendee_count) == (90, 4)
    assert client_for(app, world.directors["B"]).post(f"/trainings/{t.id}/delete").status_code \
        == 403
    assert client.post(f"/trainings/{t.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Training.id))) == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"duration_minutes": "0:00"}, "La durée doit être supérieure à zéro."),
    ({"duration_minutes": "deux heures"}, "Durée illisible"),
    ({"trainer": ""}, "Indiquez le formateur."),
    ({"topic": "cuisine"}, "Choisissez le thème de la formation."),
    ({"attendees": ["999999"]}, "Les participants sont des personnes"),
])
def test_refusals_keep_the_input(app, world, changes, message):
    client = client_for(app, world.coordinator)
    response = client.post("/trainings/new", data=form(world, **changes))
    assert response.status_code == 422
    assert message in text_of(response)
    page = response.get_data(as_text=True)
    assert 'value="Sensibilisation à l&#39;hameçonnage"' in page
    if "attendees" not in changes:  # the ticked people stay ticked
        assert f'value="{world.directors["B"].id}" checked' in page
    assert db.session.scalar(select(func.count(Training.id))) == 0


@pytest.mark.parametrize("who", ["tech_A", "accountant"])
def test_only_the_coordinator_or_a_director_organises(app, world, who):
    user = {"tech_A": world.technicians["A"], "accountant": world.accountant}[who]
    client = client_for(app, user)
    response = client.get("/trainings/new")
    assert response.status_code == 403 and "organisée par la coordination" in text_of(response)
    assert client.post("/trainings/new", data=form(world)).status_code == 403
    assert db.session.scalar(select(func.count(Training.id))) == 0
