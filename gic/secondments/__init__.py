"""Temporary secondments (R8): own rate or lump sum, both directors approve."""

from flask import Blueprint
from flask_babel import lazy_gettext

# Routes are attached by gic/secondments/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("secondments", __name__, url_prefix="/secondments")

# Labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "secondment.propose": lazy_gettext("Détachement temporaire proposé"),
    "secondment.approve": lazy_gettext("Détachement temporaire approuvé par une direction"),
    "secondment.refuse": lazy_gettext("Détachement temporaire refusé"),
    "secondment.cancel": lazy_gettext("Proposition de détachement annulée"),
}

# Names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Secondment": lazy_gettext("Détachement temporaire"),
}
