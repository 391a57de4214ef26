"""Hostile input on the JSON API (issue 5, item 3): whatever a client sends, the
answer is a §8 status with the §8 error body, never a 500, and a refused request
leaves every table of the database exactly as it was.

Bodies start from a valid one and have some fields replaced by hostile values
(huge, empty, unicode with RTL, emoji, combining marks, NUL, lone surrogates,
HTML/JS, SQL-ish text, impossible dates and times, negative and enormous
numbers, wrong JSON types), or are replaced whole by malformed JSON (``1e309``,
``NaN``, deep nesting, invalid UTF-8…), sent with various content types. An
accepted body must have stored the text it was sent, intact (only trimmed).

``HOSTILE.max_examples`` examples per property: 8 body targets, the list filters
and the billing years, i.e. 400 examples with the default of 40.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession, State
from tests.api.conftest import Api, error_of
from tests.conftest import TODAY, example_rolled_back
from tests.helpers import accepted, database_rows, hm

# --- Hostile values (shared with the forms' tests) -------------------------------

HUGE = ["a" * 10_001, "é" * 100_000, "x" * 1_000_000]
UNICODE = ["مرحبا بالعالم", "שלום עולם", "\u202egnp.exe\u202c", "👩\u200d👩\u200d👧\u200d👦🔥💥",
           "e\u0301\u0302\u0303\u0304", "Z\u0335\u0321\u0322a\u0337l\u0336g\u0338o",
           "\ufeffBOM", "\u2028\u2029", "\x1b[31mrouge\x1b[0m", "\r\n\r\n", "\u00a0",
           "ℌ𝔢𝔩𝔩𝔬", "İstanbul"]
NUL = ["\x00", "a\x00b"]
SURROGATES = ["\ud800", "x\udfffy"]
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
          "javascript:alert(1)", "{{ 7*7 }}", "{% debug %}", "${7*7}", "</textarea><b>x</b>"]
SQLISH = ["' OR 1=1 --", "'; DROP TABLE intervention; --", '" OR ""="',
          '1; DROP TABLE "user"', "%", "_", "\\", "%00", "NULL", "null", "None"]
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"]
BLANK = ["", " ", "\t \n"]
TEXTS = HUGE + UNICODE + NUL + SURROGATES + MARKUP + SQLISH + FORMULAS + BLANK
DATES = ["0000-00-00", "9999-12-31", "2025-02-30", "2025-13-01", "2025-00-10", "0001-01-01",
         "1900-01-01", "2019-09-29", "2100-01-01", str(TODAY + timedelta(days=1)),
         "+2025-01-01", "2025-1-1",
         "2025/01/06", "06/01/2025", "2025-01-06T08:00", "20250106", "２０２５-01-06",
         " 2025-01-06", "2025-W02-1", "2025-006", "-2025-01-06"]
TIMES = ["24:00", "-1:00", "23:60", "99:99", "00:00", "23:59", "8:00", "08:00:00", "08h00",
         "08:00Z", "08:00+02:00", "25:00", "12:00 PM", "０８:００", "08:0", "T08:00", "8",
         "24:01", "-00:30"]
NUMBERS = ["-1", "0", str(2**31 - 1), str(2**31), str(2**63), str(-2**63), str(10**100),
           "1e309", "-1e309", "NaN", "Infinity", "1.5", "-0", "0x10", "１２"]


def hostile_text() -> st.SearchStrategy[str]:
    """A hostile string: the lists above, generated text (surrogates included),
    date- and time-like strings out of range, numbers as text."""
    return st.one_of(
        st.sampled_from(TEXTS + DATES + TIMES + NUMBERS),
        st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
        st.from_regex(r"\A-?\d{1,5}-\d{1,3}-\d{1,3}\Z"),
        st.from_regex(r"\A-?\d{1,3}:\d{1,3}\Z"),
    )


class Raw(str):
    """A JSON literal written as is in the body (``1e309``, ``NaN``…)."""


RAW_LITERALS = [Raw(x) for x in ("1e309", "-1e309", "NaN", "Infinity", "-Infinity", "1e400",
                                 "123456789012345678901234567890", "1E2", "-0.0")]
JSON_VALUES = st.one_of(
    hostile_text(),
    st.sampled_from([-1, 0, 2**31 - 1, 2**31, 2**63, -2**63, 2**64, 10**100, -(10**100)]),
    st.integers(),
    st.sampled_from([None, True, False, [], {}, [1, 2], {"$gt": ""}, {"id": 1}, 1.5, -0.0,
                     1e308, ["2025-01-06"]]),
    st.sampled_from(RAW_LITERALS),
)
RAW_BODIES = [b"", b" ", b"null", b"[]", b"{}", b'"texte"', b"42", b"{", b"}", b'{"a":}',
              b"\xff\xfe\x00", b"\xef\xbb\xbf{}", b"[" * 50_000, b'{"a":' * 50_000,
              b'{"date": "2025-01-06", "date": [1]}', b'{"\\ud800": 1}', b"{'a': 1}",
              b"NaN", b'{"notes": "\\u0000"}', b'{"a": 1}' * 3]
CONTENT_TYPES = ["application/json", "application/json", "application/json; charset=latin-1",
                 "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]


def dump(body) -> bytes:
    """JSON bytes, with :class:`Raw` values written as bare literals."""
    raws: dict[str, str] = {}

    def mark(value):
        if isinstance(value, Raw):
            key = f"@@raw{len(raws)}@@"
            raws[key] = str(value)
            return key
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(body))  # ensure_ascii: lone surrogates become \udxxx escapes
    for key, literal in raws.items():
        text = text.replace(f'"{key}"', literal)
    return text.encode()


def mutated(base: st.SearchStrategy[dict], extra_keys: tuple[str, ...] = ()):
    """A valid ``base`` body with some fields replaced, dropped or added, or a body
    replaced whole by malformed JSON: the raw bytes to send."""
    def mutate(draw_base, overrides, dropped):
        body = {k: v for k, v in draw_base.items() if k not in dropped}
        body.update(overrides)
        return body

    keys = st.sampled_from(sorted(set(extra_keys) | {"state", "id", "groupement_id"}))
    edited = st.builds(
        mutate, base,
        st.dictionaries(st.one_of(keys, st.text(max_size=8)), JSON_VALUES, max_size=3)
        | base.flatmap(lambda b: st.dictionaries(st.sampled_from(sorted(b)), JSON_VALUES,
                                                 min_size=1, max_size=3)),
        base.flatmap(lambda b: st.sets(st.sampled_from(sorted(b)), max_size=2)))
    return st.one_of(edited.map(dump), edited.map(dump), edited.map(dump),
                     st.sampled_from(RAW_BODIES),
                     st.recursive(JSON_VALUES, lambda inner: st.lists(inner, max_size=3)
                                  | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                                  max_leaves=6).map(dump))


# --- The database before and after ------------------------------------------------

def snapshot(*, skip_tables: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every row of every table (by primary key), read fresh from the database."""
    return database_rows(skip_tables=skip_tables)


