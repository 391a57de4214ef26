"""Schemathesis against ``/api/v1/openapi.json`` (issue 5, item 3).

The document the app serves is loaded with ``schemathesis.openapi.from_wsgi`` and
every operation is called through the WSGI app (no server) with generated data,
valid for the schema (positive) and invalid (negative), by the role the
operation is meant for (its bearer token), on a world where the ids it is given
in positive mode name real objects. Checks, on every response:

- ``not_a_server_error``: never a 5xx;
- ``status_code_conformance``: the status is one the document declares;
- ``content_type_conformance`` and ``response_schema_conformance``: the body is
  the declared media type and validates against the declared schema (the §8
  ``Error`` schema for every 4xx);
- ``response_headers_conformance``: declared headers (downloads) are right;
- ``negative_data_rejection``: data the schema forbids is refused with a 4xx;
- ``positive_data_acceptance``: data the schema allows is not refused with 400 or
  422 (ids from 1 to the largest database integer, years, ``HH:MM``, text without
  NUL…: the document states the bounds the API checks), but for the fields of
  ``MEANING`` whose value a service judges (an id naming an object of the groupement,
  end after start…), and for an integer spelled ``2.0`` (see ``_whole_float``);
- ``ignored_auth``: an operation that declares the bearer scheme answers 401
  without the token or with a wrong one.

Schemathesis' own pytest integration (``schemathesis.pytest.from_fixture``) does
not run under pytest 9 (it sets ``Function._nodeid``), hence ``as_strategy``
with Hypothesis' ``@given`` here. ``MAX_EXAMPLES`` per operation and mode.
"""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gic.api.openapi import document
from tests.api.conftest import Api
from tests.helpers import accepted, session

# Every operation of the OpenAPI document, generated cases.
pytestmark = pytest.mark.slow

# What a schema cannot state: the fields whose value the service judges against the
# data (422 with their French message) although the request is valid by the schema.
MEANING = {
    ("/establishments", "post"): {"finess"},  # already taken in the groupement
    ("/users", "post"): {"email", "establishment_id"},  # taken; unknown, or needed by the role
    ("/users/{user_id}", "patch"): {"establishment_id"},  # unknown, or needed by the role
    ("/interventions", "post"): {"provider_id", "secondment_id"},  # unknown, or not this pair's
    ("/interventions/{intervention_id}/accept", "post"): {"technician_id"},  # not the provider's
    ("/interventions/{intervention_id}/complete", "post"): {  # the three together, a PNG
        "signatory_name", "signatory_signature", "technician_signature"},
    # Within the convention's period and not in the future, end after start, no overlap.
    ("/interventions/{intervention_id}/sessions", "post"): {"date", "start", "end"},
    ("/sessions/{session_id}", "patch"): {"date", "start", "end"},
}


def _whole_float(body) -> bool:
    """JSON Schema counts ``2.0`` as an integer; the API reads integers as JSON writes
    them (``2``) and answers 400 wrong_type to ``2.0`` (tests/api/test_errors.py)."""
    return isinstance(body, dict) and any(isinstance(v, float) and v.is_integer()
                                          for v in body.values())


def accepted_if_valid(ctx: CheckContext, response, case):
    """``positive_data_acceptance``, but for a 422 on a field of ``MEANING``."""
    if not case.meta.generation.mode.is_positive:
        return None
    if _whole_float(case.body) and response.status_code == 400:
        assert response.json()["error"]["code"] == "wrong_type"
        return None
    meaning = MEANING.get((case.operation.path, case.operation.method.lower()), set())
    if response.status_code == 422 and response.json()["error"].get("field") in meaning:
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          negative_data_rejection, accepted_if_valid, ignored_auth]
MAX_EXAMPLES = 12
# The same cases at every run (derandomize): CI must not turn red on a case drawn
# once in a hundred runs. A finding is replayed by test_replayed_findings_conform;
# to explore further, run with --hypothesis-seed=<n> and derandomize off.
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                    derandomize=True, suppress_health_check=list(HealthCheck))
# Built once for the module (~50 ms a build: collection reads it for every parameter).
DOCUMENT = document()
OPERATIONS = sorted((path, method) for path, item in DOCUMENT["paths"].items()
                    for method in item)

