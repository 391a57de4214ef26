"""Coordination: establishments and users of a groupement."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/admin/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("admin", __name__, url_prefix="/admin")

# French labels of the audit log (read and translated by gic/audit/present.py).
AUDIT_LABELS = {
    "user.update": N_("Utilisateur modifié"),
    "user.deactivate": N_("Utilisateur désactivé"),
    "user.reactivate": N_("Utilisateur réactivé"),
    "user.reset_link": N_("Lien de nouveau mot de passe envoyé"),
    "user.password_reset": N_("Mot de passe changé par lien e-mail"),
    "user.password_set": N_("Mot de passe défini en ligne de commande"),
    "establishment.identity": N_("Identité de facturation modifiée"),
}
