"""Coordination: establishments and users of a groupement."""

from flask import Blueprint

# Routes are attached by gic/admin/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("admin", __name__, url_prefix="/admin")

# French labels of the audit log (read by gic/audit/present.py).
AUDIT_LABELS = {
    "user.update": "Utilisateur modifié",
    "user.deactivate": "Utilisateur désactivé",
    "user.reactivate": "Utilisateur réactivé",
    "user.reset_link": "Lien de nouveau mot de passe envoyé",
    "user.password_reset": "Mot de passe changé par lien e-mail",
    "user.password_set": "Mot de passe défini en ligne de commande",
    "establishment.identity": "Identité de facturation modifiée",
}
