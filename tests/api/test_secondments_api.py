"""Secondments through the JSON API (R8): a draft names its secondment, and the
intervention's convention-billable minutes stay at 0 under it (billed apart)."""

from __future__ import annotations

from datetime import date

from tests.api.conftest import error_of
from tests.services.test_secondments import YEAR, secondment, used_30_hours


def _draft(api, world, **extra):
    return api.post("/interventions", world.technicians["B"], json={
        "provider_id": world.establishments["A"].id, "axis": 2, "nature": "deployment",
        "description": "Bascule des boîtes", "estimated_onsite_minutes": 600, **extra})


def test_a_draft_under_a_secondment_goes_beyond_the_cap(api, world):
    used_30_hours(world)
    s = secondment(world)
    response = _draft(api, world, secondment_id=s.id)
    assert response.status_code == 201, response.get_json()
    iid = response.get_json()["id"]
    assert response.get_json()["secondment_id"] == s.id
    assert api.post(f"/interventions/{iid}/activate", world.directors["B"]).status_code == 200
    assert api.post(f"/interventions/{iid}/accept", world.directors["A"],
                    json={"technician_id": world.technicians["A"].id}).status_code == 200
    logged = api.post(f"/interventions/{iid}/sessions", world.technicians["A"], json={
        "date": date(YEAR, 6, 2).isoformat(), "start": "08:00", "end": "15:00",
        "mode": "onsite"})
    assert logged.status_code == 201, logged.get_json()
    detail = api.get(f"/interventions/{iid}", world.technicians["B"]).get_json()
    assert (detail["onsite_minutes"], detail["billable_minutes"]) == (420, 0)
    assert detail["billable_minutes_by_year"] == {}


def test_a_secondment_of_another_pair_is_refused(api, world):
    other = secondment(world, provider="C", beneficiary="B")
    response = _draft(api, world, secondment_id=other.id)
    assert response.status_code in (409, 422)
    assert "détachement" in error_of(response)["message"].lower()
    plain = _draft(api, world).get_json()
    assert plain["secondment_id"] is None