def assert_unchanged(before: dict, after: dict) -> None:
    """Name the tables a refused request changed."""
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"refused request changed {changed}"


@contextmanager
def one_example(scene: Scene) -> Iterator[dict[str, str]]:
    """One generated example, rolled back after it (``example_rolled_back``); gives
    the tables as they were before it. Every example starts from the scene as made
    (its interventions are made once, before the first example), so that snapshot
    is taken once per test and a success leaves nothing for the next example."""
    if scene.before is None:
        scene.before = snapshot()
    with example_rolled_back():
        yield scene.before


HOSTILE = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow, HealthCheck.data_too_large])


# --- The scene -----------------------------------------------------------------------

@pytest.fixture
def api(client) -> Api:
    return Api(client)


class Scene:
    """Interventions in the states the targets need, re-made when a success used one."""

    def __init__(self, world, api: Api):
        self.world, self.api = world, api
        self.ids = {k: e.id for k, e in world.establishments.items()}
        self.user_ids = {"tech_A": world.technicians["A"].id}
        for user in (world.technicians["A"], world.technicians["B"], world.directors["A"],
                     world.directors["B"], world.coordinator, world.accountant):
            api.token(user)  # before any snapshot: making a token writes rows
        self._day = 0
        self._active = self._worked = self._logging = self._patchable = None
        self.before: dict[str, str] | None = None  # see one_example

    def _state(self, intervention_id) -> State | None:
        if intervention_id is None:
            return None
        db.session.expire_all()
        return State(db.session.get(Intervention, intervention_id).state)

    def _session(self, i: Intervention) -> InterventionSession:
        self._day += 1
        day = date(2024, 1, 1) + timedelta(days=self._day)
        return services.log_session(i, i.technician, day=day, start=hm("08:00"),
                                    end=hm("09:00"), mode="remote", notes="")

    def active(self) -> int:
        """An active request B -> A, for accept and decline."""
        if self._state(self._active) != State.ACTIVE:
            i = services.create_draft(self.world.technicians["B"], provider_id=self.ids["A"],
                                      axis=2, nature="incident", description="Panne")
            services.activate(i, self.world.directors["B"])
            self._active = i.id
        return self._active

    def logging(self) -> int:
        """An accepted request (technician A) to log sessions on."""
        if self._state(self._logging) != State.ACCEPTED:
            self._logging = accepted(self.world).id
        return self._logging

    def worked(self) -> int:
        """An accepted request with one session, to complete."""
        if self._state(self._worked) != State.ACCEPTED:
            i = accepted(self.world)
            self._session(i)
            self._worked = i.id
        return self._worked

    def patchable(self) -> int:
        """A session of an accepted request, to change."""
        if self._patchable is None:
            self._patchable = self._session(accepted(self.world)).id
        return self._patchable


