"""Whatever JSON a client sends, the API answers a §8 status, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api import flows

# Property-based: many generated bodies.
pytestmark = pytest.mark.slow

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True) | st.text(max_size=30)
           | st.sampled_from(["2025-03-03", "2025-13-40", "08:00", "25:00", "onsite", "remote",
                              "incident", "user_support", "technician", "", "\x00"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
FIELDS = ["date", "start", "end", "mode", "notes", "provider_id", "beneficiary_id", "axis",
          "nature", "description", "technician_id", "reason", "report", "email", "name",
          "role", "establishment_id", "password", "finess", "state"]
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6) | JSON
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ALLOWED = {200, 201, 204, 400, 403, 404, 409, 422}


@FUZZ
@given(body=BODIES, target=st.sampled_from(["sessions", "accept", "decline", "complete",
                                            "draft", "users", "establishments", "patch"]))
def test_no_500_on_any_body(api, world, body, target):
    if not hasattr(world, "_fuzz"):
        i = flows.accepted(api, world)
        s = flows.log(api, world, i, "2025-01-06", "08:00", "09:00").get_json()
        world._fuzz = (i["id"], s["id"])
    i, s = world._fuzz
    method, path, user = {
        "sessions": ("POST", f"/interventions/{i}/sessions", world.technicians["A"]),
        "accept": ("POST", f"/interventions/{i}/accept", world.directors["A"]),
        "decline": ("POST", f"/interventions/{i}/decline", world.directors["A"]),
        "complete": ("POST", f"/interventions/{i}/complete", world.technicians["A"]),
        "draft": ("POST", "/interventions", world.directors["B"]),
        "users": ("POST", "/users", world.coordinator),
        "establishments": ("POST", "/establishments", world.coordinator),
        "patch": ("PATCH", f"/sessions/{s}", world.technicians["A"]),
    }[target]
    response = api.call(method, path, user, json=body)
    assert response.status_code in ALLOWED
    if response.status_code >= 400:
        assert set(response.get_json()["error"]) >= {"code", "message"}
