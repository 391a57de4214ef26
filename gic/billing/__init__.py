"""Billing: cap use, yearly billing per pair, year closing."""

from flask import Blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")

from gic.billing import views  # noqa: E402,F401
