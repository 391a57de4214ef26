"""The shape of API input: one pydantic model per request body or query, used both to
parse (the views) and to document (:mod:`gic.api.openapi`), so the two cannot drift.

Shape only, checked here: 400 for a body that is not a JSON object or a value of the
wrong JSON type, 422 for a missing or unknown field, an integer out of its range (ids
from 1 to the largest database integer), a malformed date or time, a text too long or
with a NUL. Bounds that a rule already checks (an axis, a token's validity…) are
checked by calling that rule, with its own French message, and stated in the document
from the same constants. Meaning (a known establishment, a nature allowed by the
convention, the cap…) is checked by the services, never here: the document lists the
values (``enum``, ``pattern``) and the services answer 422 with their message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, time
from typing import Annotated, Any, ClassVar, get_args

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)
from pydantic.json_schema import GenerateJsonSchema

from gic import rules
from gic.admin.services import EMAIL_RE, FINESS_RE
from gic.auth.services import MAX_TOKEN_DAYS, token_expiry
from gic.billing.services import MAX_YEAR, MIN_YEAR
from gic.errors import DomainError, InvalidField
from gic.forms import MAX_INT  # database integer columns
from gic.interventions.models import REFERENCE_MAX, State, Urgency
from gic.models import Role
from gic.rules import Mode, Nature

MAX_STRING = 10_000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")  # 00:00 to 23:59
INT_RE = re.compile(r"^-?\d{1,10}$")
LARGE = 10**10  # a number of more than ten digits where any size is fine
TEXT = r"^[^\x00]*$"  # no NUL (PostgreSQL text cannot hold one)
FILLED = r"^[^\x00]*[^\x00\s][^\x00]*$"  # and not only spaces (the services strip text)


class BadRequest(DomainError):
    """The request is not the JSON the endpoint reads (HTTP 400)."""

    status = 400
    code = "bad_request"


# --- Field types: each one validates and states its bounds in the document ------------

def _wrong_type(name: str, expected: str) -> BadRequest:
    return BadRequest(f"Le champ « {name} » doit être {expected}.", code="wrong_type",
                      field=name)


def _text(value: Any, info: ValidationInfo) -> str:
    name = info.field_name
    if not isinstance(value, str):
        raise _wrong_type(name, "une chaîne de caractères")
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
    return value


def Text(description: str = "", **schema: Any) -> Any:
    """A JSON string without NUL, ``MAX_STRING`` characters at most; ``schema`` adds
    what the service checks (``enum``, ``pattern``, a shorter ``maxLength``)."""
    extra = schema if "enum" in schema else {"maxLength": MAX_STRING, "pattern": TEXT,
                                             **schema}
    return Annotated[str, BeforeValidator(_text),
                     Field(description=description or None, json_schema_extra=extra)]


def Integer(minimum: int = -MAX_INT, maximum: int = MAX_INT, description: str = "", *,
            check: Callable[..., Any] | None = None, **schema: Any) -> Any:
    """A JSON integer (not a boolean, not 2.0) from ``minimum`` to ``maximum``. With
    ``check``, the rule that owns the bounds checks them (its message) instead."""
    if check is None:
        return Annotated[int, Field(ge=minimum, le=maximum, description=description or None,
                                    json_schema_extra=schema or None),
                         BeforeValidator(_integer)]
    return Annotated[int, Field(description=description or None, json_schema_extra={
        "minimum": minimum, "maximum": maximum, **schema}), BeforeValidator(_integer),
        AfterValidator(lambda value, info: (check(value, info.field_name), value)[1])]


def _integer(value: Any, info: ValidationInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(info.field_name, "un nombre entier")
    return value


def Id(description: str = "") -> Any:
    """An object's id: 1 to the largest database integer."""
    return Integer(1, MAX_INT, description)


def _boolean(value: Any, info: ValidationInfo) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(info.field_name, "true ou false")
    return value


Boolean = Annotated[bool, BeforeValidator(_boolean)]


def _date(value: Any, info: ValidationInfo) -> date:
    return parse_date(info.field_name, _text(value, info))


def _time(value: Any, info: ValidationInfo) -> time:
    return parse_time(info.field_name, _text(value, info))


Date = Annotated[date, BeforeValidator(_date), Field(json_schema_extra={
    "pattern": DATE_RE.pattern, "examples": ["2025-03-14"]})]
Time = Annotated[time, BeforeValidator(_time), Field(json_schema_extra={
    "type": "string", "format": None, "pattern": TIME_RE.pattern, "examples": ["09:00"]})]


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
    """``HH:MM`` (ISO 8601, 24 h, 00:00 to 23:59); else 422."""
    if TIME_RE.match(value):
        return time(int(value[:2]), int(value[3:]))
    raise InvalidField(f"Heure invalide pour « {name} » : attendu HH:MM, par exemple 09:00.",
                       field=name)


