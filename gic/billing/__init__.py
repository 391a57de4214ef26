"""Billing: cap use, yearly billing per pair, year closing."""

from flask import Blueprint

# Routes are attached by gic/billing/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("billing", __name__, url_prefix="/billing")
