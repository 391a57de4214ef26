"""Issue 12, items 15 and 16: what the pages say, typographed as French is, and how
their forms answer (what to type, which session clashes, where the page lands).

These tests read the raw HTML: the no-break spaces are what they check."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import InterventionSession
from gic.models import Role
from tests.conftest import add_user
from tests.helpers import accepted, session
from tests.views.test_dashboard import build_director_world
from tests.views.test_interventions_views import (
    DAY1,
    client_for,
    draft,
    in_state,
    session_data,
)

NBSP = "\u00a0"
SPLIT_DURATION = re.compile(r"\d h \d\d")  # « 7 h 20 » with breakable spaces


def raw(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- 15. Wording ----------------------------------------------------------------

def test_the_list_names_the_provider_first_as_every_other_page(app, world):
    i = in_state(world, "accepted")  # B asks A: A gives, B receives
    page = raw(client_for(app, world.coordinator).get("/interventions/"))
    assert "<th>Prestataire → bénéficiaire</th>" in page
    assert '<td data-label="Prestataire → bénéficiaire">Établissement A → Établissement B</td>' \
        in page
    assert "Bénéficiaire → prestataire" not in page
    edit = raw(client_for(app, world.technicians["A"]).get(
        f"/interventions/sessions/{session(world, i, DAY1, '08:00', '09:00').id}/edit"))
    assert "Établissement A → Établissement B" in edit


def test_director_dashboard_says_hours_given_and_received(app, world):
    build_director_world(world)
    page = raw(client_for(app, world.directors["B"]).get("/"))
    assert f"<dt>Heures données</dt><dd>2{NBSP}h{NBSP}15</dd>" in page
    assert f"<dt>Heures reçues</dt><dd>21{NBSP}h{NBSP}30</dd>" in page
    assert "<dt>Données</dt>" not in page
    assert not SPLIT_DURATION.search(page)


def test_no_article_is_guessed_before_an_establishment_name(app, world):
    world.establishments["B"].name = "Centre Jean-Marie Larrieu"
    db.session.flush()
    i = draft(world)
    page = raw(client_for(app, world.technicians["B"]).get(f"/interventions/{i.id}"))
    assert ("En attente d'activation par la direction de l'établissement "
            "Centre Jean-Marie Larrieu.") in page
    done = in_state(world, "worked")
    services.complete(done, world.technicians["A"], "Fait.")
    home = raw(client_for(app, world.technicians["A"]).get("/"))
    assert ("validation des heures par la direction de l'établissement "
            "Centre Jean-Marie Larrieu") in home
    for text in (page, home):
        assert "de Centre" not in text and "à Centre" not in text


@pytest.mark.parametrize(("who", "label"), [
    ("technician", "Technique"), ("director", "Direction"), ("accountant", "Comptabilité"),
    ("coordinator", "Coordination"),
])
def test_role_labels_name_the_function_not_a_man(app, world, who, label):
    user = {"technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[who]
    page = raw(client_for(app, user).get("/profile"))
    assert f"<dt>Rôle</dt><dd>{label}</dd>" in page
    assert not re.search(r"Directeur|Coordinateur|Comptable\b", page)


def test_no_break_spaces_in_numbers_durations_and_quotes(app, world):
    i = in_state(world, "worked")  # 2 h on site on DAY1, A works for B
    tech = client_for(app, world.technicians["A"])
    listing = raw(tech.get("/interventions/"))
    assert f">n°{NBSP}{i.id}</a>" in listing and "n° " not in listing
    detail = raw(tech.get(f"/interventions/{i.id}"))
    assert f"<title>Demande n°{NBSP}{i.id}" in detail
    assert f"Total sur site : <strong>2{NBSP}h{NBSP}00</strong>" in detail
    assert f"à partir de 7{NBSP}h{NBSP}00" in detail
    assert not SPLIT_DURATION.search(detail)
    # A service's message (written with plain spaces) on a field and in the refusal box.
    r = tech.post(f"/interventions/{i.id}/sessions", data={
        **session_data(), "date": "hier"})
    assert r.status_code == 422
    assert f"écrivez-la «{NBSP}JJ/MM/AAAA{NBSP}» ou «{NBSP}AAAA-MM-JJ{NBSP}»" in raw(r)


def test_a_cap_refusal_keeps_its_durations_whole(app, world):
    for day in (3, 4, 5):  # B has received 30 h billable from C
        session(world, accepted(world, provider="C"), date(2026, 2, day), "08:00", "18:00")
    i = accepted(world)
    r = client_for(app, world.technicians["A"]).post(
        f"/interventions/{i.id}/sessions", data=session_data(date(2026, 4, 1), "08:00", "18:00"))
    assert r.status_code == 409
    page = raw(r)
    assert f"plafond annuel de 35{NBSP}h{NBSP}00" in page and f"(5{NBSP}h{NBSP}00)" in page
    assert not SPLIT_DURATION.search(page)


# --- 16. Forms ------------------------------------------------------------------

def test_the_accept_form_preselects_the_only_technician(app, world):
    i = in_state(world, "active")
    director = client_for(app, world.directors["A"])
    only = world.technicians["A"]
    page = raw(director.get(f"/interventions/{i.id}"))
    assert f'<option selected value="{only.id}">{only.name}</option>' in page
    # An explicit « choose » is kept, not overridden by the preselection.
    r = director.post(f"/interventions/{i.id}/accept", data={"technician_id": ""})
    assert r.status_code == 422
    assert "Choisissez un technicien." in raw(r)
    assert '<option selected value="">— choisir —</option>' in raw(r)
    # With two technicians, the director chooses.
    add_user(world.groupement, "second@a.test", Role.TECHNICIAN, world.establishments["A"],
             "Technicienne A2")
    page = raw(director.get(f"/interventions/{i.id}"))
    assert "Technicienne A2</option>" in page
    assert '<option selected value="">— choisir —</option>' in page


def test_the_overlap_refusal_names_the_other_session(app, world):
    i = in_state(world, "accepted")           # B asks A
    other = accepted(world, "A", "C")         # C asks A, same technician
    session(world, other, DAY1, "09:00", "11:00")
    tech = client_for(app, world.technicians["A"])
    r = tech.post(f"/interventions/{i.id}/sessions", data=session_data(DAY1, "10:00", "12:00"))
    assert r.status_code == 422
    message = (f"Cette séance chevauche votre séance du 2 novembre 2026 de 09:00 à 11:00 "
               f"(demande n°{NBSP}{other.id}) : changez les horaires de l'une des deux.")
    assert message in raw(r)
    # The same when an existing session is moved onto it.
    mine = session(world, i, DAY1, "14:00", "15:00")
    r = tech.post(f"/interventions/sessions/{mine.id}/edit",
                  data=session_data(DAY1, "08:00", "09:30"))
    assert r.status_code == 422
    assert "de 09:00 à 11:00 (demande n°" in raw(r)


def test_a_date_is_read_as_people_type_it(app, world):
    i = in_state(world, "accepted")
    tech = client_for(app, world.technicians["A"])
    for typed, start, end in (("02/11/2026", "9:00", "09:30"), ("2026-11-02", "10:00", "10:30")):
        r = tech.post(f"/interventions/{i.id}/sessions",
                      data={**session_data(start=start, end=end), "date": typed})
        assert r.status_code == 302
    sessions = db.session.scalars(select(InterventionSession)).all()
    assert [(s.date, s.minutes) for s in sessions] == [(DAY1, 30), (DAY1, 30)]


@pytest.mark.parametrize(("data", "message"), [
    ({"date": "2 novembre"}, "Date illisible : écrivez-la « JJ/MM/AAAA » ou « AAAA-MM-JJ »."),
    ({"start": "9 heures"}, "Heure illisible : écrivez-la « 9:00 » ou « 09:00 »."),
])
def test_an_unreadable_date_or_time_says_what_to_type(app, world, data, message):
    i = in_state(world, "accepted")
    r = client_for(app, world.technicians["A"]).post(f"/interventions/{i.id}/sessions",
                                                      data={**session_data(), **data})
    assert r.status_code == 422
    assert message in raw(r).replace(NBSP, " ")
    assert "N'est pas" not in raw(r)


def test_an_unreadable_year_says_what_to_type(app, world):
    r = client_for(app, world.coordinator).get("/interventions/?year=l'an dernier")
    assert r.status_code == 422
    page = raw(r)
    assert f"Année illisible : écrivez-la «{NBSP}AAAA{NBSP}», par exemple «{NBSP}2026{NBSP}»." \
        in page
    assert "N'est pas un entier valide" not in page


def test_each_form_with_fields_lands_on_itself(app, world):
    active = in_state(world, "active")
    page = raw(client_for(app, world.directors["A"]).get(f"/interventions/{active.id}"))
    assert f'action="/interventions/{active.id}/accept#accepter" class="stack card" ' \
           f'id="accepter"' in page
    assert f'action="/interventions/{active.id}/decline#refuser"' in page
    assert '<details class="card" id="refuser">' in page
    worked = in_state(world, "worked")
    page = raw(client_for(app, world.technicians["A"]).get(f"/interventions/{worked.id}"))
    assert f'action="/interventions/{worked.id}/sessions#saisie" class="stack card" ' \
           f'id="saisie"' in page
    assert f'action="/interventions/{worked.id}/complete#terminer"' in page


def test_a_refusal_is_shown_in_the_form_the_page_lands_on(app, world):
    i = in_state(world, "worked")  # a session 08:00–10:00 on DAY1
    r = client_for(app, world.technicians["A"]).post(
        f"/interventions/{i.id}/sessions", data=session_data(DAY1, "09:00", "11:00"))
    assert r.status_code == 422
    before, form = raw(r).split('id="saisie"')
    form = form.split("</form>")[0]
    assert 'role="alert"' not in before  # not at the top, where a phone would not look
    assert form.count("chevauche votre séance") == 1  # on its field, not twice
    assert '<p class="error" id="start-err">Cette séance chevauche' in form


def test_a_form_folded_in_a_disclosure_opens_on_its_refusal(app, world):
    i = in_state(world, "worked")
    r = client_for(app, world.technicians["A"]).post(f"/interventions/{i.id}/complete",
                                                      data={"report": " "})
    assert r.status_code == 422
    before, form = raw(r).split('<details class="card" id="terminer" open>')
    assert 'role="alert"' not in before
    form = form.split("</form>")[0]
    assert "Action non effectuée : corrigez les champs signalés." in form
    assert "Rédigez le compte rendu." in form

    # A form the page does not show (not the user's to use): its refusal stays on top.
    r = client_for(app, world.technicians["B"]).post(
        f"/interventions/{i.id}/complete", data={"report": "Fait."})
    assert r.status_code == 403
    page = raw(r)
    assert 'id="terminer"' not in page and 'class="flash flash-error" role="alert"' in page


def test_the_other_intervention_forms_land_on_their_refusal(app, world):
    tech_b = client_for(app, world.technicians["B"])
    page = raw(tech_b.get("/interventions/new"))
    assert 'action="/interventions/new#refus"' in page and 'id="refus"' not in page
    r = tech_b.post("/interventions/new", data={"axis": "2", "nature": "incident"})
    assert r.status_code == 422
    assert '<div class="flash flash-error" role="alert" id="refus">' in raw(r)

    i = in_state(world, "worked")  # a session 08:00–10:00 on DAY1
    mine = session(world, i, DAY1, "14:00", "15:00")
    tech_a = client_for(app, world.technicians["A"])
    url = f"/interventions/sessions/{mine.id}/edit"
    assert f'action="{url}#refus"' in raw(tech_a.get(url))
    r = tech_a.post(url, data=session_data(DAY1, "09:00", "11:00"))
    assert r.status_code == 422
    box = raw(r).split('role="alert" id="refus">')[1].split("</div>")[0]
    assert "chevauche votre séance du 2 novembre 2026 de 08:00 à 10:00" in box
