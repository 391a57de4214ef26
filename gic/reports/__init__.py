"""The annual bilan (SPEC §5): drafts, published versions, web page, PDF."""

from flask import Blueprint

# Routes are attached by gic/reports/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("reports", __name__, url_prefix="/bilan")
