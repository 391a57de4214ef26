"""GET /users and PATCH /users/{id} (issue 12, item 7): the coordinator lists and
changes the people of his groupement; deactivation revokes their tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.models import Role
from tests.api.conftest import error_of
from tests.conftest import add_user


def test_the_coordinator_lists_his_groupement_s_people(api, world, other_world):
    world.technicians["C"].active = False
    db.session.commit()
    response = api.get("/users", world.coordinator)
    assert response.status_code == 200
    items = response.get_json()["items"]
    emails = {u["email"] for u in items}
    assert len(items) == 8 and "tech.a@gic65.test" in emails
    assert not any(e.endswith("@demo.test") for e in emails)
    assert {u["email"]: u["active"] for u in items}["tech.c@gic65.test"] is False
    assert set(items[0]) == {"id", "email", "name", "role", "establishment_id",
                             "groupement_id", "active"}


@pytest.mark.parametrize("who", ["technician", "director", "accountant"])
def test_only_coordinators_list_or_change_people(api, world, who):
    caller = {"technician": world.technicians["A"], "director": world.directors["A"],
              "accountant": world.accountant}[who]
    assert api.get("/users", caller).status_code == 403
    response = api.patch(f"/users/{world.technicians['B'].id}", caller, json={"name": "X"})
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_patch_changes_only_the_given_fields_and_is_audited(api, world):
    tech = world.technicians["A"]
    response = api.patch(f"/users/{tech.id}", world.coordinator,
                         json={"role": "director", "name": "Direction adjointe A"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["role"], body["name"], body["establishment_id"]) == (
        "director", "Direction adjointe A", world.establishments["A"].id)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "user.update")).one()
    assert entry.before == {"email": tech.email, "name": "Technicien A", "role": "technician"}
    response = api.patch(f"/users/{tech.id}", world.coordinator,
                         json={"role": "accountant", "establishment_id": None})
    assert response.status_code == 200 and response.get_json()["establishment_id"] is None


def test_deactivation_through_the_api_revokes_tokens(api, world):
    tech = world.technicians["B"]
    assert api.get("/me", tech).status_code == 200
    response = api.patch(f"/users/{tech.id}", world.coordinator, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert api.get("/me", tech).status_code == 401
    assert api.patch(f"/users/{tech.id}", world.coordinator,
                     json={"active": True}).get_json()["active"] is True
    assert api.get("/me", tech).status_code == 401  # the old token stays revoked


def test_another_groupement_s_person_is_404(api, world, other_world):
    target = other_world.technicians["X"]
    response = api.patch(f"/users/{target.id}", world.coordinator, json={"active": False})
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert api.patch("/users/999999", world.coordinator, json={}).status_code == 404
    db.session.refresh(target)
    assert target.active


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"active": "false"}, 400, "active"),
    ({"email": "x@y.test"}, 422, "email"),
    ({"role": "chef"}, 422, "role"),
    ({"name": "  "}, 422, "name"),
    ({"establishment_id": None}, 422, "establishment_id"),
    ({"establishment_id": 2**31}, 422, "establishment_id"),
])
def test_invalid_changes_are_refused_and_change_nothing(api, world, other_world, body, status,
                                                        field):
    tech = world.technicians["A"]
    response = api.patch(f"/users/{tech.id}", world.coordinator, json=body)
    assert response.status_code == status
    assert error_of(response)["field"] == field
    db.session.refresh(tech)
    assert (tech.name, tech.role, tech.active) == ("Technicien A", Role.TECHNICIAN, True)


def test_an_establishment_of_another_groupement_is_refused(api, world, other_world):
    response = api.patch(f"/users/{world.technicians['A'].id}", world.coordinator,
                         json={"establishment_id": other_world.establishments["X"].id})
    assert response.status_code == 422


def test_self_deactivation_and_the_last_coordinator_are_409(api, world):
    me = world.coordinator
    response = api.patch(f"/users/{me.id}", me, json={"active": False})
    assert response.status_code == 409 and error_of(response)["code"] == "self_deactivation"
    response = api.patch(f"/users/{me.id}", me, json={"role": "accountant"})
    assert response.status_code == 409 and error_of(response)["code"] == "last_coordinator"
    second = add_user(world.groupement, "coord2@gic65.test", Role.COORDINATOR)
    db.session.commit()
    assert api.patch(f"/users/{me.id}", me, json={"role": "accountant"}).status_code == 200
    assert api.get("/users", me).status_code == 403  # no longer a coordinator
    assert api.patch(f"/users/{me.id}", second, json={"role": "coordinator"}).status_code == 200
