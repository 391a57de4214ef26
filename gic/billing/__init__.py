"""Billing: cap use, yearly billing per pair, year closing."""

from flask import Blueprint
from flask_babel import lazy_gettext

# Routes are attached by gic/billing/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("billing", __name__, url_prefix="/billing")

# Labels of the audit log (read by gic/audit/present.py).
AUDIT_LABELS = {
    "statement.issue": lazy_gettext("Relevé de règlement émis"),
    "statement.cancel": lazy_gettext("Relevé annulé par un avoir"),
    "statement.download": lazy_gettext("Document téléchargé"),
    "statement.pack": lazy_gettext("Ordres de recouvrement téléchargés"),
}
AUDIT_OBJECTS = {"SettlementStatement": lazy_gettext("Relevé de règlement")}
