"""Whitelisted values (issue 5, item 2): list filters accept known values only
(a clean 422 and a form error otherwise), sort and order parameters are ignored
(no value of the query string reaches SQL as text), a filter naming another
groupement's establishment finds nothing, ``?version=`` never opens a bilan
draft to a director, and every closed list of a form (axis, nature, mode,
meeting kind, presence, vote…) refuses values it does not have.
"""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.interventions import services
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.reports.models import BilanVersion
from gic.reports.services import generate_draft, publish
from tests.api.conftest import Api
from tests.helpers import accepted
from tests.security.tampering import browser, changed, draft, snapshot, text


@pytest.fixture
def api(client) -> Api:
    return Api(client)


SORTS = {"sort": "id; DROP TABLE intervention; --", "order": "asc", "order_by": "description",
         "dir": "desc", "sort_by": "(SELECT 1)", "direction": "sideways"}


def _ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'href="/interventions/(\d+)"', text(response))]


@pytest.fixture
def listed(world, other_world):
    """Three interventions in three states, and one in the other groupement."""
    services.activate(draft(world), world.directors["B"])
    draft(world, "C", "B")
    accepted(world, "A", "C")
    accepted(other_world, "X", "Y")


def test_web_list_ignores_sort_parameters(app, world, listed):
    client = browser(app, world.coordinator)
    plain = _ids(client.get("/interventions/"))
    assert len(plain) == 3 and plain == sorted(plain, reverse=True)
    before = snapshot()
    response = client.get("/interventions/", query_string=SORTS)
    assert response.status_code == 200 and _ids(response) == plain
    assert changed(before) == []


@pytest.mark.parametrize("query, message", [
    ({"state": "bogus"}, "État inconnu."),
    ({"state": "draft' OR '1'='1"}, "État inconnu."),
    ({"year": "2025 OR 1=1"}, "Filtre invalide"),
    ({"year": "1899"}, "Année invalide."),
    ({"establishment": "1 OR 1=1"}, "Filtre invalide"),
])
def test_web_list_filters_are_whitelisted(app, world, listed, query, message):
    client = browser(app, world.coordinator)
    response = client.get("/interventions/", query_string=query)
    assert response.status_code == 422
    assert message in text(response)
    assert _ids(response) == []


def test_web_list_filter_on_another_groupement_shows_nothing(app, world, other_world, listed):
    client = browser(app, world.coordinator)
    response = client.get("/interventions/",
                          query_string={"establishment": other_world.establishments["X"].id})
    assert response.status_code == 200 and _ids(response) == []
    response = client.get("/interventions/", query_string={"state": "accepted"})
    assert len(_ids(response)) == 1


def test_api_list_ignores_sort_parameters(api, world, listed):
    plain = api.get("/interventions", world.coordinator).get_json()
    assert plain["total"] == 3
    before = snapshot()
    sorted_ = api.get("/interventions", world.coordinator, query_string=SORTS)
    assert sorted_.status_code == 200 and sorted_.get_json() == plain
    assert changed(before) == []


@pytest.mark.parametrize("query, field", [
    ({"state": "bogus"}, "state"),
    ({"state": "draft' OR '1'='1"}, "state"),
    ({"year": "2025 OR 1=1"}, "year"),
    ({"establishment": "1;DROP"}, "establishment"),
    ({"page": "0"}, "page"),
    ({"per_page": "-5"}, "per_page"),
])
def test_api_list_filters_are_whitelisted(api, world, listed, query, field):
    response = api.get("/interventions", world.coordinator, query_string=query)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_api_list_is_scoped_and_bounded(api, world, other_world, listed):
    foreign = api.get("/interventions", world.coordinator,
                      query_string={"establishment": other_world.establishments["X"].id})
    assert foreign.status_code == 200 and foreign.get_json()["items"] == []
    big = api.get("/interventions", world.coordinator, query_string={"per_page": 10**6})
    assert big.status_code == 200 and big.get_json()["per_page"] == 100
    assert api.get("/interventions", world.coordinator,
                   query_string={"state": "draft"}).get_json()["total"] == 1


CSRF = r'(?<=name="csrf_token" value=")[^"]*'


