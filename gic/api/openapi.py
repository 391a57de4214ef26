"""The OpenAPI 3.1 document of the API, served at ``/api/v1/openapi.json``.

Request bodies and query parameters are the JSON Schema of the pydantic models of
:mod:`gic.api.schemas` (the very models the views parse with), responses that of
:mod:`gic.api.responses`; this module adds the table of paths and operations, with
the path parameters' real bounds. A test checks that every route of the blueprint is
described here, schemathesis that the API answers as described.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify

from gic.api import bp, fields, responses, schemas

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


ERRORS = {
    400: ("BadRequest", "JSON mal formé, corps qui n'est pas un objet, type de valeur erroné "
                        "(un entier s'écrit 2, pas 2.0)."),
    401: ("Unauthorized", "Jeton absent, invalide ou révoqué."),
    403: ("Forbidden", "Rôle ou établissement non autorisé pour cette action."),
    404: ("NotFound", "Objet inconnu ou d'un autre groupement (ou hors de votre périmètre), "
                      "ou paramètre de chemin qui n'en désigne aucun."),
    409: ("Conflict", "Refusé par une règle : plafond (avec remaining_minutes), année "
                      "clôturée, état de la demande."),
    422: ("Unprocessable", "Champ invalide, manquant ou inconnu (avec field)."),
    429: ("TooManyRequests", "Trop de tentatives de connexion."),
}


def _path_param(name: str, description: str, minimum: int = 1,
                maximum: int = fields.MAX_INT) -> Schema:
    """An integer path parameter: an id (1 to the largest database integer) or a year."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": minimum, "maximum": maximum}}


def _query_params(model: type[fields.Query]) -> list[Schema]:
    """The query parameters read by ``model``; an empty value (``?year=``, as a form
    sends it) means « not given »."""
    properties = fields.json_schema(model)["properties"]
    return [{"name": name, "in": "query", "required": False,
             "description": schema.pop("description"), "schema": schema,
             "allowEmptyValue": True} for name, schema in properties.items()]


def _op(summary: str, status: int, schema: str | None, *, errors: tuple[int, ...],
        body: str | None = None, public: bool = False, tag: str = "interventions",
        params: list[Schema] | None = None, description: str = "") -> Schema:
    """One operation: success response, error responses (always JSON), security."""
    ok: Schema = {"description": "Succès."}
    if schema:
        ok["content"] = {"application/json": {"schema": _ref(schema)}}
    responses: dict[str, Schema] = {str(status): ok}
    codes = set(errors) | ({400, 422} if body else set()) | (set() if public else {401})
    if any(param["in"] == "path" for param in params or ()):
        codes.add(404)  # a path parameter that names nothing (or is no number)
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    operation: Schema = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        operation["description"] = description
    if body:
        operation["requestBody"] = {
            "required": body != "Empty",
            "content": {"application/json": {"schema": _ref(body)}}}
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


INTERVENTION_ID = _path_param("intervention_id", "Identifiant de la demande.")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "UUID choisi par le client pour cette saisie (rejeu sans doublon).",
    "schema": {"type": "string", "format": "uuid"}}


def _replayable(operation: Schema) -> Schema:
    """An operation that answers 200 with the stored object to a replayed key."""
    created = operation["responses"]["201"]
    operation["responses"]["200"] = {**created, "description": "Rejeu d'une clé "
                                     "Idempotency-Key déjà enregistrée : rien ne change."}
    return operation


SESSION_ID = _path_param("session_id", "Identifiant de la séance.")
USER_ID = _path_param("user_id", "Identifiant de l'utilisateur.")
YEAR = _path_param("year", f"Année civile ({schemas.MIN_YEAR}–{schemas.MAX_YEAR}).",
                   schemas.MIN_YEAR, schemas.MAX_YEAR)
STATEMENT_ID = _path_param("statement_id", "Identifiant du relevé ou de l'avoir.")
ESTABLISHMENT_ID = _path_param("establishment_id", "Identifiant de l'établissement.")
LIST_PARAMS = _query_params(schemas.InterventionQuery)


