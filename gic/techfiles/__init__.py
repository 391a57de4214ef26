"""The technical file of each establishment, with logged, time-limited access (SPEC §7)."""

from flask import Blueprint

# Routes are attached by gic/techfiles/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("techfiles", __name__, url_prefix="/techfiles")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {}
