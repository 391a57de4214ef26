"""The groupement itself: identity card, membership and renewal by unanimity, convention versions."""

from flask import Blueprint

# Routes are attached by gic/governance/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("governance", __name__, url_prefix="/groupement")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {}
