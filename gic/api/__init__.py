"""JSON API v1 (SPEC §8): bearer tokens, JSON errors, OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from gic.api import auth, bilan, billing, errors, interventions, openapi, views  # noqa: E402,F401

errors.register(bp)
