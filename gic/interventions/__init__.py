"""Interventions: requests between establishments, their sessions and states."""

from flask import Blueprint

bp = Blueprint("interventions", __name__, url_prefix="/interventions")

from gic.interventions import views  # noqa: E402,F401
