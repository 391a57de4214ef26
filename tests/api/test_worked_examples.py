"""SPEC §4 worked examples 3, 5, 6, 7, 8 and the closed year (R9), through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from gic.extensions import db
from gic.interventions.models import InterventionSession
from tests.api import flows
from tests.api.conftest import error_of


def _ids(world, *letters):
    return [world.establishments[x].id for x in letters]


def _billing(api, world, year=2025):
    response = api.get(f"/billing/{year}", world.accountant)
    assert response.status_code == 200
    return response.get_json()


def _session_count():
    return db.session.scalar(select(func.count(InterventionSession.id)))


def test_example_3_seven_hours_is_billable(api, world):
    a, b = _ids(world, "A", "B")
    i = flows.accepted(api, world)
    assert flows.log(api, world, i, "2025-03-14", "08:00", "15:00").status_code == 201
    pending = _billing(api, world)
    assert pending["lines"] == [] and pending["settlements"] == []
    assert pending["pending"] == [{"intervention_id": i["id"], "provider_id": a,
                                   "beneficiary_id": b, "billable_minutes": 420}]
    flows.finish(api, world, i)
    body = _billing(api, world)
    assert body["lines"] == [{"provider_id": a, "beneficiary_id": b,
                              "billable_minutes": 420, "amount": "175.00"}]
    assert body["pending"] == []
    assert body["settlements"] == [{"from_id": b, "to_id": a, "amount": "175.00"}]
    assert {"beneficiary_id": b, "billable_minutes": 420, "cap_minutes": 2100,
            "remaining_minutes": 1680} in body["beneficiaries"]


def test_example_5_seven_hours_twenty(api, world):
    i = flows.accepted(api, world)
    flows.log(api, world, i, "2025-03-14", "08:00", "15:20")
    flows.finish(api, world, i)
    [line] = _billing(api, world)["lines"]
    assert (line["billable_minutes"], line["amount"]) == (440, "183.33")


def test_example_6_cap_refusal_with_minutes_left(api, world):
    b = world.establishments["B"].id
    for n in range(3):  # B has used 30 h billable (3 × 10 h on site from C)
        i = flows.accepted(api, world, provider="C")
        assert flows.log(api, world, i, f"2025-02-0{3 + n}", "08:00", "18:00",
                         provider="C").status_code == 201
    i = flows.accepted(api, world)
    first = flows.log(api, world, i, "2025-04-01", "08:00", "12:00")
    assert first.status_code == 201  # 4 h on site: free
    assert api.get(f"/interventions/{i['id']}", world.directors["B"]
                   ).get_json()["billable_minutes"] == 0
    count = _session_count()
    second = flows.log(api, world, i, "2025-04-02", "08:00", "11:00")
    assert second.status_code == 409
    error = error_of(second)
    assert error["code"] == "cap_exceeded"
    assert error["remaining_minutes"] == 300
    assert "300 min" in error["message"]
    assert _session_count() == count  # nothing stored
    use = [x for x in _billing(api, world)["beneficiaries"] if x["beneficiary_id"] == b]
    assert use == [{"beneficiary_id": b, "billable_minutes": 1800, "cap_minutes": 2100,
                    "remaining_minutes": 300}]


def test_example_6_also_on_patch(api, world):
    for n in range(3):
        i = flows.accepted(api, world, provider="C")
        flows.log(api, world, i, f"2025-02-0{3 + n}", "08:00", "18:00", provider="C")
    i = flows.accepted(api, world)
    s = flows.log(api, world, i, "2025-04-01", "08:00", "12:00").get_json()
    response = api.patch(f"/sessions/{s['id']}", world.technicians["A"], json={"end": "15:00"})
    assert response.status_code == 409
    assert error_of(response)["remaining_minutes"] == 300
    stored = db.session.get(InterventionSession, s["id"])
    db.session.refresh(stored)
    assert stored.minutes == 240


def test_example_7_all_providers_share_the_cap(api, world):
    ab = flows.accepted(api, world, provider="A")
    assert flows.log(api, world, ab, "2025-05-05", "08:00", "15:00").status_code == 201
    assert flows.log(api, world, ab, "2025-05-06", "08:00", "15:00").status_code == 201
    cb = flows.accepted(api, world, provider="C")
    assert flows.log(api, world, cb, "2025-05-05", "08:00", "15:00",
                     provider="C").status_code == 201
    assert flows.log(api, world, cb, "2025-05-06", "08:00", "15:00",
                     provider="C").status_code == 201
    third = flows.accepted(api, world, provider="C")
    count = _session_count()
    response = flows.log(api, world, third, "2025-05-07", "08:00", "16:00", provider="C")
    assert response.status_code == 409
    assert error_of(response)["remaining_minutes"] == 420
    assert _session_count() == count


def test_example_8_pair_rounded_once(api, world):
    a, b = _ids(world, "A", "B")
    for day in ("2025-03-03", "2025-03-10"):
        i = flows.accepted(api, world)
        flows.log(api, world, i, day, "08:00", "15:20")
        flows.finish(api, world, i)
    body = _billing(api, world)
    assert body["lines"] == [{"provider_id": a, "beneficiary_id": b,
                              "billable_minutes": 880, "amount": "366.67"}]
    assert body["settlements"] == [{"from_id": b, "to_id": a, "amount": "366.67"}]


def test_net_settlement_between_two_establishments(api, world):
    a, b = _ids(world, "A", "B")
    ab = flows.accepted(api, world, provider="A", beneficiary="B")
    flows.log(api, world, ab, "2025-03-03", "08:00", "15:00")  # B owes A 175.00
    flows.finish(api, world, ab, provider="A", beneficiary="B")
    ba = flows.accepted(api, world, provider="B", beneficiary="A")
    flows.log(api, world, ba, "2025-03-04", "08:00", "16:00", provider="B")  # A owes B 200.00
    flows.finish(api, world, ba, provider="B", beneficiary="A")
    assert _billing(api, world)["settlements"] == [{"from_id": a, "to_id": b,
                                                    "amount": "25.00"}]


def test_director_sees_own_pairs_only(api, world):
    for provider in ("A", "C"):
        i = flows.accepted(api, world, provider=provider)
        flows.log(api, world, i, "2025-03-03", "08:00", "15:00", provider=provider)
        flows.finish(api, world, i, provider=provider)
    body = api.get("/billing/2025", world.directors["A"]).get_json()
    assert [(x["provider_id"], x["amount"]) for x in body["lines"]] == [
        (world.establishments["A"].id, "175.00")]
    assert [x["beneficiary_id"] for x in body["beneficiaries"]] == [world.establishments["A"].id]


def test_closing_refused_while_pending_then_closed_year_is_frozen(api, world):
    i = flows.accepted(api, world)
    s = flows.log(api, world, i, "2025-03-03", "08:00", "10:00").get_json()
    refused = api.post("/billing/2025/close", world.accountant)
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "interventions_pending"
    assert error["intervention_ids"] == [i["id"]]
    assert f"n° {i['id']}" in error["message"]
    flows.finish(api, world, i)
    assert api.post("/billing/2025/close", world.accountant).status_code == 200
    other = flows.accepted(api, world)
    count = _session_count()
    response = flows.log(api, world, other, "2025-06-02", "08:00", "09:00")
    assert response.status_code == 409
    assert error_of(response)["code"] == "year_closed"
    assert _session_count() == count
    kept = flows.log(api, world, other, "2026-01-05", "08:00", "09:00")
    assert kept.status_code == 201
    into_closed = api.patch(f"/sessions/{kept.get_json()['id']}", world.technicians["A"],
                            json={"date": "2025-06-02"})
    assert into_closed.status_code == 409
    assert error_of(into_closed)["code"] == "year_closed"
    moved = api.patch(f"/sessions/{s['id']}", world.technicians["A"], json={"notes": "x"})
    assert moved.status_code == 409  # the intervention is validated: no more changes
