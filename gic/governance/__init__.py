"""The groupement itself: identity card, membership and renewal by unanimity (or,
under the ordered-hours model, by the members' weighted vote), convention versions."""

from flask import Blueprint

# Routes are attached by gic/governance/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("governance", __name__, url_prefix="/groupement")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "governance.card_update": "Carte d'identité du groupement modifiée",
    "governance.open": "Procédure ouverte au vote des membres (adhésion ou renouvellement)",
    "governance.vote": "Vote d'un établissement membre (adhésion ou renouvellement)",
    "governance.approve": "Procédure approuvée (unanimité ou vote pondéré)",
    "governance.refuse": "Procédure close par un refus",
    "governance.withdraw": "Procédure retirée par la coordination",
    "convention.version_create": "Nouvelle version des paramètres de la convention",
    "convention.version_delete": "Version à venir de la convention supprimée",
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Procedure": "Procédure (adhésion ou renouvellement)",
    "Vote": "Vote",
    "GroupementProfile": "Fiche d'identité du groupement",
    "ConventionVersion": "Version de la convention",
}