@pytest.fixture
def scene(world, api) -> Scene:
    return Scene(world, api)


# --- Targets ---------------------------------------------------------------------------

VALID_DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31)).map(str)
VALID_TIMES = st.tuples(st.integers(6, 19), st.sampled_from([0, 15, 30, 45])).map(
    lambda t: f"{t[0]:02d}:{t[1]:02d}")
SAFE_TEXT = st.sampled_from(["Serveur en panne", "مرحبا", "👩‍💻 réseau", "<b>gras</b>",
                             "' OR 1=1 --", "e\u0301cole"])


def session_base():
    return st.fixed_dictionaries({
        "date": VALID_DATES, "start": VALID_TIMES, "end": st.just("20:00"),
        "mode": st.sampled_from(["remote", "onsite"]), "notes": SAFE_TEXT})


def targets(scene: Scene) -> dict:
    """target -> (method, path, user, base body strategy, text fields echoed on success)."""
    w, ids = scene.world, scene.ids
    return {
        "draft": ("POST", lambda: "/interventions", w.technicians["B"], st.fixed_dictionaries({
            "provider_id": st.just(ids["A"]), "axis": st.sampled_from([2, 3]),
            "nature": st.sampled_from(["incident", "deployment", "occasional_work"]),
            "description": SAFE_TEXT, "urgency": st.sampled_from(["normal", "high"]),
            "estimated_onsite_minutes": st.integers(0, 600),
            "estimated_remote_minutes": st.integers(0, 600),
            "beneficiary_id": st.just(ids["B"])}), {"description": "description"}),
        "session": ("POST", lambda: f"/interventions/{scene.logging()}/sessions",
                    w.technicians["A"], session_base(), {"notes": "notes"}),
        "patch": ("PATCH", lambda: f"/sessions/{scene.patchable()}", w.technicians["A"],
                  session_base(), {"notes": "notes"}),
        "establishment": ("POST", lambda: "/establishments", w.coordinator,
                          st.fixed_dictionaries({
                              "name": SAFE_TEXT,
                              "finess": st.from_regex(r"\A(?:\d{2}|2A|2B)\d{7}\Z")}),
                          {"name": "name"}),
        "user": ("POST", lambda: "/users", w.coordinator, st.fixed_dictionaries({
            "email": st.from_regex(r"\A[a-z]{1,12}@[a-z]{1,8}\.fr\Z"), "name": SAFE_TEXT,
            "role": st.sampled_from(["technician", "director", "accountant", "coordinator"]),
            "establishment_id": st.just(ids["C"]), "password": st.just("mot-de-passe-long")}),
            {"name": "name"}),
        "accept": ("POST", lambda: f"/interventions/{scene.active()}/accept", w.directors["A"],
                   st.fixed_dictionaries({"technician_id": st.just(scene.user_ids["tech_A"])}),
                   {}),
        "decline": ("POST", lambda: f"/interventions/{scene.active()}/decline",
                    w.directors["A"], st.fixed_dictionaries({"reason": SAFE_TEXT}),
                    {"reason": "decline_reason"}),
        "complete": ("POST", lambda: f"/interventions/{scene.worked()}/complete",
                     w.technicians["A"], st.fixed_dictionaries({"report": SAFE_TEXT}),
                     {"report": "report"}),
    }


