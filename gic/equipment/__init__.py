"""Equipment register (axis 5): loans and donations between establishments (SPEC §7)."""

from flask import Blueprint

# Routes are attached by gic/equipment/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("equipment", __name__, url_prefix="/equipment")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {}
