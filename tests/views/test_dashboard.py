"""The per-role dashboards: the right numbers, the right scope, few queries."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from gic.extensions import db
from gic.interventions import services
from tests.conftest import login
from tests.helpers import accepted, session, text_of

TODAY = date(2026, 3, 20)  # the dashboards' « today » in these tests


@pytest.fixture(autouse=True)
def fixed_today(clock):
    """« This month » on the dashboards: the clock moved to ``TODAY``, noon in Paris."""
    clock.move_to(datetime.combine(TODAY, time(12, 0), ZoneInfo("Europe/Paris")))


def dashboard(app, user) -> str:
    client = app.test_client()
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return text_of(response)


def finish(world, i, beneficiary="B", validate=True):
    services.complete(i, i.technician, "Fait.")
    if validate:
        services.validate(i, world.directors[beneficiary])


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- Technician -----------------------------------------------------------------

def test_technician_sees_his_open_interventions_and_month_hours(app, world):
    open_one = accepted(world, "A", "B")
    session(world, open_one, date(2026, 3, 2), "08:00", "10:00")                 # 120 on site
    session(world, open_one, date(2026, 3, 3), "09:00", "10:30", mode="remote")  # 90 remote
    session(world, open_one, date(2026, 2, 27), "08:00", "09:00")                # February
    waiting = accepted(world, "A", "C")
    session(world, waiting, date(2026, 3, 5), "14:00", "15:00")                  # 60 on site
    finish(world, waiting, "C", validate=False)
    done = accepted(world, "A", "B")
    session(world, done, date(2026, 3, 6), "14:00", "15:00", mode="remote")      # 60 remote
    finish(world, done)
    someone_else = accepted(world, "B", "A")
    session(world, someone_else, date(2026, 3, 2), "08:00", "12:00")

    page = dashboard(app, world.technicians["A"])

    assert f"Demande n° {open_one.id}" in page
    assert f"Demande n° {waiting.id}" in page
    assert f"Demande n° {done.id}<" not in page  # validated: no longer « mine to do »
    assert f"Demande n° {someone_else.id}<" not in page
    assert "À vous : saisir le temps passé, terminer avec un compte rendu" in page
    assert ("En attente : validation des heures par la direction de l'établissement "
            "Établissement C" in page)
    # March: on site 120 + 60, remote 90 + 60; February's hour is not counted.
    assert re.search(r"Sur site</dt><dd>3 h 00</dd>", page)
    assert re.search(r"À distance</dt><dd>2 h 30</dd>", page)
    assert ">5 h 30<" in page
    assert ">4 h 30<" in page  # all time logged on the open intervention (120 + 90 + 60)


def test_technician_without_work_sees_zeroes(app, world):
    page = dashboard(app, world.technicians["C"])
    assert "Aucune intervention ne vous est affectée" in page
    assert re.search(r"Sur site</dt><dd>0 h 00</dd>", page)


# --- Director -------------------------------------------------------------------

def build_director_world(world):
    """B: a draft to activate, a request to answer, a completed one to validate
    (21 h 30 on site, billable), and 2 h 15 given remotely to C."""
    draft = services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                                  axis=2, nature="incident", description="Imprimantes")
    asked = services.create_draft(world.technicians["C"], provider_id=world.establishments["B"].id,
                                  axis=3, nature="incident", description="Panne réseau",
                                  urgency="urgent")
    services.activate(asked, world.directors["C"])
    big = accepted(world, "A", "B")
    session(world, big, date(2026, 3, 2), "08:00", "18:00")
    session(world, big, date(2026, 3, 3), "08:00", "18:00")
    session(world, big, date(2026, 3, 4), "08:00", "09:30")
    finish(world, big, validate=False)
    given = accepted(world, "B", "C")
    session(world, given, date(2026, 3, 5), "10:00", "12:15", mode="remote")
    return draft, asked, big, given


def test_director_sees_what_waits_for_him_and_his_year(app, world):
    draft, asked, big, given = build_director_world(world)

    page = dashboard(app, world.directors["B"])

    to_activate = page.split("<h2>À activer</h2>")[1].split("<h2>")[0]
    to_answer = page.split("<h2>À accepter ou refuser</h2>")[1].split("<h2>")[0]
    to_validate = page.split("<h2>À valider</h2>")[1]
    assert f"Demande n° {draft.id}<" in to_activate
    assert f"Demande n° {asked.id}<" in to_answer and "Urgente" in to_answer
    assert f"Demande n° {big.id}<" in to_validate
    assert f"Demande n° {given.id}<" not in page
    assert "<p class=\"big\">3</p>" in page
    assert "21 h 30</strong> / 35 h 00" in page
    assert "Heures données</dt><dd>2 h 15</dd>" in page
    assert "Heures reçues</dt><dd>21 h 30</dd>" in page
    assert "/billing/2026" in page


def test_director_never_sees_another_establishments_numbers(app, world, other_world):
    draft, asked, big, given = build_director_world(world)
    x_to_y = accepted(other_world, "X", "Y")
    session(other_world, x_to_y, date(2026, 3, 2), "08:00", "18:00")

    page_a = dashboard(app, world.directors["A"])
    assert f"Demande n° {draft.id}<" not in page_a  # B's draft is B's to activate
    assert f"Demande n° {big.id}<" not in page_a    # B validates, not A
    assert "0 h 00</strong> / 35 h 00" in page_a     # A received nothing billable
    assert "Heures données</dt><dd>21 h 30</dd>" in page_a

    page_y = dashboard(app, other_world.directors["Y"])
    assert "10 h 00</strong> / 35 h 00" in page_y
    for i in (draft, asked, big, given):
        assert f"Demande n° {i.id}<" not in page_y
    assert "Établissement B" not in page_y


# --- Accountant -----------------------------------------------------------------

def test_accountant_sees_the_years_totals_per_pair(app, world, other_world):
    a_to_b = accepted(world, "A", "B")
    session(world, a_to_b, date(2026, 3, 2), "08:00", "15:20")   # 440 min, 183,33 €
    finish(world, a_to_b)
    c_to_b = accepted(world, "C", "B")
    session(world, c_to_b, date(2026, 3, 3), "08:00", "15:00")   # 420 min, 175,00 €
    finish(world, c_to_b)
    pending = accepted(world, "A", "C")
    session(world, pending, date(2026, 3, 4), "08:00", "16:00")  # billable, not validated
    last_year = accepted(world, "B", "A")
    session(world, last_year, date(2025, 6, 2), "08:00", "16:00")
    finish(world, last_year, "A")
    x_to_y = accepted(other_world, "X", "Y")
    session(other_world, x_to_y, date(2026, 3, 2), "08:00", "15:00")
    finish(other_world, x_to_y, "Y")

    page = dashboard(app, world.accountant)

    assert "Établissement A → Établissement B" in page
    assert "Établissement C → Établissement B" in page
    assert "Établissement B → Établissement A" not in page  # 2025, not this year
    assert "7 h 20" in page and "183,33 €" in page
    assert "175,00 €" in page
    assert "358,33 €" in page and "14 h 20" in page  # totals
    assert "<p class=\"big\">1</p>" in page  # one pending intervention
    assert "(8 h 00)" in page
    assert "Établissement X" not in page and "210,00 €" not in page
    assert "/billing/2026" in page


def test_accountant_sees_the_largest_pairs_when_there_are_many(app, world, monkeypatch):
    """At 100 establishments a year has ~9,900 pairs: the dashboard shows the
    largest, the totals stay the whole year's, the billing page has them all."""
    from gic.main import services as boards
    monkeypatch.setattr(boards, "DASHBOARD_PAIRS", 1)
    a_to_b = accepted(world, "A", "B")
    session(world, a_to_b, date(2026, 3, 2), "08:00", "15:20")   # 183,33 €
    finish(world, a_to_b)
    c_to_b = accepted(world, "C", "B")
    session(world, c_to_b, date(2026, 3, 3), "08:00", "17:00")   # 225,00 €
    finish(world, c_to_b)

    page = dashboard(app, world.accountant)

    assert "Les 1 paires aux montants les plus élevés sur 2" in page
    assert "Établissement C → Établissement B" in page and "225,00 €" in page
    assert "Établissement A → Établissement B" not in page
    assert "Total (2 paires)" in page and "408,33 €" in page and "16 h 20" in page


