"""JSON error bodies of SPEC §8."""

from flask import jsonify

MESSAGES = {400: ("bad_request", "Requête invalide."),
            401: ("unauthorized", "Authentification requise."),
            403: ("forbidden", "Action non autorisée."),
            404: ("not_found", "Ressource introuvable."),
            405: ("method_not_allowed", "Méthode non autorisée."),
            409: ("conflict", "Refusé par une règle."),
            413: ("too_large", "Requête trop volumineuse."),
            422: ("invalid_field", "Champ invalide."),
            429: ("too_many_requests", "Trop de requêtes."),
            500: ("server_error", "Erreur interne.")}


def json_error(status: int, code: str | None = None, message: str | None = None, **extra):
    """``{"error": {"code", "message", ...}}`` with ``status``."""
    default_code, default_message = MESSAGES.get(status, ("error", "Erreur."))
    body = {"code": code or default_code, "message": message or default_message}
    body.update(extra)
    return jsonify({"error": body}), status
