"""Issue 16, item 4, through the API: the intervention's detail gives the hours
ordered and left in a year of the ordered-hours model; a refused overrun is a 409
with the hours ordered and left."""

from __future__ import annotations

from tests.helpers import accepted
from tests.ordered_helpers import H, make_ordered
from tests.services.test_ordered_consumption import order


def test_the_api_says_the_same(api, world):
    make_ordered(world, overrun_allowed=False)
    order(world, "B", 5 * H)
    i = accepted(world)
    path = f"/interventions/{i.id}/sessions"
    assert api.post(path, world.technicians["A"], json={
        "date": "2026-11-03", "start": "08:00", "end": "12:00", "mode": "remote"}
    ).status_code == 201
    body = api.get(f"/interventions/{i.id}", world.technicians["A"]).get_json()
    assert body["cap"] is None and body["threshold"] is None
    assert body["ordered_hours"] == {
        "year": 2026, "ordered_minutes": 300, "consumed_minutes": 240, "remaining_minutes": 60,
        "over_minutes": 0, "percent": 80, "overrun_allowed": False, "threshold_minutes": 0}
    refused = api.post(path, world.technicians["A"], json={
        "date": "2026-11-04", "start": "08:00", "end": "10:00", "mode": "onsite"})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "order_exceeded" and error["remaining_minutes"] == 60
    assert "a commandé 5 h 00" in error["message"] and "il en reste 1 h 00" in error["message"]


def test_per_intervention_detail_has_no_ordered_hours(api, world):
    i = accepted(world)
    body = api.get(f"/interventions/{i.id}", world.technicians["A"]).get_json()
    assert body["ordered_hours"] is None and body["cap"]["cap_minutes"] == 2100