REFUSALS = {400, 403, 404, 409, 413, 415, 422}


def check_error(response) -> dict:
    """A §8 error: JSON ``{"error": {"code", "message", …}}`` in French."""
    assert response.status_code in REFUSALS, response.status_code
    return error_of(response)


@pytest.mark.parametrize("target", ["draft", "session", "patch", "establishment", "user",
                                    "accept", "decline", "complete"])
def test_hostile_bodies_get_a_clean_answer_and_refusals_change_nothing(scene, target):
    method, path, user, base, echoed = targets(scene)[target]
    url = path()  # makes the intervention once: every example is rolled back
    token = scene.api.token(user)

    @HOSTILE
    @given(body=mutated(base, extra_keys=tuple(echoed)),
           content_type=st.sampled_from(CONTENT_TYPES))
    def run(body: bytes, content_type: str | None):
        assert path() == url  # the previous examples left the scene as made
        with one_example(scene) as before:
            headers = {"Authorization": f"Bearer {token}"}
            if content_type:
                headers["Content-Type"] = content_type
            response = scene.api.client.open("/api/v1" + url, method=method, data=body,
                                             headers=headers)
            event(f"{target}: {response.status_code}")
            assert response.status_code != 500
            if response.status_code in (200, 201):
                sent = json.loads(body) if body.strip() else {}  # PATCH {}: nothing to change
                answer = response.get_json()
                for field, key in echoed.items():
                    if isinstance(sent.get(field), str):  # stored intact (only trimmed)
                        assert answer[key] == sent[field].strip()
                return
            check_error(response)
            db.session.rollback()
            assert_unchanged(before, snapshot())

    run()


# --- Lists and billing ----------------------------------------------------------------

QUERY_VALUES = st.one_of(hostile_text(), st.integers().map(str),
                         st.sampled_from(["2025", "draft", "accepted", "1", "20", "100"]))


@HOSTILE
@given(query=st.dictionaries(
    st.sampled_from(["year", "state", "establishment", "page", "per_page", "sort", "order",
                     "q", "year[]", "state[$ne]"]), QUERY_VALUES, max_size=5),
    who=st.sampled_from(["tech_A", "dir_B", "coordinator", "accountant"]))
def test_hostile_list_filters_answer_a_page_or_422(scene, query, who):
    w = scene.world
    user = {"tech_A": w.technicians["A"], "dir_B": w.directors["B"],
            "coordinator": w.coordinator, "accountant": w.accountant}[who]
    if not hasattr(scene, "_listed"):
        scene.logging()
        scene.active()
        scene._listed = True
    before = snapshot()
    qs = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}"
                  for k, v in query.items())
    response = scene.api.get(f"/interventions?{qs}", user)
    event(f"list: {response.status_code}")
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 200:
        body = response.get_json()
        assert set(body) == {"items", "page", "per_page", "total"}
        assert 1 <= body["per_page"] <= 100 and body["page"] >= 1
        assert len(body["items"]) <= body["per_page"]
    else:
        assert error_of(response)["field"] in {"year", "state", "establishment", "page",
                                               "per_page"}
    db.session.rollback()
    assert_unchanged(before, snapshot())