# --- Coordinator ----------------------------------------------------------------

def test_coordinator_sees_counts_per_state_and_establishments(app, world, other_world):
    services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                          axis=2, nature="incident", description="Brouillon")
    done = accepted(world, "A", "B")
    session(world, done, date(2026, 3, 2), "08:00", "09:00")
    finish(world, done)
    accepted(world, "C", "A")
    accepted(other_world, "X", "Y")

    page = dashboard(app, world.coordinator)

    assert "<dt>Brouillon</dt><dd>1</dd>" in page
    assert "<dt>Acceptée</dt><dd>1</dd>" in page
    assert "<dt>Validée</dt><dd>1</dd>" in page
    assert "<dt>Refusée</dt><dd>0</dd>" in page
    assert "<strong>3</strong>" in page  # the other groupement's request is not counted
    for letter in "ABC":
        assert f"Établissement {letter}<" in page
        assert world.establishments[letter].finess in page
    assert "Établissement X" not in page
    assert 'href="/audit/"' in page and 'href="/admin/"' in page


def test_coordinators_closed_years_list_no_open_year(app, world):
    from gic.billing.services import close_year, reopen_year
    close_year(world.accountant, 2024)
    close_year(world.accountant, 2023)
    reopen_year(world.coordinator, 2023, "Correction d'une séance")
    page = dashboard(app, world.coordinator)
    card = re.search(r'<div class="card" id="annees-cloturees">(.*?)</div>', page, re.DOTALL)[1]
    assert re.findall(r"20\d\d", card) == ["2024", "2024"]  # its link and its label
    assert 'href="/billing/"' in page  # the closures page is still one click away


