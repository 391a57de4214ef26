"""GIC issue 14, item 2: the intervention's detail tells the beneficiary's cap left
this year and where the intervention stands against the free threshold."""

from __future__ import annotations

from datetime import date

from tests.helpers import accepted, session


def detail(api, world, i, user=None) -> dict:
    response = api.get(f"/interventions/{i.id}", user or world.technicians["A"])
    assert response.status_code == 200
    return response.get_json()


def test_cap_and_threshold_near_the_cap(api, world):
    other = accepted(world)
    for day in range(2, 7):  # B: 30 h billable in 2026
        session(world, other, date(2026, 11, day), "08:00", "14:00")
    i = accepted(world)
    session(world, i, date(2026, 11, 9), "08:00", "12:00")
    body = detail(api, world, i)
    assert body["cap"] == {"year": 2026, "cap_minutes": 2100, "billable_minutes": 1800,
                           "remaining_minutes": 300}
    assert body["threshold"] == {"threshold_minutes": 420, "counted_minutes": 240,
                                 "reached": False}
    # What the page announced: reaching the threshold is refused, 300 min left (case 6).
    refused = api.post(f"/interventions/{i.id}/sessions", world.technicians["A"], json={
        "date": "2026-11-10", "start": "08:00", "end": "11:00", "mode": "onsite"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["remaining_minutes"] == 300


def test_sessions_crossing_the_threshold(api, world):
    i = accepted(world)
    path = f"/interventions/{i.id}/sessions"
    for day, start, end, mode in (("2026-11-09", "08:00", "12:00", "onsite"),
                                  ("2026-11-10", "08:00", "10:00", "remote")):
        assert api.post(path, world.technicians["A"], json={
            "date": day, "start": start, "end": end, "mode": mode}).status_code == 201
    body = detail(api, world, i, world.directors["B"])
    assert body["cap"]["billable_minutes"] == 0 and body["cap"]["remaining_minutes"] == 2100
    assert body["threshold"] == {"threshold_minutes": 420, "counted_minutes": 240,
                                 "reached": False}
    assert api.post(path, world.technicians["A"], json={
        "date": "2026-11-12", "start": "08:00", "end": "11:00",
        "mode": "onsite"}).status_code == 201
    body = detail(api, world, i, world.directors["B"])
    assert body["cap"] == {"year": 2026, "cap_minutes": 2100, "billable_minutes": 420,
                           "remaining_minutes": 1680}
    assert body["threshold"] == {"threshold_minutes": 420, "counted_minutes": 420,
                                 "reached": True}


def test_null_once_cancelled(api, world):
    i = accepted(world)
    assert detail(api, world, i, world.directors["B"])["cap"]["year"] == 2026
    assert api.post(f"/interventions/{i.id}/cancel", world.directors["B"],
                    json={}).status_code == 200
    body = detail(api, world, i, world.directors["B"])
    assert body["cap"] is None and body["threshold"] is None