YEAR_SEGMENTS = st.one_of(
    st.integers(min_value=-10, max_value=10**20).map(str),
    st.sampled_from(["0", "1", "1999", "2000", "2025", "2100", "2101", "9999", "10000",
                     "2147483647", "2147483648", str(2**63), "-1", "1e3", "2025.0",
                     "2025.json", "２０２５", "٢٠٢٥", "%00", "2025%00", "abc", "' OR 1=1 --",
                     "<script>", "%2e%2e", ".."]),
    hostile_text().map(lambda s: quote(s, safe="", errors="surrogatepass")))


@HOSTILE
@given(segment=YEAR_SEGMENTS,
       who=st.sampled_from(["tech_A", "dir_B", "coordinator", "accountant"]))
def test_hostile_billing_years_answer_cleanly(scene, segment, who):
    w = scene.world
    user = {"tech_A": w.technicians["A"], "dir_B": w.directors["B"],
            "coordinator": w.coordinator, "accountant": w.accountant}[who]
    before = snapshot()
    response = scene.api.get(f"/billing/{segment}", user)
    event(f"billing: {response.status_code}")
    assert response.status_code in (200, 403, 404, 405, 422), (segment, response.status_code)
    if response.status_code == 200:
        assert set(response.get_json()) == {"year", "closed", "lines", "pending",
                                            "beneficiaries", "settlements", "secondments",
                                            "model", "ordered_hours"}
        assert 2000 <= response.get_json()["year"] <= 2100
    else:
        error_of(response)
    db.session.rollback()
    assert_unchanged(before, snapshot())


# --- Limits that need no generator --------------------------------------------------------

def test_a_body_beyond_the_size_limit_is_413_json(scene, app):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    before = snapshot()
    body = b'{"description": "' + b"a" * size + b'"}'
    response = scene.api.call("POST", "/interventions", scene.world.technicians["B"],
                              data=body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert_unchanged(before, snapshot())


@pytest.mark.parametrize("literal", ["1e309", "-1e309", "NaN", "Infinity", "1e400"])
@pytest.mark.parametrize("field", ["axis", "provider_id", "estimated_onsite_minutes"])
def test_non_finite_and_enormous_json_numbers_are_400(scene, literal, field):
    body = {"provider_id": scene.ids["A"], "axis": 2, "nature": "incident",
            "description": "Panne", field: Raw(literal)}
    before = snapshot()
    response = scene.api.call("POST", "/interventions", scene.world.technicians["B"],
                              data=dump(body))
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["field"]) == ("wrong_type", field)
    assert_unchanged(before, snapshot())


@pytest.mark.parametrize(("value", "status"), [
    (2**31, 422), (2**63, 422), (10**100, 422), (-1, 422), (-(2**31), 422),
    ([2], 400), ({"id": 2}, 400), (True, 400), ("2", 400), (None, 422), (2.0, 400),
])
def test_ids_out_of_range_or_of_the_wrong_type(scene, value, status):
    path = f"/interventions/{scene.active()}/accept"
    before = snapshot()
    response = scene.api.post(path, scene.world.directors["A"], json={"technician_id": value})
    assert response.status_code == status
    assert error_of(response)["field"] == "technician_id"
    assert_unchanged(before, snapshot())


@pytest.mark.parametrize(("field", "value"), [
    ("date", "0000-00-00"), ("date", "9999-12-31"), ("date", "2025-02-30"),
    ("date", "2019-09-29"), ("date", str(TODAY + timedelta(days=1))), ("start", "24:00"),
    ("start", "-1:00"),
    ("end", "24:00"), ("end", "07:59"), ("start", "23:60"),
])
def test_dates_and_times_out_of_range_are_422_on_their_field(scene, field, value):
    body = {"date": "2025-01-06", "start": "08:00", "end": "09:00", "mode": "remote",
            field: value}
    path = f"/interventions/{scene.logging()}/sessions"
    before = snapshot()
    response = scene.api.post(path, scene.world.technicians["A"], json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] in {field, "date", "start", "end"}
    assert_unchanged(before, snapshot())