# Who calls each operation (the role it is meant for), None: public.
CALLER = {
    "/tokens": None, "/openapi.json": None, "/me": "coordinator",
    "/establishments": "coordinator", "/users": "coordinator",
    "/users/{user_id}": "coordinator",
    "/interventions": "dir_B", "/interventions/{intervention_id}": "dir_B",
    "/interventions/{intervention_id}/activate": "dir_B",
    "/interventions/{intervention_id}/cancel": "dir_B",
    "/interventions/{intervention_id}/validate": "dir_B",
    "/interventions/{intervention_id}/accept": "dir_A",
    "/interventions/{intervention_id}/decline": "dir_A",
    "/interventions/{intervention_id}/sessions": "tech_A",
    "/interventions/{intervention_id}/complete": "tech_A",
    "/interventions/{intervention_id}/sheet.pdf": "dir_B",
    "/sessions/{session_id}": "tech_A",
    "/billing/{year}": "accountant", "/billing/{year}.csv": "accountant",
    "/billing/{year}.xlsx": "accountant", "/billing/{year}/close": "accountant",
    "/billing/{year}/documents": "accountant",
    "/billing/documents/{statement_id}.pdf": "accountant",
    "/billing/documents/{statement_id}/factur-x.pdf": "accountant",
    "/billing/{year}/recovery/{establishment_id}.zip": "accountant",
    "/bilan/{year}": "coordinator", "/bilan/{year}.pdf": "coordinator",
}


def test_every_operation_has_a_caller():
    assert {path for path, _ in OPERATIONS} == set(CALLER)


