"""The OpenAPI document describes every route of the API blueprint, and resolves."""

from __future__ import annotations

import json
import re

from gic.api.openapi import document

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every rule of the ``api`` blueprint."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        path = path.removeprefix("/api/v1")
        for method in rule.methods & HTTP_METHODS:
            routes.add((path, method.lower()))
    return routes


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(doc, ref):
    assert ref.startswith("#/")
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_served_as_valid_openapi_31_json(api, app):
    response = api.get("/openapi.json")  # public: no token
    assert response.status_code == 200
    doc = json.loads(response.data)
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "Jeton personnel (gic_…)."}
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc == json.loads(json.dumps(document()))


def test_every_api_route_is_documented_and_nothing_else(app):
    doc = document()
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert _api_routes(app) == documented


def test_every_reference_resolves(app):
    doc = document()
    for ref in _refs(doc):
        assert _resolve(doc, ref) is not None, ref


def test_operations_document_errors_and_security(app):
    doc = document()
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (path, method)
            public = operation.get("security") == []
            assert public == (path in ("/tokens", "/openapi.json")), (path, method)
            if not public:
                assert "401" in responses, (path, method)
            for name in re.findall(r"{(\w+)}", path):
                assert name in [p["name"] for p in operation["parameters"]], (path, method)


def test_request_schemas_match_what_the_api_parses():
    schemas = document()["components"]["schemas"]
    session = schemas["SessionCreate"]
    assert session["required"] == ["date", "start", "end", "mode"]
    assert session["properties"]["mode"]["enum"] == ["remote", "onsite"]
    assert session["additionalProperties"] is False
    assert "required" not in schemas["SessionUpdate"]
    draft = schemas["InterventionCreate"]
    assert set(draft["properties"]) == {
        "beneficiary_id", "provider_id", "axis", "nature", "description", "urgency",
        "estimated_onsite_minutes", "estimated_remote_minutes", "secondment_id",
        "beneficiary_reference"}
    assert schemas["UserCreate"]["properties"]["establishment_id"]["type"] == [
        "integer", "null"]


def test_the_signed_sheet_and_the_reference_are_documented():
    """Issue 14, item 3: the completion's signatures, the sheet's PDF, the reference."""
    doc = document()
    complete = doc["components"]["schemas"]["Complete"]
    assert complete["required"] == ["report"]
    assert {"signatory_name", "signatory_signature", "technician_signature"} <= set(
        complete["properties"])
    pdf = doc["paths"]["/interventions/{intervention_id}/sheet.pdf"]["get"]
    assert list(pdf["responses"]["200"]["content"]) == ["application/pdf"]
    patch = doc["paths"]["/interventions/{intervention_id}"]["patch"]
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    update = doc["components"]["schemas"]["InterventionUpdate"]
    assert set(update["properties"]) == {"beneficiary_reference"}
    detail = doc["components"]["schemas"]["InterventionDetail"]["allOf"][1]
    assert detail["properties"]["signed_sheet"]["type"] == "boolean"


def test_the_user_lifecycle_is_documented():
    """GET /users, PATCH /users/{user_id} and the token expiry (issue 12, items 7-8)."""
    doc = document()
    patch = doc["paths"]["/users/{user_id}"]["patch"]
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    update = doc["components"]["schemas"]["UserUpdate"]
    assert update["properties"]["active"]["type"] == "boolean"
    assert "required" not in update and update["additionalProperties"] is False
    listing = doc["paths"]["/users"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserList"}
    assert doc["components"]["schemas"]["TokenCreate"]["properties"]["expires_in_days"] == {
        "type": "integer", "minimum": 1, "maximum": 3650,
        "description": "Validité en jours (1 à 3650) ; sans elle, jusqu'à la révocation."}
    assert "expires_at" in doc["components"]["schemas"]["Token"]["required"]


def test_the_ordered_hours_figures_are_documented():
    """Issue 16, items 4 and 7: the intervention's hours ordered and left, the billing's
    model and its ordered-hours figures."""
    schemas = document()["components"]["schemas"]
    detail = schemas["InterventionDetail"]["allOf"][1]["properties"]
    ordered = detail["ordered_hours"]["oneOf"][0]
    assert set(ordered["required"]) == {
        "year", "ordered_minutes", "consumed_minutes", "remaining_minutes", "over_minutes",
        "percent", "overrun_allowed", "threshold_minutes"}
    billing = schemas["Billing"]["properties"]
    assert billing["model"]["enum"] == ["per_intervention", "ordered_hours"]
    assert billing["ordered_hours"]["oneOf"][0] == {"$ref": "#/components/schemas/OrderedFigures"}
    row = schemas["OrderedRow"]["properties"]
    assert {"ordered_minutes", "consumed_minutes", "called", "regularised", "balance"} <= set(row)


def test_the_documented_bounds_are_those_the_api_checks():
    """Issue 17, item 6: ids from 1 to the largest database integer, years 2000–2100,
    HH:MM from 00:00 to 23:59, text without NUL: stated by the models the API parses
    with (tests/api/test_errors.py checks the API's side)."""
    doc = document()
    schemas = doc["components"]["schemas"]
    assert schemas["Accept"]["properties"]["technician_id"] == {
        "type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    start = schemas["SessionCreate"]["properties"]["start"]["pattern"]
    for value, valid in [("00:00", True), ("23:59", True), ("24:00", False),
                         ("09:60", False), ("9:00", False), ("09:00 ", False)]:
        assert bool(re.search(start, value)) is valid, value
    text = schemas["SessionCreate"]["properties"]["notes"]["pattern"]
    assert re.search(text, "Écran changé") and not re.search(text, "a\x00b")
    filled = schemas["Decline"]["properties"]["reason"]["pattern"]
    assert re.search(filled, " Trop tôt ") and not re.search(filled, " \t")
    listing = {p["name"]: p["schema"] for p in doc["paths"]["/interventions"]["get"]["parameters"]}
    assert (listing["year"]["minimum"], listing["year"]["maximum"]) == (2000, 2100)
    assert listing["establishment"]["maximum"] == 2**31 - 1
    for path in ("/billing/{year}", "/bilan/{year}", "/billing/{year}/close"):
        year = next(iter(doc["paths"][path].values()))["parameters"][0]["schema"]
        assert (year["minimum"], year["maximum"]) == (2000, 2100), path
    ids = doc["paths"]["/sessions/{session_id}"]["patch"]["parameters"][0]["schema"]
    assert (ids["minimum"], ids["maximum"]) == (1, 2**31 - 1)
