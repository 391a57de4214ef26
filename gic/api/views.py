"""The caller, the groupement's establishments and users (SPEC §8)."""

from __future__ import annotations

from flask import jsonify

from gic.admin import identity
from gic.admin import services as admin_services
from gic.admin import users as admin_users
from gic.api import bp, schemas
from gic.api.auth import api_user
from gic.api.serializers import billing_identity_json, establishment_json, me_json, user_json
from gic.policy import can


@bp.get("/me")
def me():
    """The user, role, establishment and groupement of the token."""
    return jsonify(me_json(api_user()))


@bp.get("/establishments")
def establishments():
    """The establishments of the caller's groupement, by name (candidates too: see
    their ``status``); with their billing identity for the coordinator and the
    accountant."""
    user = api_user()
    items = admin_services.establishments_of(user, candidates=True)
    data = [establishment_json(e, status=True) for e in items]
    if can(user, "admin.read_identity"):  # the billing identity: coordination, accounting
        identity.load_engagements(items)
        for e, item in zip(items, data, strict=True):
            item["billing_identity"] = billing_identity_json(e)
    return jsonify({"items": data})


@bp.post("/establishments")
def create_establishment():
    """A coordinator adds an establishment (FINESS checked and unique)."""
    data = schemas.parse_body(schemas.EstablishmentCreate)
    e = admin_services.create_establishment(api_user(), **data)
    return jsonify(establishment_json(e, status=True)), 201


@bp.get("/users")
def list_users():
    """A coordinator lists the people of the groupement (deactivated ones too)."""
    return jsonify({"items": [user_json(u) for u in admin_services.users_of(api_user())]})


@bp.patch("/users/<int:user_id>")
def update_user(user_id: int):
    """A coordinator changes a person's name, role, establishment or active state."""
    user = admin_users.user_in_scope(api_user(), user_id)
    data = schemas.parse_body(schemas.UserUpdate)
    return jsonify(user_json(admin_users.update_user(api_user(), user, **data)))


@bp.post("/users")
def create_user():
    """A coordinator adds a person to the groupement."""
    data = schemas.parse_body(schemas.UserCreate)
    data.setdefault("establishment_id", None)
    user = admin_services.create_user(api_user(), **data)
    return jsonify(user_json(user)), 201