@pytest.fixture(scope="module")
def api_schema(shared_app):
    """The document as the app serves it, bound to the app for WSGI calls; read once
    for the module (the document is the same for every test: it is static)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", shared_app)


@pytest.fixture
def real_ids(world) -> dict:
    """An accepted intervention with a session (2025), a person to change (C's
    technician): real ids for positive mode."""
    i = accepted(world)
    s = session(world, i, date(2025, 1, 6), "08:00", "09:00", mode="remote")
    # No closed year here (rendering its documents takes seconds per test): the
    # documents' operations answer their documented 404 (tests/views/test_statement_views.py
    # covers their success).
    return {"intervention_id": i.id, "session_id": s.id, "year": 2025,
            "user_id": world.technicians["C"].id, "statement_id": 1,
            "establishment_id": world.establishments["A"].id}




def _takes_input(path: str, method: str) -> bool:
    operation = DOCUMENT["paths"][path][method]
    return bool(operation.get("parameters") or operation.get("requestBody"))


# (path, method, mode): an operation without parameters or body (the token is
# given, never negated) has nothing negative to send.
RUNS = [(path, method, mode) for path, method in OPERATIONS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode is GenerationMode.POSITIVE or _takes_input(path, method)]


@pytest.mark.parametrize(("path", "method", "mode"), RUNS,
                         ids=[f"{m.upper()} {p} {mode}" for p, m, mode in RUNS])
def test_operation_conforms_to_the_document(api_schema, client, world, real_ids, path,
                                            method, mode):
    caller = CALLER[path]
    headers = {}
    if caller:
        user = {"coordinator": world.coordinator, "accountant": world.accountant,
                "dir_A": world.directors["A"], "dir_B": world.directors["B"],
                "tech_A": world.technicians["A"]}[caller]
        headers["Authorization"] = f"Bearer {Api(client).token(user)}"
    operation = api_schema[path][method]
    overrides = {"headers": headers} if headers else {}  # explicit: never negated
    names = [p.name for p in operation.path_parameters]
    if mode is GenerationMode.POSITIVE and names:
        overrides["path_parameters"] = {n: real_ids[n] for n in names}
    strategy = operation.as_strategy(generation_mode=mode, **overrides)

    @SETTINGS
    @given(case=strategy)
    def run(case):
        response = case.call()
        case.validate_response(response, checks=CHECKS)

    run()


# --- What schemathesis found, replayed every time ---------------------------------------

@pytest.mark.parametrize(("path", "method", "params", "query"), [
    # An empty filter is « not given » (allowEmptyValue), as a form sends it.
    ("/interventions", "GET", {}, {"year": "", "state": "", "establishment": "", "page": ""}),
    # per_page beyond 100 is brought back to 100 (the document has no maximum).
    ("/interventions", "GET", {}, {"per_page": "1045"}),
    # A path parameter that names nothing is a documented 404 (billing had none).
    ("/billing/{year}", "GET", {"year": -1}, {}),
    ("/billing/{year}.csv", "GET", {"year": 10**12}, {}),
    ("/billing/{year}/close", "POST", {"year": -5}, {}),
    # A number beyond an id column answered 405 on paths served for other methods.
    ("/sessions/{session_id}", "DELETE", {"session_id": 2**31}, {}),
    ("/sessions/{session_id}", "PATCH", {"session_id": 10**15}, {}),
    ("/interventions/{intervention_id}", "GET", {"intervention_id": 2**31}, {}),
])
def test_replayed_findings_conform(api_schema, client, world, path, method, params, query):
    user = world.accountant if path.startswith("/billing") else world.technicians["A"]
    case = api_schema[path][method].Case(
        path_parameters=params, query=query,
        headers={"Authorization": f"Bearer {Api(client).token(user)}"})
    response = case.call()
    assert response.status_code in (200, 404)
    if params:
        assert response.status_code == 404
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                             content_type_conformance,
                                             response_schema_conformance])


def _bounded(kind: str) -> list[tuple[str, str, str]]:
    """(path, method, parameter) of every integer path parameter of ``kind`` (year, id)."""
    return [(path, method, p["name"]) for path, method in OPERATIONS
            for p in DOCUMENT["paths"][path][method].get("parameters", ())
            if p["in"] == "path" and (p["name"] == "year") == (kind == "year")]


@pytest.mark.parametrize(("path", "method", "name"), _bounded("year") + _bounded("id"),
                         ids=lambda v: str(v))
def test_path_parameters_bounds_are_the_apis(api_schema, client, world, real_ids, path,
                                             method, name):
    """The document's bounds of a path parameter are the API's: its first and last
    values are served (or name nothing: 404, or a rule refuses: 409), one beyond is
    refused (the positive runs give real ids and 2025 to reach deeper)."""
    operation = api_schema[path][method]
    schema = next(p for p in DOCUMENT["paths"][path][method]["parameters"]
                  if p["name"] == name)["schema"]
    token = Api(client).token(world.coordinator if CALLER[path] == "coordinator"
                              else world.accountant if CALLER[path] == "accountant"
                              else world.technicians["A"])
    for value, served in ((schema["minimum"], True), (schema["maximum"], True),
                          (schema["minimum"] - 1, False), (schema["maximum"] + 1, False)):
        params = {**{n: real_ids[n] for n in (p.name for p in operation.path_parameters)},
                  name: value}
        case = operation.Case(path_parameters=params,
                              headers={"Authorization": f"Bearer {token}"})
        response = case.call()
        if served:  # a 422 only for the body it was not given
            assert response.status_code != 400, value
            if response.status_code == 422:
                assert response.json()["error"]["field"] != name, value
        else:
            assert response.status_code in (404, 422), (value, response.status_code)
        case.validate_response(response, checks=[
            not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance])


def test_the_list_filters_document_what_the_api_accepts():
    """Negative mode found ``?establishment=`` and ``?per_page=1045`` accepted while
    the document forbade them: the document now says so (the API's leniency is tested
    in tests/api/test_endpoints.py)."""
    params = {p["name"]: p for p in DOCUMENT["paths"]["/interventions"]["get"]["parameters"]}
    assert all(p["in"] == "query" and p["allowEmptyValue"] for p in params.values())
    assert "maximum" not in params["per_page"]["schema"]
    assert "ramenée à 100" in params["per_page"]["description"]
