"""Interventions: requests between establishments, their sessions and states."""

from flask import Blueprint

# Routes are attached by gic/interventions/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("interventions", __name__, url_prefix="/interventions")
