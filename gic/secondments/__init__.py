"""Temporary secondments (R8): own rate or lump sum, both directors approve."""

from flask import Blueprint

# Routes are attached by gic/secondments/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("secondments", __name__, url_prefix="/secondments")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "secondment.propose": "Détachement temporaire proposé",
    "secondment.approve": "Détachement temporaire approuvé par une direction",
    "secondment.refuse": "Détachement temporaire refusé",
    "secondment.cancel": "Proposition de détachement annulée",
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Secondment": "Détachement temporaire",
}
