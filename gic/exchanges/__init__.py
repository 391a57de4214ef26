"""Exchanges and advice (axis 1): a light, free-of-charge log of advice given."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/exchanges/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("exchanges", __name__, url_prefix="/exchanges")

# French labels of the audit actions this area records (merged into the journal's;
# N_: in the catalogue, translated where the journal shows them).
AUDIT_LABELS: dict[str, str] = {
    "exchange.create": N_("Échange ou conseil enregistré"),
    "exchange.update": N_("Échange ou conseil modifié"),
    "exchange.delete": N_("Échange ou conseil supprimé"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Exchange": N_("Échange ou conseil"),
}
