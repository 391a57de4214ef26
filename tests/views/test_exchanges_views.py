"""Exchanges and advice pages: the free-of-charge log, noted by the giver,
corrected by its author, refused input kept, other people's exchanges hidden."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gic.exchanges import services
from gic.exchanges.models import Exchange
from gic.extensions import db
from tests.views.test_meetings_views import client_for, text_of


def form(world, **changes):
    data = {"recipient_id": str(world.establishments["B"].id), "date": "2026-10-05",
            "topic": "Certificat du serveur web expiré", "minutes": "45 min",
            "notes": "Renouvellement expliqué pas à pas"}
    data.update(changes)
    return data


def test_a_technician_notes_advice_it_is_free(app, world):
    client = client_for(app, world.technicians["A"])
    page = text_of(client.get("/exchanges/new"))
    assert "Conseil donné par Technicien A (Établissement A)" in page
    assert "jamais facturé, jamais compté dans le plafond annuel" in page
    response = client.post("/exchanges/new", data=form(world))
    assert response.status_code == 302
    e = db.session.scalar(select(Exchange))
    assert (e.minutes, e.giver_id, e.recipient_id) == (45, world.technicians["A"].id,
                                                       world.establishments["B"].id)
    listing = text_of(client.get("/exchanges/"))
    assert "Gratuit : les échanges d'information et les conseils" in listing
    assert "ne sont jamais facturés et ne comptent pas dans le plafond annuel" in listing
    assert "Certificat du serveur web expiré" in listing and "0 h 45" in listing
    assert "Modifier" in listing


@pytest.mark.parametrize(("changes", "message"), [
    ({"minutes": "0:00"}, "La durée doit être supérieure à zéro."),
    ({"minutes": ""}, "Indiquez le temps passé."),
    ({"recipient_id": "A"}, "un autre établissement que le vôtre"),
    ({"date": "2099-05-01"}, "ne peut pas être dans le futur"),
])
def test_refusals_keep_the_input(app, world, changes, message):
    if changes.get("recipient_id") == "A":
        changes["recipient_id"] = str(world.establishments["A"].id)
    response = client_for(app, world.technicians["A"]).post("/exchanges/new",
                                                            data=form(world, **changes))
    assert response.status_code == 422 and message in text_of(response)
    page = response.get_data(as_text=True)
    assert 'value="Certificat du serveur web expiré"' in page
    assert "Renouvellement expliqué pas à pas" in page
    assert db.session.scalar(select(func.count(Exchange.id))) == 0


def test_who_sees_and_who_changes(app, world, other_world):
    e = services.log_exchange(world.technicians["A"], recipient_id=world.establishments["B"].id,
                              day=date(2026, 10, 5), topic="Sauvegarde hors site", minutes=30)
    readers = {"dir_B": world.directors["B"], "coordinator": world.coordinator,
               "dir_A": world.directors["A"]}
    for user in readers.values():
        page = text_of(client_for(app, user).get("/exchanges/"))
        assert "Sauvegarde hors site" in page and "Modifier" not in page
    assert "Noter un échange" not in text_of(client_for(app, world.coordinator)
                                            .get("/exchanges/"))
    assert "Sauvegarde hors site" not in text_of(client_for(app, world.technicians["C"])
                                                .get("/exchanges/"))
    accountant = client_for(app, world.accountant)
    assert accountant.get("/exchanges/").status_code == 403
    assert accountant.get("/exchanges/new").status_code == 403
    director_a = client_for(app, world.directors["A"])
    assert director_a.get(f"/exchanges/{e.id}/edit").status_code == 403
    assert director_a.post(f"/exchanges/{e.id}/delete").status_code == 403
    assert client_for(app, other_world.coordinator).get(f"/exchanges/{e.id}/edit") \
        .status_code == 404
    author = client_for(app, world.technicians["A"])
    assert 'value="0:30"' in author.get(f"/exchanges/{e.id}/edit").get_data(as_text=True)
    assert author.post(f"/exchanges/{e.id}/edit",
                       data=form(world, minutes="1 h")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Exchange, e.id).minutes == 60
    assert author.post(f"/exchanges/{e.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Exchange.id))) == 0
