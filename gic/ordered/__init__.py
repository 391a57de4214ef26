"""Hours ordered in advance (issue 16): a groupement whose convention version uses
the ordered-hours model takes each participant's order before the year, votes
the budget, calls provisional contributions in the first semester and
regularises them at the year's close (pure rules in :mod:`gic.convention.rules_ordered`,
figures for the other areas in :mod:`gic.ordered.ledger`)."""

from flask import Blueprint
from flask_babel import lazy_gettext

# Routes are attached by gic/ordered/views.py, imported by create_app.
bp = Blueprint("ordered", __name__, url_prefix="/ordered")

# Labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "ordered.order": lazy_gettext("Heures commandées enregistrées"),
    "ordered.participation": lazy_gettext(
        "Participation de l'établissement changée (membre ou utilisateur)"),
    "ordered.vote": lazy_gettext("Vote du budget enregistré"),
    "ordered.vote_cancel": lazy_gettext("Vote du budget retiré (avant les appels)"),
    "ordered.call": lazy_gettext("Appel de contribution provisionnel émis"),
    "ordered.expenses": lazy_gettext("Dépenses réelles de l'année enregistrées"),
    "ordered.regularise": lazy_gettext("Régularisation de l'année émise"),
    "ordered.download": lazy_gettext("Document de contribution téléchargé"),
    "ordered.withdraw": lazy_gettext("Régularisation retirée (année rouverte)"),
}

# Names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "HourOrder": lazy_gettext("Commande d'heures"),
    "OrderedYear": lazy_gettext("Budget de l'année (heures commandées)"),
    "ContributionDocument": lazy_gettext("Document de contribution"),
}