def _values(enum_type) -> list[str]:
    return [str(member) for member in enum_type]


# --- Parsing: the first error, as the §8 JSON error -----------------------------------

class Body(BaseModel):
    """A JSON object body: unknown fields refused; ``null`` counts as absent unless the
    field's type allows it; only the fields present are returned."""

    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.nullable = frozenset(name for name, field in cls.model_fields.items()
                                 if type(None) in get_args(field.annotation))

    @classmethod
    def parse(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` checked: the present fields, dates and times converted."""
        data = {name: value for name, value in data.items()
                if value is not None or name in cls.nullable or name not in cls.model_fields}
        try:
            return cls.model_validate(data).model_dump(exclude_unset=True)
        except ValidationError as error:
            raise _first_error(error, data) from None


def _first_error(error: ValidationError, data: dict[str, Any]) -> DomainError:
    errors = sorted(error.errors(include_url=False),
                    key=lambda e: (e["type"] != "extra_forbidden", str(e["loc"][0])
                                   if e["type"] == "extra_forbidden" else ""))
    first = errors[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    kind, context = first["type"], first.get("ctx", {})
    if kind == "extra_forbidden":
        return InvalidField(f"Champ inconnu : « {name} ».", field=name, code="unknown_field")
    if kind == "missing":
        return InvalidField(f"Le champ « {name} » est obligatoire.", field=name,
                            code="required")
    if kind in ("greater_than_equal", "less_than_equal"):
        return InvalidField(f"Le champ « {name} » est hors limites.", field=name)
    return InvalidField(f"Le champ « {name} » est invalide.", field=name)


def parse_body(model: type[Body]) -> dict[str, Any]:
    """The request's JSON object checked against ``model`` (see :class:`Body`)."""
    return model.parse(_json_object())


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


class Query(Body):
    """Query parameters: an empty value (``?year=``, as a form sends it) is absent."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def read(cls) -> dict[str, Any]:
        """The request's query parameters checked; absent ones get their default."""
        data = {name: request.args.get(name) for name in cls.model_fields}
        values = cls.parse({k: v for k, v in data.items() if v})
        return {**{n: f.default for n, f in cls.model_fields.items()}, **values}


def QueryInt(minimum: int, maximum: int | None, description: str) -> Any:
    """An integer query parameter within bounds, else 422 naming them; without
    ``maximum``, any larger number is read as ``LARGE`` (the view caps it)."""
    def convert(raw: str, info: ValidationInfo) -> int:
        number = int(raw) if INT_RE.match(raw) else None
        if maximum is None and re.fullmatch(r"\d{11,}", raw):
            number = LARGE
        if number is None or number < minimum or maximum is not None and number > maximum:
            bounds = (f"entre {minimum} et {maximum}" if maximum is not None
                      else f"à partir de {minimum}")
            raise InvalidField(f"Paramètre « {info.field_name} » invalide : nombre entier "
                               f"{bounds} attendu.", field=info.field_name)
        return number
    return Annotated[int, Field(ge=minimum, le=maximum, description=description),
                     BeforeValidator(convert)]


# --- The request bodies ----------------------------------------------------------------

def _expiry(days: int, _field: str) -> None:
    token_expiry(days)


class TokenCreate(Body):
    email: Text()
    password: Text()
    name: Text("Nom du jeton (facultatif).") = None
    expires_in_days: Integer(1, MAX_TOKEN_DAYS, "Validité en jours (1 à 3650) ; sans "
                             "elle, jusqu'à la révocation.", check=_expiry) = None


NAME = {"pattern": FILLED, "maxLength": 200}


class EstablishmentCreate(Body):
    name: Text(**NAME)
    finess: Text("9 caractères : chiffres, 2A ou 2B en tête pour la Corse.",
                 pattern=FINESS_RE.pattern)


ROLE = {"enum": _values(Role)}
ESTABLISHMENT = "Obligatoire pour un technicien ou une direction."


class UserCreate(Body):
    email: Text(pattern=EMAIL_RE.pattern, maxLength=254)  # _add_user
    name: Text(**NAME)
    role: Text(**ROLE)
    establishment_id: Id(ESTABLISHMENT) | None = None
    password: Text("8 caractères au moins.", minLength=8)  # check_password_strength


class UserUpdate(Body):
    name: Text(**NAME) = None
    role: Text(**ROLE) = None
    establishment_id: Id(ESTABLISHMENT) | None = None
    active: Annotated[Boolean, Field(description=(
        "false : désactive (sessions fermées, jetons révoqués) ; true : réactive (les "
        "anciens jetons restent révoqués)."))] = None


NATURES, URGENCIES = _values(Nature), _values(Urgency)
ALLOWED_NATURES = [n for n in NATURES if n not in rules.FORBIDDEN_NATURES]
REFERENCE_DESCRIPTION = ("Référence interne du bénéficiaire (son n° de ticket…), 60 caractères "
                         "au plus ; figure sur la fiche d'intervention et dans les exports.")


def _estimate(description: str = "") -> Any:
    return Integer(0, rules.MAX_ESTIMATE_MINUTES, description, check=rules.check_estimate)


class InterventionCreate(Body):
    beneficiary_id: Id("Par défaut, l'établissement de l'auteur.") = None
    provider_id: Id()
    axis: Integer(min(rules.INTERVENTION_AXES), max(rules.INTERVENTION_AXES), "2 ou 3.",
                  check=lambda axis, _field: rules.check_axis(axis),
                  enum=list(rules.INTERVENTION_AXES))
    nature: Text("user_support, user_training et permanent_change sont toujours refusés "
                 "(clause de la convention) : 422 nature_refused.", enum=ALLOWED_NATURES)
    description: Text(pattern=FILLED)
    urgency: Text(enum=URGENCIES) = None
    estimated_onsite_minutes: _estimate() = None
    estimated_remote_minutes: _estimate() = None
    secondment_id: Id("Détachement temporaire approuvé de la même paire (R8) : facturé "
                      "selon ses termes, hors plafond.") = None
    beneficiary_reference: Text(REFERENCE_DESCRIPTION, maxLength=REFERENCE_MAX) = None


class InterventionUpdate(Body):
    beneficiary_reference: Text(
        REFERENCE_DESCRIPTION + " Techniciens et direction du bénéficiaire, jusqu'à la "
        "validation ; null ou \"\" l'efface.", maxLength=REFERENCE_MAX) | None = None


class Empty(Body):
    pass


class Accept(Body):
    technician_id: Id()


class Decline(Body):
    reason: Text(pattern=FILLED)


SIGNATURE = ("Signature dessinée : URL data:image/png;base64,… (PNG de 100 × 40 à "
             "2000 × 1000 pixels, 200 Ko au plus, non vide).")


class Complete(Body):
    report: Text(pattern=FILLED)
    signatory_name: Text("Fiche signée (facultative ; les trois champs ensemble) : nom et "
                         "fonction de la personne présente de l'établissement bénéficiaire "
                         "qui signe.") = None
    signatory_signature: Text("Fiche signée : la signature de cette personne. "
                              + SIGNATURE) = None
    technician_signature: Text("Fiche signée : la signature du technicien. "
                               + SIGNATURE) = None


MODE = {"enum": _values(Mode)}


class SessionCreate(Body):
    date: Date
    start: Time
    end: Time
    mode: Text(**MODE)
    notes: Text() = None


class SessionUpdate(Body):
    date: Date = None
    start: Time = None
    end: Time = None
    mode: Text(**MODE) = None
    notes: Text() = None


BODIES: tuple[type[Body], ...] = (
    TokenCreate, EstablishmentCreate, UserCreate, UserUpdate, InterventionCreate,
    InterventionUpdate, Empty, Accept, Decline, Complete, SessionCreate, SessionUpdate)


# --- Query parameters ------------------------------------------------------------------

STATES = _values(State)


class InterventionQuery(Query):
    year: QueryInt(MIN_YEAR, MAX_YEAR, "Créées cette année ou avec une séance cette "
                                       "année.") = None
    state: Text("État de la demande.", enum=STATES) = None
    establishment: QueryInt(1, MAX_INT, "Prestataire ou bénéficiaire.") = None
    page: QueryInt(1, MAX_INT, "Page (à partir de 1).") = 1
    per_page: QueryInt(1, None, "Éléments par page : 100 au plus, une valeur plus "
                                   "grande est ramenée à 100 (voir per_page dans la "
                                   "réponse).") = 20


# --- JSON Schema (OpenAPI 3.1) of the models ---------------------------------------------

class JsonSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema as the document writes it: no titles, ``null`` as a
    type (``["integer", "null"]``) or beside a reference (``oneOf``), no
    ``default: null``."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def nullable_schema(self, schema):
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str):
            inner = {**inner, "type": [inner["type"], "null"]}
            if "enum" in inner:
                inner["enum"] = [*inner["enum"], None]
            return inner
        return {"oneOf": [inner, {"type": "null"}]}

    def default_schema(self, schema):
        result = super().default_schema(schema)
        if result.get("default", ...) is None:
            del result["default"]
        return result


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of ``model``: its fields, bounds, enums and descriptions."""
    result = model.model_json_schema(schema_generator=JsonSchema,
                                     ref_template="#/components/schemas/{model}")
    result.pop("title", None)
    result.pop("description", None)
    if issubclass(model, Body) and model.model_config.get("extra") == "forbid":
        result["additionalProperties"] = False
    for prop in result.get("properties", {}).values():
        if prop.get("format") is None:
            prop.pop("format", None)
    return result
