"""§8 error bodies: 400 bad JSON or types, 404/405 JSON, 409 rules, 422 fields; never 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession
from tests.api import flows
from tests.api.conftest import error_of

MALFORMED = [b"{bad json", b"[1, 2]", b'"text"', b"42", b"null", b"\xff\xfe\x00garbage",
             b"[" * 100_000, b'{"a": 1} trailing']


def _counts():
    return (db.session.scalar(select(func.count(Intervention.id))),
            db.session.scalar(select(func.count(InterventionSession.id))))


@pytest.mark.parametrize("raw", MALFORMED)
@pytest.mark.parametrize("target", ["draft", "session", "patch", "tokens", "activate"])
def test_malformed_json_400(api, world, raw, target):
    i = flows.accepted(api, world)
    s = flows.log(api, world, i, "2025-03-03", "08:00", "09:00").get_json()
    before = _counts()
    method, path, user = {
        "draft": ("POST", "/interventions", world.technicians["B"]),
        "session": ("POST", f"/interventions/{i['id']}/sessions", world.technicians["A"]),
        "patch": ("PATCH", f"/sessions/{s['id']}", world.technicians["A"]),
        "tokens": ("POST", "/tokens", None),
        "activate": ("POST", f"/interventions/{i['id']}/activate", world.directors["B"]),
    }[target]
    response = api.call(method, path, user, data=raw)
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    assert _counts() == before


@pytest.mark.parametrize("field, value", [
    ("provider_id", "1"), ("provider_id", True), ("axis", 2.0), ("axis", "2"),
    ("description", 12), ("nature", ["incident"]), ("estimated_onsite_minutes", "420"),
    ("urgency", {"level": 1}), ("description", "\ud800"),
])
def test_wrong_json_type_400(api, world, field, value):
    body = {"provider_id": world.establishments["A"].id, "axis": 2, "nature": "incident",
            "description": "Panne"}
    body[field] = value
    response = api.post("/interventions", world.technicians["B"], json=body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["field"] == field
    assert _counts() == (0, 0)


@pytest.mark.parametrize("field, value, code", [
    ("axis", 1, "invalid_field"), ("axis", 7, "invalid_field"),
    ("nature", "user_support", "nature_refused"), ("nature", "user_training", "nature_refused"),
    ("nature", "permanent_change", "nature_refused"), ("nature", "coffee", "invalid_field"),
    ("urgency", "yesterday", "invalid_field"), ("description", "   ", "invalid_field"),
    ("description", "x" * 10_001, "invalid_field"), ("description", "a\x00b", "invalid_field"),
    ("provider_id", 999_999, "invalid_field"), ("provider_id", 2**40, "invalid_field"),
    ("estimated_onsite_minutes", -5, "invalid_field"),
    ("state", "validated", "unknown_field"), ("groupement_id", 1, "unknown_field"),
])
def test_invalid_draft_field_422(api, world, field, value, code):
    body = {"provider_id": world.establishments["A"].id, "axis": 2, "nature": "incident",
            "description": "Panne"}
    body[field] = value
    response = api.post("/interventions", world.technicians["B"], json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, field)
    assert _counts() == (0, 0)


@pytest.mark.parametrize("missing", ["provider_id", "axis", "nature", "description"])
def test_missing_draft_field_422(api, world, missing):
    body = {"provider_id": world.establishments["A"].id, "axis": 2, "nature": "incident",
            "description": "Panne"}
    del body[missing]
    response = api.post("/interventions", world.technicians["B"], json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] == missing


def test_refused_nature_cites_the_convention(api, world):
    response = api.post("/interventions", world.technicians["B"], json={
        "provider_id": world.establishments["A"].id, "axis": 2, "nature": "user_support",
        "description": "Mot de passe oublié"})
    assert "support utilisateur" in error_of(response)["message"]


SESSION = {"date": "2025-03-03", "start": "08:00", "end": "10:00", "mode": "onsite"}


@pytest.mark.parametrize("change, field", [
    ({"date": "2025-13-40"}, "date"), ({"date": "2025-02-30"}, "date"),
    ({"date": "14/03/2025"}, "date"), ({"date": "20250303"}, "date"),
    ({"start": "25:00"}, "start"), ({"end": "10:60"}, "end"), ({"start": "8h"}, "start"),
    ({"end": "24:00"}, "end"), ({"end": "07:00"}, "end"), ({"mode": "bike"}, "mode"),
    ({"date": "2019-09-29"}, "date"), ({"date": "2099-01-01"}, "date"),
    ({"date": None}, "date"), ({"minutes": 600}, "minutes"), ({"notes": "x" * 10_001}, "notes"),
])
def test_invalid_session_field_422(api, world, change, field):
    i = flows.accepted(api, world)
    body = {**SESSION, **change}
    if change.get("date", "") is None:
        del body["date"]
    response = api.post(f"/interventions/{i['id']}/sessions", world.technicians["A"], json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert _counts() == (1, 0)


def test_invalid_session_type_400(api, world):
    i = flows.accepted(api, world)
    response = api.post(f"/interventions/{i['id']}/sessions", world.technicians["A"],
                        json={**SESSION, "date": 20250303})
    assert response.status_code == 400
    assert error_of(response)["field"] == "date"


def test_overlapping_session_422(api, world):
    i = flows.accepted(api, world)
    assert flows.log(api, world, i, "2025-03-03", "08:00", "10:00").status_code == 201
    response = flows.log(api, world, i, "2025-03-03", "09:30", "11:00")
    assert response.status_code == 422
    assert error_of(response)["field"] == "start"


def test_invalid_patch_leaves_session_unchanged(api, world):
    i = flows.accepted(api, world)
    s = flows.log(api, world, i, "2025-03-03", "08:00", "10:00").get_json()
    response = api.patch(f"/sessions/{s['id']}", world.technicians["A"],
                         json={"end": "25:00"})
    assert response.status_code == 422
    stored = db.session.get(InterventionSession, s["id"])
    db.session.refresh(stored)
    assert stored.minutes == 120


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=0", "per_page"),
    ("year=1800", "year"), ("year=99999999999999999999", "year"), ("state=lost", "state"),
    ("establishment=-1", "establishment"), ("establishment=1e3", "establishment"),
])
def test_invalid_list_query_422(api, world, query, field):
    response = api.get(f"/interventions?{query}", world.coordinator)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_wrong_state_409(api, world):
    i = flows.draft(api, world)
    assert api.post(f"/interventions/{i['id']}/activate", world.directors["B"]).status_code == 200
    response = api.post(f"/interventions/{i['id']}/activate", world.directors["B"])
    assert response.status_code == 409
    assert error_of(response)["code"] == "wrong_state"
    response = api.post(f"/interventions/{i['id']}/sessions", world.technicians["A"],
                        json=SESSION)
    assert response.status_code == 403  # nobody is assigned yet


def test_cancel_refused_once_work_is_logged_409(api, world):
    i = flows.accepted(api, world)
    flows.log(api, world, i, "2025-03-03", "08:00", "09:00")
    response = api.post(f"/interventions/{i['id']}/cancel", world.directors["B"])
    assert response.status_code == 409
    assert db.session.get(Intervention, i["id"]).state == "accepted"


def test_activation_over_the_cap_409(api, world):
    i = flows.draft(api, world, estimated_onsite_minutes=2200)
    response = api.post(f"/interventions/{i['id']}/activate", world.directors["B"])
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "cap_exceeded" and error["remaining_minutes"] == 2100


@pytest.mark.parametrize("method, path", [
    ("GET", "/nope"), ("GET", "/interventions/99999"), ("GET", "/interventions/abc"),
    ("GET", "/interventions/99999999999999999999999"), ("PATCH", "/sessions/4294967296"),
    ("GET", "/billing/2025.pdf"), ("POST", "/interventions/1/teleport"),
])
def test_unknown_urls_404_json(api, world, method, path):
    response = api.call(method, path, world.coordinator)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("method, path", [
    ("DELETE", "/me"), ("PUT", "/interventions"), ("GET", "/tokens"), ("PUT", "/users"),
    ("GET", "/users/1"),
])
def test_wrong_method_405_json(api, world, method, path):
    response = api.call(method, path, world.coordinator)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_billing_year_out_of_range_422(api, world):
    response = api.get("/billing/1999", world.accountant)
    assert response.status_code == 422
    assert error_of(response)["field"] == "year"
    # Beyond an integer column, every <int:> route answers 404 from the router itself.
    assert api.get("/billing/99999999999999999999", world.accountant).status_code == 404


@pytest.mark.parametrize("body, field, status", [
    ({"name": "EHPAD", "finess": "123"}, "finess", 422),
    ({"name": "EHPAD", "finess": "2C1234567"}, "finess", 422),
    ({"name": "", "finess": "650001234"}, "name", 422),
    ({"finess": "650001234"}, "name", 422),
    ({"name": "EHPAD", "finess": 650001234}, "finess", 400),
])
def test_invalid_establishment_fields(api, world, body, field, status):
    response = api.post("/establishments", world.coordinator, json=body)
    assert response.status_code == status
    assert error_of(response)["field"] == field


def test_duplicate_finess_422(api, world):
    response = api.post("/establishments", world.coordinator,
                        json={"name": "Doublon", "finess": world.establishments["A"].finess})
    assert response.status_code == 422
    assert error_of(response)["code"] == "duplicate"


@pytest.mark.parametrize("change, field", [
    ({"email": "not-an-email"}, "email"), ({"role": "king"}, "role"),
    ({"password": "short"}, "password"), ({"establishment_id": None}, "establishment_id"),
    ({"email": "tech.a@gic65.test"}, "email"), ({"admin": True}, "admin"),
])
def test_invalid_user_fields_422(api, world, change, field):
    body = {"email": "new@gic65.test", "name": "Nouveau", "role": "technician",
            "establishment_id": world.establishments["A"].id, "password": "assez-long"}
    body.update(change)
    response = api.post("/users", world.coordinator, json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


# --- The bilan (tests/api/test_bilan_api.py starts every test from published versions) -----

def test_nothing_visible_is_404(api, world):
    from gic.reports import services as bilan
    from tests.services.test_bilan import YEAR
    bilan.generate_draft(world.groupement.id, YEAR)
    response = api.get(f"/bilan/{YEAR}", world.directors["A"])
    assert response.status_code == 404
    assert error_of(response)["message"] == "Le bilan 2025 n'est pas publié."
    assert api.get("/bilan/2024", world.coordinator).status_code == 404
    assert api.get("/bilan/1999", world.coordinator).status_code == 422
