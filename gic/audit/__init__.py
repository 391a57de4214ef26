"""The audit log: append-only record of every change."""

from flask import Blueprint

# Routes are attached by gic/audit/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("audit", __name__, url_prefix="/audit")
