"""The shape of API input: one field list per request body, used to parse and to document.

Shape only (types, required, ISO formats): 400 for a body that is not a JSON
object or a value of the wrong JSON type, 422 for a missing field, an unknown
field or a malformed date or time. Meaning (a known establishment, an allowed
nature, the cap…) is checked by the services, never here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from flask import request

from gic.convention.rules import Mode, Nature
from gic.errors import DomainError, InvalidField
from gic.forms import MAX_INT  # database integer columns
from gic.interventions.models import State, Urgency
from gic.models import Role

MAX_STRING = 10_000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^\d{2}:\d{2}$")
INT_RE = re.compile(r"^-?\d{1,10}$")


class BadRequest(DomainError):
    """The request is not the JSON the endpoint reads (HTTP 400)."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class Field:
    """One JSON field: ``kind`` is integer, boolean, string, date (YYYY-MM-DD) or
    time (HH:MM)."""

    kind: str
    required: bool = False
    nullable: bool = False
    enum: tuple[str, ...] | None = None  # documented; the service checks the value
    description: str = ""


def _values(enum_type) -> tuple[str, ...]:
    return tuple(str(member) for member in enum_type)


TOKEN_CREATE = {
    "email": Field("string", required=True),
    "password": Field("string", required=True),
    "name": Field("string", description="Nom du jeton (facultatif)."),
    "expires_in_days": Field("integer", description="Validité en jours (1 à 3650) ; "
                                                    "sans elle, jusqu'à la révocation."),
}
ESTABLISHMENT_CREATE = {
    "name": Field("string", required=True),
    "finess": Field("string", required=True,
                    description="9 caractères : chiffres, 2A ou 2B en tête pour la Corse."),
}
USER_CREATE = {
    "email": Field("string", required=True),
    "name": Field("string", required=True),
    "role": Field("string", required=True, enum=_values(Role)),
    "establishment_id": Field("integer", nullable=True,
                              description="Obligatoire pour un technicien ou une direction."),
    "password": Field("string", required=True, description="8 caractères au moins."),
}
USER_UPDATE = {
    "name": Field("string"),
    "role": Field("string", enum=_values(Role)),
    "establishment_id": Field("integer", nullable=True,
                              description="Obligatoire pour un technicien ou une direction."),
    "active": Field("boolean", description="false : désactive (sessions fermées, jetons "
                                           "révoqués) ; true : réactive (les anciens jetons "
                                           "restent révoqués)."),
}
REFERENCE_DESCRIPTION = ("Référence interne du bénéficiaire (son n° de ticket…), 60 caractères "
                         "au plus ; figure sur la fiche d'intervention et dans les exports.")
INTERVENTION_CREATE = {
    "beneficiary_id": Field("integer", description="Par défaut, l'établissement de l'auteur."),
    "provider_id": Field("integer", required=True),
    "axis": Field("integer", required=True, description="2 ou 3."),
    "nature": Field("string", required=True, enum=_values(Nature),
                    description="user_support, user_training et permanent_change sont "
                                "toujours refusés (clause de la convention)."),
    "description": Field("string", required=True),
    "urgency": Field("string", enum=_values(Urgency)),
    "estimated_onsite_minutes": Field("integer"),
    "estimated_remote_minutes": Field("integer"),
    "secondment_id": Field("integer", description="Détachement temporaire approuvé de la même "
                                                  "paire (R8) : facturé selon ses termes, "
                                                  "hors plafond."),
    "beneficiary_reference": Field("string", description=REFERENCE_DESCRIPTION),
}
INTERVENTION_UPDATE = {
    "beneficiary_reference": Field("string", nullable=True, description=REFERENCE_DESCRIPTION
                                   + " Techniciens et direction du bénéficiaire, jusqu'à la "
                                     "validation ; null ou \"\" l'efface."),
}
EMPTY: dict[str, Field] = {}
ACCEPT = {"technician_id": Field("integer", required=True)}
DECLINE = {"reason": Field("string", required=True)}
SIGNATURE = ("Signature dessinée : URL data:image/png;base64,… (PNG de 100 × 40 à "
             "2000 × 1000 pixels, 200 Ko au plus, non vide).")
COMPLETE = {
    "report": Field("string", required=True),
    "signatory_name": Field("string", description="Fiche signée (facultative ; les trois "
                            "champs ensemble) : nom et fonction de la personne présente de "
                            "l'établissement bénéficiaire qui signe."),
    "signatory_signature": Field("string", description="Fiche signée : la signature de cette "
                                 "personne. " + SIGNATURE),
    "technician_signature": Field("string", description="Fiche signée : la signature du "
                                  "technicien. " + SIGNATURE),
}
SESSION_CREATE = {
    "date": Field("date", required=True),
    "start": Field("time", required=True),
    "end": Field("time", required=True),
    "mode": Field("string", required=True, enum=_values(Mode)),
    "notes": Field("string"),
}
SESSION_UPDATE = {name: Field(f.kind, enum=f.enum) for name, f in SESSION_CREATE.items()}
STATES = _values(State)


