"""Common trainings (axis 4): topic, date, trainer, attendees, hours (SPEC §7)."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/trainings/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("trainings", __name__, url_prefix="/trainings")

# French labels of the audit actions this area records (merged into the journal's;
# marked N_ for the English catalogue: gettext(label) where the journal shows them).
AUDIT_LABELS: dict[str, str] = {
    "training.create": N_("Formation commune enregistrée"),
    "training.update": N_("Formation commune modifiée"),
    "training.delete": N_("Formation commune supprimée"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Training": N_("Formation commune"),
}
