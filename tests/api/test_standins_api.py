"""Stand-ins through the API (issue 13 item 1): the director's actions work with the
stand-in's token in its range only, and ``GET /me`` lists the stand-ins."""

from __future__ import annotations

from tests.conftest import TODAY
from tests.services.test_standins import draft, name


def test_api_actions_work_with_the_stand_in_s_token_in_range_only(app, world, api, clock):
    name(world, end=TODAY)
    i = draft(world)
    r = api.post(f"/interventions/{i.id}/activate", world.technicians["B"])
    assert r.status_code == 200 and r.get_json()["state"] == "active"
    other = draft(world)
    clock.move_to("2026-11-24 09:00 +01:00")
    r = api.post(f"/interventions/{other.id}/activate", world.technicians["B"])
    assert r.status_code == 403


def test_me_lists_the_stand_ins_in_force_and_those_named(app, world, api):
    s = name(world)
    mine = api.get("/me", world.technicians["B"]).get_json()["standins"]
    expected = {"id": s.id, "establishment_id": world.establishments["B"].id,
                "director_id": world.directors["B"].id,
                "standin_id": world.technicians["B"].id,
                "starts_on": "2026-11-23", "ends_on": "2026-11-29"}
    assert mine == [expected]
    assert api.get("/me", world.directors["B"]).get_json()["standins"] == [expected]
    assert api.get("/me", world.technicians["A"]).get_json()["standins"] == []
