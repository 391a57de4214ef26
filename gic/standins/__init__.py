"""Stand-ins (« suppléance », issue 13): a director names, for a date range, one
person of his establishment who may do his actions for it while he is away."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/standins/views.py, imported by create_app (not here:
# the permission checks of every area import gic.standins.access).
bp = Blueprint("standins", __name__, url_prefix="/standins")

# French labels of the audit actions this area records (merged into the journal's;
# marked for the catalogue: the pages show their translation).
AUDIT_LABELS: dict[str, str] = {
    "standin.create": N_("Suppléance de la direction désignée"),
    "standin.end": N_("Suppléance de la direction terminée"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Standin": N_("Suppléance"),
}
