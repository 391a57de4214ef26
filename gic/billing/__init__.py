"""Billing: cap use, yearly billing per pair, year closing."""

from flask import Blueprint

# Routes are attached by gic/billing/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("billing", __name__, url_prefix="/billing")

# French labels of the audit log (read by gic/audit/present.py).
AUDIT_LABELS = {
    "statement.issue": "Relevé de règlement émis",
    "statement.cancel": "Relevé annulé par un avoir",
    "statement.download": "Document téléchargé",
    "statement.pack": "Ordres de recouvrement téléchargés",
}
AUDIT_OBJECTS = {"SettlementStatement": "Relevé de règlement"}
