"""JSON error bodies of SPEC §8, and the handlers that turn every API error into one."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from gic.errors import DomainError
from gic.extensions import db

MESSAGES = {400: ("bad_request", "Requête invalide."),
            401: ("unauthorized", "Authentification requise."),
            403: ("forbidden", "Action non autorisée."),
            404: ("not_found", "Ressource introuvable."),
            405: ("method_not_allowed", "Méthode non autorisée."),
            409: ("conflict", "Refusé par une règle."),
            413: ("too_large", "Requête trop volumineuse."),
            415: ("unsupported_media_type", "Type de contenu non pris en charge."),
            422: ("invalid_field", "Champ invalide."),
            429: ("too_many_requests", "Trop de requêtes."),
            500: ("server_error", "Erreur interne.")}


def json_error(status: int, code: str | None = None, message: str | None = None, **extra):
    """``{"error": {"code", "message", ...}}`` with ``status``."""
    default_code, default_message = MESSAGES.get(status, ("error", "Erreur."))
    body = {"code": code or default_code, "message": message or default_message}
    body.update(extra)
    return jsonify({"error": body}), status


def domain_error(error: DomainError):
    """A service's refusal: nothing it began is kept; its status, code and French
    message (plus ``field`` and extras such as ``remaining_minutes``) are returned."""
    db.session.rollback()
    extra = dict(error.extra)
    if error.field:
        extra["field"] = error.field
    return json_error(error.status, error.code, error.message, **extra)


def http_error(error: HTTPException):
    """Werkzeug errors raised inside an API view (413, 405…) answer JSON too."""
    db.session.rollback()
    response, status = json_error(error.code or 500)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def register(bp) -> None:
    """Install the handlers on the API blueprint (unmatched /api/ URLs are handled
    app-wide by :func:`gic.web._error_page`, which calls :func:`json_error`)."""
    bp.register_error_handler(DomainError, domain_error)
    bp.register_error_handler(HTTPException, http_error)
