"""The groupement itself: identity card, membership and renewal by unanimity (or,
under the ordered-hours model, by the members' weighted vote), convention versions."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/governance/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("governance", __name__, url_prefix="/groupement")

# French labels of the audit actions this area records (merged into the journal's;
# N_: in the catalogue, translated where the journal shows them).
AUDIT_LABELS: dict[str, str] = {
    "governance.card_update": N_("Carte d'identité du groupement modifiée"),
    "governance.open": N_("Procédure ouverte au vote des membres (adhésion ou renouvellement)"),
    "governance.vote": N_("Vote d'un établissement membre (adhésion ou renouvellement)"),
    "governance.approve": N_("Procédure approuvée (unanimité ou vote pondéré)"),
    "governance.refuse": N_("Procédure close par un refus"),
    "governance.withdraw": N_("Procédure retirée par la coordination"),
    "convention.version_create": N_("Nouvelle version des paramètres de la convention"),
    "convention.version_delete": N_("Version à venir de la convention supprimée"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "Procedure": N_("Procédure (adhésion ou renouvellement)"),
    "Vote": N_("Vote"),
    "GroupementProfile": N_("Fiche d'identité du groupement"),
    "ConventionVersion": N_("Version de la convention"),
}
