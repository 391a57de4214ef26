"""Issue 16, item 4, on the page and through the API: where the technician logs time,
the beneficiary's hours ordered and left (instead of the cap box); a refused
overrun in French with the hours ordered and left, web and API alike."""

from __future__ import annotations

from datetime import date

from tests.helpers import accepted, session, visible_text
from tests.ordered_helpers import H, make_ordered
from tests.services.test_ordered_consumption import order
from tests.views.test_cap_status_views import form_of, page
from tests.views.test_interventions_views import client_for, session_data, sessions_of, text


def test_the_form_shows_the_hours_ordered_and_left_not_the_cap(app, world):
    make_ordered(world, overrun_allowed=False)
    order(world, "B", 10 * H)
    i = accepted(world)
    session(world, i, date(2026, 11, 3), "08:00", "16:00", mode="remote")  # 8 h: 80 %
    form = form_of(page(app, world.technicians["A"], i))
    assert ("Heures commandées 2026 par l'établissement Établissement B : 2 h 00 restantes "
            "sur 10 h 00 (8 h 00 consommées, 80 %)") in form
    assert "80 % des heures commandées sont consommées" in form
    assert "Au-delà des heures commandées, les séances sont refusées." in form
    assert "Plafond" not in form and "seuil" not in form
    assert "€" not in form and "EUR" not in form  # minutes, not euros
    # The parties read it without the form.
    director = page(app, world.directors["B"], i)
    assert "Saisir du temps passé" not in director
    assert "2 h 00 restantes sur 10 h 00" in director
    assert "compté sur les heures commandées de l'établissement Établissement B" in director


def test_an_allowed_overrun_is_shown(app, world):
    make_ordered(world, overrun_allowed=True)
    order(world, "B", 2 * H)
    i = accepted(world)
    session(world, i, date(2026, 11, 3), "08:00", "12:00")
    form = form_of(page(app, world.technicians["A"], i))
    assert "0 h 00 restantes sur 2 h 00 (4 h 00 consommées, 200 %)" in form
    assert ("Dépassement de 2 h 00 au-delà des heures commandées : la convention le permet, "
            "il est régularisé à la clôture de l'année.") in form


def test_a_refused_overrun_is_said_on_the_form_and_changes_nothing(app, world):
    make_ordered(world, overrun_allowed=False)
    order(world, "B", 5 * H)
    i = accepted(world)
    tech = client_for(app, world.technicians["A"])
    assert tech.post(f"/interventions/{i.id}/sessions", data=session_data(
        date(2026, 11, 3), "08:00", "12:00")).status_code == 302
    r = tech.post(f"/interventions/{i.id}/sessions", data=session_data(
        date(2026, 11, 4), "08:00", "10:00", notes="Sauvegardes"))
    assert r.status_code == 409
    shown = text(r)
    assert ("Établissement B a commandé 5 h 00 pour l'année et en a consommé 4 h 00 ; il en "
            "reste 1 h 00") in shown
    assert "ne permet pas de dépasser les heures commandées" in shown
    assert "Sauvegardes" in shown  # the input is kept
    assert [s.minutes for s in sessions_of(i)] == [240]


def test_the_directors_dashboard_shows_the_hours_ordered(app, world):
    make_ordered(world)
    order(world, "B", 10 * H)
    i = accepted(world)
    session(world, i, date(2026, 11, 3), "08:00", "19:00", mode="remote")  # 11 h of 10 h
    text = visible_text(client_for(app, world.directors["B"]).get("/"))
    assert "Heures commandées 2026" in text
    assert "11 h 00 / 10 h 00 commandées — dépassement de 1 h 00" in text
    assert "Plafond 2026" not in text