def _download(summary: str, media_type: str, description: str) -> Schema:
    """A file download (billing exports): the success response is the file itself."""
    operation = _op(summary, 200, None, errors=(403, 422), params=[YEAR], tag="billing",
                    description=description)
    operation["responses"]["200"] = {
        "description": "Le fichier, en pièce jointe (facturation-<groupement>-<année>).",
        "headers": {"Content-Disposition": {
            "schema": {"type": "string"},
            "description": "attachment; filename=\"facturation-gic-65-2025.csv\""}},
        "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}
    return {"get": operation}


def _action(summary: str, body: str, who: str) -> Schema:
    return {"post": _op(summary, 200, "InterventionDetail", body=body,
                        errors=(403, 404, 409), params=[INTERVENTION_ID], description=who)}


def _pdf(operation: Schema) -> Schema:
    """An operation whose success is a PDF document instead of JSON."""
    operation["responses"]["200"] = {"description": "Le document PDF.", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
    return operation


def _zip(operation: Schema) -> Schema:
    """An operation whose success is a ZIP archive instead of JSON."""
    operation["responses"]["200"] = {"description": "L'archive ZIP.", "content": {
        "application/zip": {"schema": {"type": "string", "format": "binary"}}}}
    return operation


PATHS: dict[str, Schema] = {
    "/tokens": {"post": _op("Obtenir un jeton personnel", 201, "Token", body="TokenCreate",
                            errors=(401, 429), public=True, tag="auth",
                            description="Limité comme la page de connexion : après trop "
                                        "d'échecs, 429 (même message que l'e-mail existe "
                                        "ou non).")},
    "/me": {"get": _op("L'utilisateur du jeton", 200, "Me", errors=(), tag="groupement")},
    "/establishments": {
        "get": _op("Établissements du groupement", 200, "EstablishmentList", errors=(),
                   tag="groupement"),
        "post": _op("Ajouter un établissement", 201, "Establishment",
                    body="EstablishmentCreate", errors=(403,), tag="groupement",
                    description="Coordination seulement. Membre fondateur tant que le "
                                "groupement n'a aucune demande ; ensuite candidat, soumis "
                                "au vote de chaque direction membre.")},
    "/users": {
        "get": _op("Utilisateurs du groupement", 200, "UserList", errors=(403,),
                   tag="groupement", description="Coordination seulement ; les comptes "
                                                 "désactivés aussi (active: false)."),
        "post": _op("Ajouter un utilisateur", 201, "User", body="UserCreate",
                    errors=(403,), tag="groupement", description="Coordination seulement.")},
    "/users/{user_id}": {
        "patch": _op("Modifier un utilisateur", 200, "User", body="UserUpdate",
                     errors=(403, 404, 409), params=[USER_ID], tag="groupement",
                     description="Coordination seulement, personnes de son groupement "
                                 "(404 sinon). Nom, rôle, établissement ; active: false "
                                 "désactive (sessions fermées, jetons révoqués), true "
                                 "réactive. 409 : se désactiver soi-même, ou laisser le "
                                 "groupement sans coordinateur actif.")},
    "/interventions": {
        "get": _op("Demandes visibles (paginées)", 200, "InterventionPage", errors=(422,),
                   params=LIST_PARAMS),
        "post": _op("Rédiger une demande (brouillon)", 201, "InterventionDetail",
                    body="InterventionCreate", errors=(403,),
                    description="Technicien ou direction de l'établissement bénéficiaire.")},
    "/interventions/{intervention_id}": {
        "get": _op("Une demande avec ses séances", 200, "InterventionDetail", errors=(404,),
                   params=[INTERVENTION_ID]),
        "patch": _op("Donner la référence interne du bénéficiaire", 200, "InterventionDetail",
                     body="InterventionUpdate", errors=(403, 404, 409),
                     params=[INTERVENTION_ID],
                     description="Techniciens et direction de l'établissement bénéficiaire, "
                                 "jusqu'à la validation des heures (409 ensuite).")},
    "/interventions/{intervention_id}/sheet.pdf": {
        "get": _pdf(_op("La fiche d'intervention signée, en PDF", 200, None, errors=(404,),
                        params=[INTERVENTION_ID],
                        description="Qui voit la demande ; enregistrée une fois à la fin de "
                                    "l'intervention, servie telle quelle (mêmes octets). 404 "
                                    "sans fiche signée."))},
    "/interventions/{intervention_id}/activate": _action(
        "Activer", "Empty", "Direction de l'établissement bénéficiaire ; R7 (plafond)."),
    "/interventions/{intervention_id}/accept": _action(
        "Accepter et affecter un technicien", "Accept",
        "Direction de l'établissement prestataire."),
    "/interventions/{intervention_id}/decline": _action(
        "Refuser avec un motif", "Decline", "Direction de l'établissement prestataire."),
    "/interventions/{intervention_id}/cancel": _action(
        "Annuler", "Empty", "Direction du bénéficiaire (ou l'auteur d'un brouillon), tant "
                            "qu'aucune séance n'est saisie."),
    "/interventions/{intervention_id}/complete": _action(
        "Terminer avec un compte rendu", "Complete",
        "Technicien affecté. Avec les trois champs de signature, la fiche signée est "
        "enregistrée en PDF (GET …/sheet.pdf) ; une signature illisible : 422, rien ne change."),
    "/interventions/{intervention_id}/validate": _action(
        "Valider les heures", "Empty", "Direction de l'établissement bénéficiaire."),
    "/interventions/{intervention_id}/sessions": {
        "post": _replayable(_op(
            "Saisir une séance", 201, "Session", body="SessionCreate",
            errors=(403, 404, 409), params=[INTERVENTION_ID, IDEMPOTENCY_KEY],
            description="Technicien affecté. 409 si le plafond annuel serait dépassé "
                        "(remaining_minutes) ou si l'année est clôturée. Avec l'en-tête "
                        "Idempotency-Key, la séance n'est enregistrée qu'une fois : un "
                        "nouvel envoi de la même clé répond 200 avec la séance enregistrée "
                        "et ne change rien (409 idempotency_conflict si les valeurs "
                        "diffèrent)."))},
    "/sessions/{session_id}": {
        "patch": _op("Modifier une séance", 200, "Session", body="SessionUpdate",
                     errors=(403, 404, 409), params=[SESSION_ID],
                     description="Technicien affecté ; mêmes règles que la saisie."),
        "delete": _op("Supprimer une séance", 204, None, errors=(403, 404, 409),
                      params=[SESSION_ID], description="Technicien affecté.")},
    "/billing/{year}": {
        "get": _op("Facturation de l'année", 200, "Billing", errors=(403, 422),
                   params=[YEAR], tag="billing",
                   description="Comptable : tout le groupement ; direction : ses paires.")},
    "/billing/{year}.csv": _download(
        "Facturation de l'année en CSV", "text/csv",
        "Comptable ; direction : ses paires. "
        "Séparateur « ; », UTF-8 avec BOM, fins de ligne CRLF, décimales à "
        "virgule, dates jj/mm/aaaa ; une colonne « Section » (Interventions, Totaux par "
        "paire, En attente, Règlements, Détachements, Note). Colonnes : Section, N° demande, "
        "Prestataire, Bénéficiaire, Technicien, Premier jour, Dernier jour, Minutes "
        "facturables, Heures (« 7 h 20 »), Montant, État, Objet, Type de ligne (Intervention "
        "validée, Total de la paire, Intervention en attente, Règlement net, Détachement, "
        "Note), Heures (décimal) (minutes / 60 arrondi au centième : « 7,33 »), "
        "Référence bénéficiaire (sa référence interne de la demande, son n° de ticket…). Texte "
        "commençant par = + - @ préfixé d'une apostrophe. Identique octet pour octet pour "
        "une année clôturée."),
    "/billing/{year}.xlsx": _download(
        "Facturation de l'année en XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Comptable ; direction : ses paires. Une feuille par vue (Interventions, Totaux par "
        "paire, En attente, Règlements, Détachements), cellules typées, montants en euros, "
        "heures aussi en nombre décimal (dernière colonne). Impression : A4 paysage, ajustée à "
        "la largeur d'une page, ligne d'en-tête répétée sur chaque page. Identique octet pour "
        "octet pour une année clôturée."),
    "/billing/{year}/close": {
        "post": _op("Clôturer l'année", 200, "YearClosure", body="Empty",
                    errors=(403, 409), params=[YEAR], tag="billing",
                    description="Comptable. Refusé (409) tant qu'une demande avec des "
                                "séances dans l'année n'est ni validée ni annulée.")},
    "/billing/{year}/documents": {
        "get": _op("Documents de l'année", 200, "StatementList", errors=(403, 422),
                   params=[YEAR], tag="billing",
                   description="Relevés de règlement numérotés émis à la clôture et avoirs "
                               "émis à la réouverture. Comptable : tout le groupement ; "
                               "direction : les documents où son établissement est partie.")},
    "/billing/documents/{statement_id}.pdf": {
        "get": _pdf(_op("PDF d'un relevé ou d'un avoir", 200, None, errors=(403, 404),
                        params=[STATEMENT_ID], tag="billing",
                        description="Identique octet pour octet à chaque téléchargement "
                                    "(PDF/A-3b enregistré à l'émission) ; téléchargement "
                                    "inscrit au journal d'audit."))},
    "/billing/documents/{statement_id}/factur-x.pdf": {
        "get": _pdf(_op("Factur-X (EN 16931) d'un relevé ou d'un avoir", 200, None,
                        errors=(403, 404), params=[STATEMENT_ID], tag="billing",
                        description="PDF/A-3 avec le XML CII EN 16931 intégré ; 404 si une "
                                    "partie n'a pas de SIRET (voir facturx_missing)."))},
    "/billing/{year}/recovery/{establishment_id}.zip": {
        "get": _zip(_op("Ordres de recouvrement d'un créancier public", 200, None,
                        errors=(403, 404, 422), params=[YEAR, ESTABLISHMENT_ID],
                        tag="billing",
                        description="ZIP : PDF des relevés en vigueur qui le paient et CSV "
                                    "(« ; », UTF-8 avec BOM) Débiteur, SIRET, Montant, "
                                    "Objet, Référence. Comptable ; direction : son "
                                    "établissement."))},
    "/bilan/{year}": {
        "get": _op("Bilan annuel", 200, "Bilan", errors=(403, 404, 422), params=[YEAR],
                   tag="bilan", description="Tout membre du groupement (directions, "
                                            "techniciens, comptables) : dernière version "
                                            "publiée ; coordination : brouillon compris.")},
    "/bilan/{year}.pdf": {
        "get": _pdf(_op("Bilan annuel en PDF", 200, None, errors=(403, 404, 422),
                        params=[YEAR], tag="bilan",
                        description="Même version que GET /bilan/{year}, au format A4."))},
    "/openapi.json": {"get": {"summary": "Ce document", "tags": ["meta"], "security": [],
                              "responses": {"200": {"description": "OpenAPI 3.1",
                                                    "content": {"application/json": {}}}}}},
}


def document() -> Schema:
    """The whole OpenAPI document (a fresh dict each time)."""
    components_schemas = responses.components()
    components_schemas.update({model.__name__: fields.json_schema(model)
                               for model in schemas.BODIES})
    return {
        "openapi": "3.1.0",
        "info": {"title": "GIC API", "version": "1.0.0",
                 "description": "API JSON de GIC (SPEC §8). Erreurs : "
                                "{\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in
                 ("auth", "groupement", "interventions", "billing", "bilan", "meta")],
        "paths": copy.deepcopy(PATHS),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Jeton personnel (gic_…)."}},
            "schemas": components_schemas,
            "responses": {name: {"description": text, "content": {
                "application/json": {"schema": _ref("Error")}}}
                for name, text in ERRORS.values()},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document (public)."""
    return jsonify(document())
