"""Hours ordered in advance (issue 16): a groupement whose convention version uses
the ordered-hours model takes each participant's order before the year, votes
the budget, calls provisional contributions in the first semester and
regularises them at the year's close (pure rules in :mod:`gic.convention.rules_ordered`,
figures for the other areas in :mod:`gic.ordered.ledger`)."""

from flask import Blueprint

# Routes are attached by gic/ordered/views.py, imported by create_app.
bp = Blueprint("ordered", __name__, url_prefix="/ordered")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "ordered.order": "Heures commandées enregistrées",
    "ordered.participation": "Participation de l'établissement changée (membre ou utilisateur)",
    "ordered.vote": "Vote du budget enregistré",
    "ordered.vote_cancel": "Vote du budget retiré (avant les appels)",
    "ordered.call": "Appel de contribution provisionnel émis",
    "ordered.expenses": "Dépenses réelles de l'année enregistrées",
    "ordered.regularise": "Régularisation de l'année émise",
    "ordered.download": "Document de contribution téléchargé",
    "ordered.withdraw": "Régularisation retirée (année rouverte)",
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "HourOrder": "Commande d'heures",
    "OrderedYear": "Budget de l'année (heures commandées)",
    "ContributionDocument": "Document de contribution",
}
