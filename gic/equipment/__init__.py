"""Equipment register (axis 5): loans and donations between establishments (SPEC §7)."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/equipment/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("equipment", __name__, url_prefix="/equipment")

# French labels of the audit actions this area records (merged into the journal's;
# marked N_ for the English catalogue: gettext(label) where the journal shows them).
AUDIT_LABELS: dict[str, str] = {
    "equipment.create": N_("Matériel : prêt ou don enregistré"),
    "equipment.update": N_("Matériel : mouvement modifié"),
    "equipment.return": N_("Matériel : retour enregistré"),
    "equipment.delete": N_("Matériel : mouvement supprimé"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Movement": N_("Prêt ou don de matériel"),
}
