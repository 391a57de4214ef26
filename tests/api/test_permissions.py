"""Role × endpoint -> status (SPEC §1, §8), including another groupement's users (404).

For an intervention endpoint, a user who may not even see the intervention gets
404; one who sees it but may not act gets 403; the table lists who may act.
"""

from __future__ import annotations

from datetime import date

import pytest

from gic.interventions import services
from tests.helpers import hm

USERS = ["tech_A", "tech_B", "tech_C", "dir_A", "dir_B", "dir_C", "coordinator",
         "accountant", "other_tech", "other_dir", "other_coordinator", "other_accountant"]
# Who sees an A -> B intervention (SPEC §1); everyone else gets 404 on it.
VIEWERS = {"tech_A", "tech_B", "dir_A", "dir_B", "coordinator", "accountant"}
# A draft is the beneficiary's business: the provider's people (A) do not see it
# before B's director activates it.
DRAFT_VIEWERS = VIEWERS - {"tech_A", "dir_A"}


def _user(world, other_world, key):
    w = other_world if key.startswith("other_") else world
    role = key.removeprefix("other_")
    if role in ("coordinator", "accountant"):
        return getattr(w, role)
    kind, _, letter = role.partition("_")
    letter = letter or "X"
    return (w.technicians if kind == "tech" else w.directors)[letter]


def _intervention(world, state):
    """An A -> B intervention drafted by B's technician, brought to ``state``."""
    e = world.establishments
    i = services.create_draft(world.technicians["B"], provider_id=e["A"].id, axis=2,
                              nature="incident", description="Panne")
    if state == "draft":
        return i, None
    services.activate(i, world.directors["B"])
    if state == "active":
        return i, None
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    if state == "accepted":
        return i, None
    s = services.log_session(i, world.technicians["A"], day=date(2025, 3, 3),
                             start=hm("08:00"), end=hm("10:00"), mode="onsite")
    if state == "with_session":
        return i, s
    services.complete(i, world.technicians["A"], "Fait.")
    return i, s


SESSION = {"date": "2025-03-04", "start": "08:00", "end": "09:00", "mode": "remote"}

# name: (state, method, path, body, {user: success status}, scoped to the intervention)
ENDPOINTS = {
    "me": (None, "GET", "/me", None, dict.fromkeys(USERS, 200), False),
    "establishments": (None, "GET", "/establishments", None, dict.fromkeys(USERS, 200), False),
    "create_establishment": (None, "POST", "/establishments",
                             {"name": "Nouvel EHPAD", "finess": "650009999"},
                             {"coordinator": 201, "other_coordinator": 201}, False),
    "create_user": (None, "POST", "/users",
                    lambda w: {"email": "new@x.test", "name": "Nouveau", "role": "technician",
                               "establishment_id": w.establishments["A"].id,
                               "password": "assez-long"},
                    # the establishment is not in the other groupement: refused as a field
                    {"coordinator": 201, "other_coordinator": 422}, False),
    "list": (None, "GET", "/interventions", None, dict.fromkeys(USERS, 200), False),
    "create_intervention": (None, "POST", "/interventions",
                            lambda w: {"beneficiary_id": w.establishments["B"].id,
                                       "provider_id": w.establishments["A"].id, "axis": 2,
                                       "nature": "incident", "description": "Panne"},
                            {"tech_B": 201, "dir_B": 201}, False),
    "get": ("draft", "GET", "/interventions/{i}", None, dict.fromkeys(DRAFT_VIEWERS, 200),
            True),
    "get_active": ("active", "GET", "/interventions/{i}", None, dict.fromkeys(VIEWERS, 200),
                   True),
    "activate": ("draft", "POST", "/interventions/{i}/activate", None, {"dir_B": 200}, True),
    "accept": ("active", "POST", "/interventions/{i}/accept",
               lambda w: {"technician_id": w.technicians["A"].id}, {"dir_A": 200}, True),
    "decline": ("active", "POST", "/interventions/{i}/decline", {"reason": "Indisponibles."},
                {"dir_A": 200}, True),
    "cancel_draft": ("draft", "POST", "/interventions/{i}/cancel", None,
                     {"dir_B": 200, "tech_B": 200}, True),
    "cancel_active": ("active", "POST", "/interventions/{i}/cancel", None, {"dir_B": 200}, True),
    "log_session": ("accepted", "POST", "/interventions/{i}/sessions", SESSION,
                    {"tech_A": 201}, True),
    "update_session": ("with_session", "PATCH", "/sessions/{s}", {"notes": "Précision"},
                       {"tech_A": 200}, True),
    "delete_session": ("with_session", "DELETE", "/sessions/{s}", None, {"tech_A": 204}, True),
    "complete": ("with_session", "POST", "/interventions/{i}/complete", {"report": "Fait."},
                 {"tech_A": 200}, True),
    "validate": ("completed", "POST", "/interventions/{i}/validate", None, {"dir_B": 200}, True),
    "billing": (None, "GET", "/billing/2025", None,
                dict.fromkeys(["dir_A", "dir_B", "dir_C", "accountant", "other_dir",
                               "other_accountant"], 200), False),
    # A director downloads his own pairs; the accountant the whole year.
    "billing_csv": (None, "GET", "/billing/2025.csv", None,
                    dict.fromkeys(["dir_A", "dir_B", "dir_C", "accountant", "other_dir",
                                   "other_accountant"], 200), False),
    "billing_xlsx": (None, "GET", "/billing/2025.xlsx", None,
                     dict.fromkeys(["dir_A", "dir_B", "dir_C", "accountant", "other_dir",
                                    "other_accountant"], 200), False),
    "close_year": (None, "POST", "/billing/2024/close", None,
                   {"accountant": 200, "other_accountant": 200}, False),
}


def _expected(endpoint: str, user: str) -> int:
    state, _, _, _, allowed, scoped = ENDPOINTS[endpoint]
    if user in allowed:
        return allowed[user]
    viewers = DRAFT_VIEWERS if state == "draft" else VIEWERS
    return 404 if scoped and user not in viewers else 403


TABLE = [(endpoint, user, _expected(endpoint, user)) for endpoint in ENDPOINTS
         for user in USERS]


@pytest.mark.parametrize("endpoint, user_key, status", TABLE)
def test_permission_table(api, world, other_world, endpoint, user_key, status):
    state, method, path, body, _, _ = ENDPOINTS[endpoint]
    i = s = None
    if state:
        i, s = _intervention(world, state)
    path = path.format(i=i.id if i else "", s=s.id if s else "")
    if callable(body):  # ids of the first groupement, whoever calls
        body = body(world)
    user = _user(world, other_world, user_key)
    response = api.call(method, path, user, json=body)
    assert response.status_code == status, response.get_json()
    if status >= 400:
        assert set(response.get_json()) == {"error"}


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS])
def test_no_token_401(api, world, endpoint):
    state, method, path, body, _, _ = ENDPOINTS[endpoint]
    i = s = None
    if state:
        i, s = _intervention(world, state)
    path = path.format(i=i.id if i else "", s=s.id if s else "")
    response = api.call(method, path, json=body if not callable(body) else body(world))
    assert response.status_code == 401


def test_refused_action_changes_nothing(api, world):
    i, _ = _intervention(world, "draft")
    response = api.post(f"/interventions/{i.id}/activate", world.coordinator)
    assert response.status_code == 403
    assert "direction" in response.get_json()["error"]["message"]
    from gic.extensions import db
    db.session.refresh(i)
    assert i.state == "draft"
