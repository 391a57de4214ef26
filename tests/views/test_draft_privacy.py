"""A draft is the beneficiary's business (SPEC §3: the beneficiary's director alone
activates): the provider's people do not see it before activation, anywhere —
list, page (404), audit log, API, dashboards, the secondment's page."""

from __future__ import annotations

import pytest

from gic.interventions import services
from tests.api.conftest import Api
from tests.conftest import client_for
from tests.helpers import visible_text
from tests.services.test_secondments import secondment

SECRET = "Remplacement du pare-feu ZX-PRIVÉ"


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def page_of(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, visible_text(response)


def draft_of(world, **extra):
    """An A -> B request drafted by B's technician, not activated."""
    return services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                                 axis=2, nature="incident", description=SECRET, **extra)


@pytest.mark.parametrize("who", ["tech_A", "dir_A"])
def test_the_provider_does_not_see_a_draft(app, api, world, who):
    i = draft_of(world)
    user = world.technicians["A"] if who == "tech_A" else world.directors["A"]
    client = client_for(app, user)
    assert client.get(f"/interventions/{i.id}").status_code == 404
    status, listing = page_of(client, "/interventions/")
    assert status == 200 and f"n° {i.id}" not in listing and SECRET not in listing
    assert SECRET not in page_of(client, "/")[1]
    assert api.get(f"/interventions/{i.id}", user).status_code == 404
    assert i.id not in [item["id"] for item in api.get("/interventions", user).get_json()["items"]]


def test_the_provider_directors_audit_log_has_no_draft(app, world):
    i = draft_of(world)
    status, log = page_of(client_for(app, world.directors["A"]), "/audit/")
    assert status == 200 and f"Demande n° {i.id}" not in log
    status, log = page_of(client_for(app, world.directors["B"]), "/audit/")
    assert f"Demande n° {i.id}" in log  # the beneficiary's director reads his own


def test_activation_shows_it_to_the_provider_with_its_history(app, api, world):
    i = draft_of(world)
    services.activate(i, world.directors["B"])
    client = client_for(app, world.directors["A"])
    status, page = page_of(client, f"/interventions/{i.id}")
    assert status == 200 and SECRET in page
    assert f"n° {i.id}" in page_of(client, "/interventions/")[1]
    log = page_of(client, "/audit/")[1]
    assert "Demande rédigée" in log and "Activation de la demande" in log
    assert api.get(f"/interventions/{i.id}", world.technicians["A"]).status_code == 200
    assert "accepter ou refuser" in page_of(client, "/")[1]


def test_a_draft_cancelled_before_activation_never_reaches_the_provider(app, world):
    i = draft_of(world)
    services.cancel(i, world.technicians["B"])
    client = client_for(app, world.directors["A"])
    assert client.get(f"/interventions/{i.id}").status_code == 404
    assert f"Demande n° {i.id}" not in page_of(client, "/audit/")[1]
    # Cancelled after activation: the provider knew of it and still does.
    later = draft_of(world)
    services.activate(later, world.directors["B"])
    services.cancel(later, world.directors["B"])
    assert client.get(f"/interventions/{later.id}").status_code == 200


@pytest.mark.parametrize("who, status", [("tech_B", 200), ("dir_B", 200), ("coordinator", 200),
                                         ("accountant", 200), ("tech_C", 404)])
def test_the_beneficiary_and_the_groupement_still_see_it(app, world, who, status):
    i = draft_of(world)
    user = {"tech_B": world.technicians["B"], "dir_B": world.directors["B"],
            "coordinator": world.coordinator, "accountant": world.accountant,
            "tech_C": world.technicians["C"]}[who]
    assert client_for(app, user).get(f"/interventions/{i.id}").status_code == status


def test_the_secondments_page_hides_a_draft_from_the_provider(app, world):
    s = secondment(world)
    i = draft_of(world, secondment_id=s.id)
    link = f'href="/interventions/{i.id}"'
    path = f"/secondments/{s.id}"
    assert link not in client_for(app, world.directors["A"]).get(path).get_data(as_text=True)
    assert link in client_for(app, world.directors["B"]).get(path).get_data(as_text=True)