# --- Query budget -----------------------------------------------------------------

@contextmanager
def counted_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def add_round(world, day: int) -> None:
    """One of everything a dashboard lists or sums, on 2026-03-<day> and after
    (each beneficiary gets 7 h 20 billable per round, far below the cap)."""
    services.create_draft(world.technicians["A"], provider_id=world.establishments["C"].id,
                          axis=2, nature="incident", description="Brouillon")
    asked = services.create_draft(world.technicians["B"],
                                  provider_id=world.establishments["A"].id, axis=2,
                                  nature="incident", description="À accepter")
    services.activate(asked, world.directors["B"])
    for n, (provider, beneficiary, validate) in enumerate(
            (("A", "B", True), ("C", "A", False), ("A", "C", True))):
        i = accepted(world, provider, beneficiary)
        session(world, i, date(2026, 3, day + n), "08:00", "15:20")
        session(world, i, date(2026, 3, day + n), "16:00", "17:00", mode="remote")
        finish(world, i, beneficiary, validate=validate)
    open_one = accepted(world, "A", "B")
    session(world, open_one, date(2026, 3, day + 3), "08:00", "10:00")


@pytest.mark.parametrize("role", ["technician", "director", "accountant", "coordinator"])
def test_query_count_does_not_grow_with_the_data(app, world, role):
    user = {"technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[role]
    client = app.test_client()
    login(client, user)
    add_round(world, 2)
    with counted_queries() as small:
        assert client.get("/").status_code == 200
    add_round(world, 9)
    add_round(world, 16)
    with counted_queries() as large:
        page = client.get("/")
    assert page.status_code == 200
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 16  # 15, and a director's stand-in (named or in force: one query)
