"""The field types and the parsing under the API's models (:mod:`gic.api.schemas`).

Each type validates a JSON value and states the same bounds in the JSON Schema: 400 for
a body that is not a JSON object or a value of the wrong JSON type (an integer is
written ``2``, not ``2.0``), 422 for a missing or unknown field, an integer out of its
range (ids from 1 to the largest database integer), a malformed date or ``HH:MM``
time, a text too long or with a NUL. The first error becomes the §8 JSON error, with
its French message and the field in cause.
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
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from gic.errors import DomainError, InvalidField
from gic.forms import MAX_INT  # database integer columns

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


def text(**schema: Any) -> Any:
    """A JSON string without NUL, ``MAX_STRING`` characters at most; ``schema`` adds
    what the service checks (``enum``, ``pattern``, a shorter ``maxLength``)."""
    extra = schema if "enum" in schema else {"maxLength": MAX_STRING, "pattern": TEXT,
                                             **schema}
    return Annotated[str, BeforeValidator(_text), Field(json_schema_extra=extra)]


def integer(minimum: int = -MAX_INT, maximum: int = MAX_INT, *,
            check: Callable[..., Any] | None = None, **schema: Any) -> Any:
    """A JSON integer (not a boolean, not 2.0) from ``minimum`` to ``maximum``. With
    ``check``, the rule that owns the bounds checks them (its message) instead."""
    if check is None:
        return Annotated[int, Field(ge=minimum, le=maximum, json_schema_extra=schema or None),
                         BeforeValidator(_integer)]
    return Annotated[int, Field(json_schema_extra={
        "minimum": minimum, "maximum": maximum, **schema}), BeforeValidator(_integer),
        AfterValidator(lambda value, info: (check(value, info.field_name), value)[1])]


def _integer(value: Any, info: ValidationInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(info.field_name, "un nombre entier")
    return value


Text = text()


def about(description: str, default: Any = ..., **schema: Any) -> Any:
    """A field's description in the document (with ``default``, the field is optional)."""
    return Field(default, description=description, **schema)




def _boolean(value: Any, info: ValidationInfo) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(info.field_name, "true ou false")
    return value


Boolean = Annotated[bool, BeforeValidator(_boolean)]
Id = integer(1, MAX_INT)  # an object's id: 1 to the largest database integer


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
            raise _first_error(error) from None


def _first_error(error: ValidationError) -> DomainError:
    """An unknown field first (by name), then the fields in their order."""
    errors = error.errors(include_url=False)
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    first = {"type": "extra_forbidden", "loc": (unknown[0],)} if unknown else errors[0]
    name, kind = str(first["loc"][0]) if first["loc"] else "", first["type"]
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
    if not raw:  # no body at all; blank lines are not JSON (400, as any bad syntax)
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


def query_int(minimum: int, maximum: int | None = None) -> Any:
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
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(convert)]


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


def subclasses(cls: type) -> list[type]:
    """``cls`` and its subclasses, at every depth."""
    return [cls] + [m for sub in cls.__subclasses__() for m in subclasses(sub)]


def components(models: tuple[type[BaseModel], ...], base: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schemas of ``models`` and of the models they use (subclasses of
    ``base``), by name: a model whose ``inline`` is true is written inside the schemas
    that use it, one whose ``extends`` is true as ``allOf`` its base model and its own
    fields."""
    _, top = models_json_schema([(m, "validation") for m in models],
                                ref_template="#/components/schemas/{model}",
                                schema_generator=JsonSchema)
    defs = top["$defs"]
    for schema in defs.values():
        schema.pop("title", None)
        schema.pop("description", None)
    by_name = {m.__name__: m for m in subclasses(base)}
    inline = {name for name in defs if getattr(by_name[name], "inline", False)}
    result = {name: _inlined(schema, defs, inline) for name, schema in defs.items()
              if name not in inline}
    for name, schema in list(result.items()):
        model = by_name[name]
        if getattr(model, "extends", False):
            base = model.__mro__[1].__name__
            own = {k: v for k, v in schema["properties"].items()
                   if k not in result[base]["properties"]}
            result[name] = {"allOf": [{"$ref": f"#/components/schemas/{base}"}, {
                "type": "object", "properties": own,
                "required": [k for k in schema["required"] if k in own]}]}
    return result


def _inlined(node: Any, defs: dict[str, Any], inline: set[str]) -> Any:
    """``node`` with the references to ``inline`` models replaced by their schema."""
    if isinstance(node, list):
        return [_inlined(v, defs, inline) for v in node]
    if not isinstance(node, dict):
        return node
    name = node.get("$ref", "").rpartition("/")[2]
    if name in inline:
        return _inlined({**defs[name], **{k: v for k, v in node.items() if k != "$ref"}},
                        defs, inline)
    return {k: _inlined(v, defs, inline) for k, v in node.items()}