@pytest.mark.parametrize("path", ["/meetings/", "/notifications/", "/audit/", "/bilan/",
                                  "/billing/2025", "/"])
def test_other_pages_ignore_sort_parameters(app, world, listed, path):
    client = browser(app, world.coordinator)
    plain = client.get(path)
    assert plain.status_code == 200
    response = client.get(path, query_string=SORTS)
    assert response.status_code == 200
    # The forms' CSRF tokens carry the second they were made: the rest is the same page.
    assert re.sub(CSRF, "", text(response)) == re.sub(CSRF, "", text(plain))


# --- The bilan's version -----------------------------------------------------------------

@pytest.mark.parametrize("version, status", [
    ("1", 200), ("2", 404), ("3", 404), ("0", 404), ("-1", 404), (str(2**31), 404),
    ("2 OR 1=1", 200), ("abc", 200),  # not a number: ignored, the latest published
])
def test_a_director_cannot_reach_a_bilan_draft_by_its_version(app, world, version, status):
    generate_draft(world.groupement.id, 2025)
    publish(world.coordinator, 2025)
    accepted(world, "A", "B")  # the data changed: the next draft is version 2
    generate_draft(world.groupement.id, 2025)
    assert db.session.scalar(select(func.count(BilanVersion.id))) == 2
    response = browser(app, world.directors["B"]).get(f"/bilan/2025?version={version}")
    assert response.status_code == status
    if status == 200:
        assert "version 1" in text(response).lower()
        assert "brouillon" not in text(response).lower()
    coordinator = browser(app, world.coordinator)
    assert coordinator.get("/bilan/2025?version=2").status_code == 200


# --- Closed lists of the forms ---------------------------------------------------------

def _minutes(world):
    meeting = meetings.plan_meeting(world.coordinator, kind="directors", title=None,
                                    day=date(2026, 11, 2), start=time(14), duration_minutes=120,
                                    place="Salle 2")
    return steps.start_minutes(meeting, world.coordinator)


def _enum_case(world, case):
    """(user, url, form) posting an unknown value of a closed list."""
    e, t, d = world.establishments, world.technicians, world.directors
    if case in ("axis", "nature", "urgency"):
        form = {"provider_id": str(e["A"].id), "axis": "2", "nature": "incident",
                "description": "Panne", "urgency": "normal"}
        form[case] = {"axis": "5", "nature": "user_support", "urgency": "critique"}[case]
        return t["B"], "/interventions/new", form
    if case == "mode":
        i = accepted(world, "A", "B")
        return t["A"], f"/interventions/{i.id}/sessions", {
            "date": "2025-03-03", "start": "08:00", "end": "09:00", "mode": "téléportation"}
    minutes = _minutes(world)
    base = f"/meetings/{minutes.meeting_id}/minutes/1"
    if case == "status":
        return world.coordinator, f"/meetings/{minutes.meeting_id}/status", {
            "status": "held' OR '1'='1"}
    if case == "kind":
        return world.coordinator, "/meetings/new", {
            "kind": "board", "day": "2026-12-10", "start": "14:00", "duration_minutes": "2:00",
            "place": "Salle 2"}
    if case == "presence":
        return world.coordinator, base + "/attendees", {"name": "Invité", "presence": "vip"}
    if case == "done":
        action = steps.add_action(minutes, world.coordinator, text="Inventaire", owner_id=None,
                                  due_date=None)
        return world.coordinator, f"{base}/actions/{action.id}/done", {"done": "2"}
    decision = steps.add_decision(minutes, world.coordinator, text="Adhésion",
                                  needs_unanimity=True)
    return d["A"], f"/meetings/decisions/{decision.id}/vote", {"choice": "veto"}


@pytest.mark.parametrize("case", ["axis", "nature", "urgency", "mode", "status", "kind",
                                  "presence", "done", "choice"])
def test_closed_lists_refuse_unknown_values(app, world, case):
    """An unknown value of a closed list is a 422 with a form error; nothing stored."""
    user, url, form = _enum_case(world, case)
    client = browser(app, user)
    before = snapshot()
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert changed(before) == []