def parse_body(spec: dict[str, Field]) -> dict[str, Any]:
    """The request's JSON object checked against ``spec``: present fields only,
    dates and times converted; ``null`` counts as absent unless nullable."""
    body = _json_object()
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise InvalidField(f"Champ inconnu : « {unknown[0]} ».", field=unknown[0],
                           code="unknown_field")
    values: dict[str, Any] = {}
    for name, field in spec.items():
        value = body.get(name)
        if value is None and not (field.nullable and name in body):
            if field.required:
                raise InvalidField(f"Le champ « {name} » est obligatoire.", field=name,
                                   code="required")
            continue
        values[name] = None if value is None else _convert(name, field, value)
    return values


def _json_object() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("Le corps de la requête n'est pas du JSON valide.",
                         code="malformed_json") from None
    if not isinstance(body, dict):
        raise BadRequest("Le corps de la requête doit être un objet JSON.",
                         code="malformed_json")
    return body


def _convert(name: str, field: Field, value: Any) -> Any:
    if field.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(name, "un nombre entier")
        if abs(value) > MAX_INT:
            raise InvalidField(f"Le champ « {name} » est hors limites.", field=name)
        return value
    if field.kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_type(name, "true ou false")
        return value
    if not isinstance(value, str):
        raise _wrong_type(name, "une chaîne de caractères")
    _check_text(name, value)
    if field.kind == "date":
        return parse_date(name, value)
    if field.kind == "time":
        return parse_time(name, value)
    return value


def _wrong_type(name: str, expected: str) -> BadRequest:
    return BadRequest(f"Le champ « {name} » doit être {expected}.", code="wrong_type",
                      field=name)


def _check_text(name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"Le champ « {name} » contient des caractères invalides.",
                         code="malformed_json", field=name) from None
    if "\x00" in value:
        raise InvalidField(f"Le champ « {name} » contient des caractères interdits.",
                           field=name)
    if len(value) > MAX_STRING:
        raise InvalidField(f"Le champ « {name} » est trop long ({MAX_STRING} caractères "
                           "au plus).", field=name)


def parse_date(name: str, value: str) -> date:
    """``YYYY-MM-DD`` (ISO 8601), a real calendar day; else 422."""
    try:
        if DATE_RE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidField(f"Date invalide pour « {name} » : attendu AAAA-MM-JJ, "
                       "par exemple 2025-03-14.", field=name)


def parse_time(name: str, value: str) -> time:
    """``HH:MM`` (ISO 8601, 24 h); else 422."""
    try:
        if TIME_RE.match(value):
            return time(int(value[:2]), int(value[3:]))
    except ValueError:
        pass
    raise InvalidField(f"Heure invalide pour « {name} » : attendu HH:MM, par exemple 09:00.",
                       field=name)


def query_int(name: str, *, default: int | None = None, minimum: int = 1,
              maximum: int = MAX_INT) -> int | None:
    """An integer query parameter within bounds, ``default`` when absent; else 422."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not INT_RE.match(raw) or not minimum <= int(raw) <= maximum:
        raise InvalidField(f"Paramètre « {name} » invalide : nombre entier entre {minimum} "
                           f"et {maximum} attendu.", field=name)
    return int(raw)


def to_json_schema(spec: dict[str, Field]) -> dict[str, Any]:
    """The JSON Schema (OpenAPI 3.1) of a request body described by ``spec``."""
    properties = {}
    for name, field in spec.items():
        schema: dict[str, Any] = {"type": field.kind if field.kind in ("integer", "boolean")
                                  else "string"}
        if field.kind == "date":
            schema.update(format="date", pattern=DATE_RE.pattern, examples=["2025-03-14"])
        elif field.kind == "time":
            schema.update(pattern=TIME_RE.pattern, examples=["09:00"])
        elif field.kind == "string":
            schema["maxLength"] = MAX_STRING
        if field.enum:
            schema["enum"] = list(field.enum)
        if field.nullable:
            schema["type"] = [schema["type"], "null"]
        if field.description:
            schema["description"] = field.description
        properties[name] = schema
    required = [name for name, field in spec.items() if field.required]
    result: dict[str, Any] = {"type": "object", "properties": properties,
                              "additionalProperties": False}
    if required:
        result["required"] = required
    return result
