"""Bearer-token authentication of the API, and ``POST /tokens`` to get a token."""

from __future__ import annotations

from flask import g, jsonify, request

from gic.api import bp, schemas
from gic.api.errors import json_error
from gic.api.serializers import iso_datetime
from gic.auth import services as auth_services
from gic.models import User

# Endpoints anyone may call without a token.
PUBLIC_ENDPOINTS = frozenset({"api.create_token", "api.openapi"})
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gic"'}


@bp.before_request
def authenticate_bearer():
    """Every API endpoint but the public ones needs ``Authorization: Bearer <token>``."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
    user = None
    if scheme.lower() == "bearer" and raw.strip():
        user = auth_services.user_for_token(raw.strip())
    if user is None:
        response, status = json_error(
            401, message="Jeton d'API manquant, invalide ou révoqué "
                         "(en-tête « Authorization: Bearer <jeton> »).")
        return response, status, CHALLENGE
    g.api_user = user
    return None


def api_user() -> User:
    """The user of the current API request (set by :func:`authenticate_bearer`)."""
    return g.api_user


@bp.post("/tokens")
def create_token():
    """Exchange e-mail and password for a personal token (throttled like /login)."""
    data = schemas.parse_body(schemas.TokenCreate)
    auth_services.token_expiry(data.get("expires_in_days"))  # 422 before any login attempt
    try:
        user = auth_services.authenticate(data["email"], data["password"],
                                          request.remote_addr or "")
    except auth_services.InvalidCredentials as error:
        response, status = json_error(401, error.code, error.message)
        return response, status, CHALLENGE
    token, raw = auth_services.create_token(user, data.get("name") or "API",
                                            expires_in_days=data.get("expires_in_days"))
    return jsonify({"token": raw, "id": token.id, "prefix": token.prefix,
                    "expires_at": iso_datetime(token.expires_at)}), 201
