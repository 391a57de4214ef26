"""GIC issue 14, item 2: the intervention page says, where time is entered, the
beneficiary's billable minutes left this year (R5) and where the intervention stands
against the free threshold (R2–R3), so that a refused session is never a surprise."""

from __future__ import annotations

import re
from datetime import date

from gic.interventions import services
from tests.conftest import login
from tests.helpers import accepted, session, visible_text


def page(app, user, i) -> str:
    """The detail page's visible text, as ``user`` reads it."""
    client = app.test_client()
    assert login(client, user).status_code == 302
    response = client.get(f"/interventions/{i.id}")
    assert response.status_code == 200
    return visible_text(response)


def form_of(text: str) -> str:
    """The session form's text (from its title to its button)."""
    return re.search(r"Saisir du temps passé (.*?) Enregistrer la séance", text).group(1)


def used_30_hours(world):
    """B has 30 h billable in 2026 from another request (SPEC §4 case 6)."""
    other = accepted(world)
    for day in range(2, 7):  # 5 × 6 h on site, 2–6 November 2026
        session(world, other, date(2026, 11, day), "08:00", "14:00")


def test_near_the_cap_the_form_says_what_is_left_and_that_the_threshold_would_break_it(
        app, world):
    used_30_hours(world)
    i = accepted(world)
    session(world, i, date(2026, 11, 9), "08:00", "12:00")  # 4 h on site: still free
    form = form_of(page(app, world.technicians["A"], i))
    assert ("Plafond 2026 de l'établissement Établissement B : 5 h 00 facturables restantes "
            "sur 35 h 00" in form)
    assert "Encore 3 h 00 sur site avant le seuil de 7 h 00 (heures gratuites)" in form
    assert "Atteindre le seuil rendrait au moins 7 h 00 facturables en 2026" in form
    assert "EUR" not in form and "€" not in form  # the technician sees minutes, not euros


def test_crossing_the_threshold_turns_the_line_and_lowers_what_is_left(app, world):
    i = accepted(world)
    session(world, i, date(2026, 11, 9), "08:00", "12:00")
    session(world, i, date(2026, 11, 10), "08:00", "10:00", mode="remote")  # never counts
    before = form_of(page(app, world.technicians["A"], i))
    assert "35 h 00 facturables restantes sur 35 h 00" in before
    assert "Encore 3 h 00 sur site avant le seuil de 7 h 00" in before
    assert "Atteindre le seuil" not in before  # 7 h fit in the 35 h left

    session(world, i, date(2026, 11, 12), "08:00", "11:00")  # 4 h + 3 h = 7 h 00: billable
    after = form_of(page(app, world.technicians["A"], i))
    assert "28 h 00 facturables restantes sur 35 h 00" in after
    assert ("Cette intervention a atteint le seuil de 7 h 00 sur site : toutes ses heures "
            "sur site sont facturables") in after
    assert "Encore" not in after


def test_the_parties_see_it_without_the_form(app, world):
    i = accepted(world)
    session(world, i, date(2026, 11, 9), "08:00", "15:20")  # 7 h 20 on site
    for reader in (world.directors["B"], world.directors["A"]):
        text = page(app, reader, i)
        assert "Saisir du temps passé" not in text
        assert ("Plafond 2026 de l'établissement Établissement B : 27 h 40 facturables "
                "restantes" in text)
        assert "a atteint le seuil de 7 h 00 sur site" in text


def test_sessions_of_another_year_say_which_year_is_shown(app, world):
    i = accepted(world)
    session(world, i, date(2025, 12, 30), "08:00", "12:00")
    form = form_of(page(app, world.technicians["A"], i))
    assert "Plafond 2026 de l'établissement Établissement B : 35 h 00 facturables restantes" in form
    assert "Encore 3 h 00 sur site avant le seuil" in form  # the threshold counts every year
    assert ("Plafond affiché : 2026. Les séances de 2025 comptent sur le plafond de leur "
            "année.") in form


def test_not_shown_on_a_cancelled_request(app, world):
    i = accepted(world)
    assert "Plafond 2026" in page(app, world.directors["B"], i)
    services.cancel(i, world.directors["B"])
    assert "Plafond" not in page(app, world.directors["B"], i)
