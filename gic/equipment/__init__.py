"""Equipment register (axis 5): loans and donations between establishments (SPEC §7)."""

from flask import Blueprint

# Routes are attached by gic/equipment/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("equipment", __name__, url_prefix="/equipment")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "equipment.create": "Matériel : prêt ou don enregistré",
    "equipment.update": "Matériel : mouvement modifié",
    "equipment.return": "Matériel : retour enregistré",
    "equipment.delete": "Matériel : mouvement supprimé",
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Movement": "Prêt ou don de matériel",
}
