"""Every route of the app × every role, against the table declared in
:mod:`tests.security.matrix` (SPEC §1: role and scope; §8: 401/403/404).

Routes come from ``app.url_map`` (all methods but HEAD and OPTIONS, only
``static`` skipped): a route nobody declared fails :func:`test_every_route_is_declared`
and the matrix itself. Each role gets its own fresh world (two groupements,
interventions A -> B in every state, sessions, meetings with minutes and votes,
a published bilan, notifications, tokens), and every action that changes
something has its own object, so one cell's success never changes another's
answer. Bodies are minimal and valid, so the answer says who got through the
permission gate. On top of the status, for anonymous callers and another
groupement's people: no answer shows anything of the first groupement, and
nothing of the first groupement changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from gic.auth.services import create_token
from gic.billing.services import close_year
from gic.extensions import db
from gic.interventions import services
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.models import User
from gic.notifications.models import Notification
from gic.reports.services import generate_draft, publish
from tests.conftest import (
    World,
    build_world,
    built_once,
    csrf_login,
    login,
    world_from_ids,
    world_ids,
)
from tests.security.matrix import AREA_MODULES, LAST, LOGIN, MATRIX, ROLES, Route

# Every route of the app, for every role.
pytestmark = pytest.mark.slow

SKIPPED_ENDPOINTS = {"static"}
MARK = "GIC65-CONFIDENTIEL"  # in the first groupement's texts: never shown to others
LEAK_MARKERS = (MARK, "gic65.test")


def app_routes(app) -> dict[tuple[str, str], object]:
    """(endpoint, method) -> rule, for every route of the app."""
    routes: dict[tuple[str, str], object] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            key = (rule.endpoint, method)
            assert key not in routes, f"two rules for {key}: declare them apart"
            routes[key] = rule
    return routes


def check_declared(app) -> None:
    """Fail with the list of routes missing from (or unknown to) the table."""
    routes = set(app_routes(app))
    missing = sorted(routes - set(MATRIX))
    assert not missing, ("routes without a row in tests/security/matrix.py (declare who may "
                         "call them): " + ", ".join(f"{m} {e}" for e, m in missing))
    stale = sorted(set(MATRIX) - routes)
    assert not stale, "rows of tests/security/matrix.py for routes that no longer exist: " + \
        ", ".join(f"{m} {e}" for e, m in stale)


def test_every_route_is_declared(app):
    check_declared(app)
    assert len(MATRIX) * len(ROLES) >= 900  # the matrix's size (routes × roles)


# --- The world ------------------------------------------------------------------

@dataclass
class Ctx:
    """The world one role acts in: objects by name, and the caller."""

    world: World
    other: World
    ids: dict[str, object] = field(default_factory=dict)
    me: User | None = None

    def as_ids(self) -> Ctx:
        """The same, its worlds as ids (to hand over to another session)."""
        return Ctx(world_ids(self.world), world_ids(self.other), dict(self.ids))

    def acting_as(self, role: str) -> Ctx:
        """From :meth:`as_ids`: the objects read in this test's session, ``role``'s user."""
        ctx = Ctx(world_from_ids(self.world), world_from_ids(self.other), dict(self.ids))
        ctx.me = ctx.user(role)
        return ctx

    def user(self, role: str) -> User | None:
        """The user playing ``role`` (None for anonymous)."""
        if role == "anon":
            return None
        if role == "other_coord":
            return self.other.coordinator
        if role == "other_dir":
            return self.other.directors["X"]
        if role in ("accountant", "coordinator"):
            return getattr(self.world, role)
        kind, _, letter = role.partition("_")
        return (self.world.technicians if kind == "tech" else self.world.directors)[letter]


class Days:
    """Distinct past days of 2025 for technician A's sessions (no overlap)."""

    def __init__(self) -> None:
        self.day = date(2025, 3, 3)

    def next(self) -> date:
        self.day += timedelta(days=1)
        return self.day


def _intervention(world: World, state: str, days: Days, sessions: int = 1):
    """An A -> B request drafted by B's technician, brought to ``state``."""
    e = world.establishments
    i = services.create_draft(world.technicians["B"], provider_id=e["A"].id, axis=2,
                              nature="incident", description=f"Serveur en panne {MARK}")
    if state == "draft":
        return i, []
    services.activate(i, world.directors["B"])
    if state == "active":
        return i, []
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    logged = [services.log_session(i, world.technicians["A"], day=days.next(),
                                   start=time(8, 0), end=time(10, 0), mode="onsite",
                                   notes=MARK) for _ in range(sessions)]
    if state == "accepted":
        return i, logged
    services.complete(i, world.technicians["A"], f"Fait. {MARK}")
    return i, logged


def _meeting(world: World, day: date, *, minutes: str | None = None):
    meeting = meetings.plan_meeting(
        world.coordinator, kind="technicians", title=f"Réunion {MARK}", day=day,
        start=time(14, 0), duration_minutes=120, place="Salle du conseil", agenda=["Sauvegardes"])
    draft = None
    if minutes:
        draft = steps.start_minutes(meeting, world.coordinator)
        if minutes == "final":
            steps.finalise(draft, world.coordinator)
    return meeting, draft


def build(role: str) -> Ctx:
    """Both groupements and every object the table's URLs name, acted in as ``role``."""
    ctx = make()
    ctx.me = ctx.user(role)
    return ctx


@pytest.fixture(scope="module")
def base(shared_app) -> Iterator[Ctx]:
    """What :func:`make` builds, made once for the module: each test starts from it
    (in a savepoint, rolled back after the test)."""
    yield from built_once(shared_app, lambda: make().as_ids())


def make() -> Ctx:
    """Both groupements and every object the table's URLs name."""
    world = build_world()
    other = build_world(name="GCSMS Démo", domain="demo", rate="30.00", letters="XY")
    ctx = Ctx(world, other)
    ids, days = ctx.ids, Days()
    for state, names in (("draft", ("activate", "cancel")),
                         ("active", ("accept", "decline")),
                         ("accepted", ("log",)),
                         ("with_session", ("complete",)),
                         ("completed", ("validate",))):
        for name in names:
            for way in ("web", "api"):
                i, _ = _intervention(world, "accepted" if state == "with_session" else state,
                                     days)
                ids[f"{name}_{way}"] = i.id
    view, logged = _intervention(world, "accepted", days, sessions=4)
    ids["view"] = view.id
    for name, s in zip(("session_edit", "session_delete_web", "session_patch",
                        "session_delete_api"), logged, strict=True):
        ids[name] = s.id
    billed, _ = _intervention(world, "completed", days, sessions=4)  # 8 h on site
    services.validate(billed, world.directors["B"])  # billed in 2025: the pair's page
    ids["establishment_A"] = world.establishments["A"].id
    ids["establishment_B"] = world.establishments["B"].id
    close_year(world.accountant, 2022)  # for the coordinator's reopening
    generate_draft(world.groupement.id, 2025)
    publish(world.coordinator, 2025)  # directors are notified
    generate_draft(world.groupement.id, 2024)  # a draft to publish
    final, _ = _meeting(world, date(2026, 11, 2), minutes="final")
    ids["final_meeting"] = final.id
    ids["open_meeting"] = _meeting(world, date(2026, 12, 8))[0].id
    ids["status_meeting"] = _meeting(world, date(2026, 12, 15))[0].id
    ids["held_meeting"] = _meeting(world, date(2026, 10, 5))[0].id
    ids["finalise_meeting"] = _meeting(world, date(2026, 10, 19), minutes="draft")[0].id
    meeting, draft = _meeting(world, date(2026, 11, 9), minutes="draft")
    ids["draft_meeting"] = meeting.id
    ids["attendance_rows"] = [a.id for a in draft.attendance]
    ids["attendance_remove"] = draft.attendance[0].id
    ids["decision_remove"] = steps.add_decision(draft, world.coordinator, text="Retirer",
                                                needs_unanimity=False).id
    ids["decision_vote"] = steps.add_decision(draft, world.coordinator, needs_unanimity=True,
                                              text=f"Adhésion d'un membre {MARK}").id
    ids["action_done"] = steps.add_action(draft, world.coordinator, text="Inventaire",
                                          owner_id=None, due_date=None).id
    ids["action_remove"] = steps.add_action(draft, world.coordinator, text="Retirer",
                                            owner_id=None, due_date=None).id
    ids["notification_B"] = db.session.scalars(
        select(Notification.id).where(Notification.user_id == world.directors["B"].id)
        .order_by(Notification.id)).first()
    ids["token_B"] = create_token(world.technicians["B"], "script de B")[0].id
    for module in AREA_MODULES:
        if hasattr(module, "build"):
            module.build(ctx)
    return ctx


def world_rows(gid: int) -> dict[str, list]:
    """Every row belonging to groupement ``gid``, table by table (to compare)."""
    t = db.metadata.tables
    owned = {name: t[name].c.groupement_id == gid for name in t
             if "groupement_id" in t[name].c}
    owned["groupement"] = t["groupement"].c.id == gid
    users = select(t["user"].c.id).where(t["user"].c.groupement_id == gid)
    meeting_ids = select(t["meeting"].c.id).where(t["meeting"].c.groupement_id == gid)
    minutes = select(t["meeting_minutes"].c.id).where(
        t["meeting_minutes"].c.meeting_id.in_(meeting_ids))
    owned.update({
        "api_token": t["api_token"].c.user_id.in_(users),
        "intervention_session": t["intervention_session"].c.intervention_id.in_(
            select(t["intervention"].c.id).where(t["intervention"].c.groupement_id == gid)),
        "meeting_agenda_item": t["meeting_agenda_item"].c.meeting_id.in_(meeting_ids),
        "meeting_invitee": t["meeting_invitee"].c.meeting_id.in_(meeting_ids),
        "meeting_minutes": t["meeting_minutes"].c.meeting_id.in_(meeting_ids),
        "meeting_action": t["meeting_action"].c.minutes_id.in_(minutes),
        "meeting_attendance": t["meeting_attendance"].c.minutes_id.in_(minutes),
        "meeting_decision": t["meeting_decision"].c.minutes_id.in_(minutes),
        "bilan_pdf": t["bilan_pdf"].c.bilan_version_id.in_(
            select(t["bilan_version"].c.id).where(t["bilan_version"].c.groupement_id == gid)),
        "meeting_vote": t["meeting_vote"].c.decision_id.in_(
            select(t["meeting_decision"].c.id).where(
                t["meeting_decision"].c.minutes_id.in_(minutes))),
    })
    for module in AREA_MODULES:
        if hasattr(module, "owned"):
            owned.update(module.owned(t, gid))
    rows = {}
    for name, condition in owned.items():
        rows[name] = [tuple(r) for r in db.session.execute(
            select(t[name]).where(condition).order_by(*t[name].primary_key.columns))]
    db.session.rollback()
    return rows


# --- Calling one cell --------------------------------------------------------------

def order(routes: dict) -> list[tuple[str, str]]:
    """Declared order, the routes that end the session last."""
    return sorted(routes, key=lambda key: (key[0] in LAST, list(MATRIX).index(key)))


def url_of(app, key: tuple[str, str], route: Route, ctx: Ctx, rule) -> str:
    values = {}
    for name in rule.arguments:
        assert name in route.args, f"{key}: no value declared for <{name}>"
        given = route.args[name]
        values[name] = ctx.ids[given] if isinstance(given, str) else given
    return app.url_map.bind("localhost").build(key[0], values, method=key[1])


def call(client, key, route: Route, url: str, ctx: Ctx, token: str | None):
    endpoint, method = key
    body = route.body(ctx) if callable(route.body) else route.body
    kwargs = {}
    if endpoint.startswith("api."):
        if token:
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
        if body is not None:
            kwargs["json"] = body
    elif body is not None:
        kwargs["data"] = body
    return client.open(url, method=method, **kwargs)


def verdict(key, expected, response) -> str | None:
    """What is wrong with this cell's answer (None: as declared)."""
    status = response.status_code
    location = response.headers.get("Location", "")
    to_login = status == 302 and location.split("?")[0].endswith("/login")
    if expected == LOGIN:
        if not to_login:
            return f"expected a redirect to /login, got {status} {location}"
    elif status != expected:
        return f"expected {expected}, got {status}"
    elif status == 302 and to_login and key != ("auth.logout", "POST"):
        return "redirected to the login page: the session was lost"
    if key[0].startswith("api.") and status >= 400:
        body = response.get_json(silent=True)
        if not (isinstance(body, dict) and set(body) == {"error"}):
            return f"API error {status} without the SPEC §8 JSON body"
    return None


def leaks(response) -> list[str]:
    """First groupement's markers found in a text answer."""
    if not response.mimetype.startswith(("text/", "application/json")):
        return []
    text = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        text = json.dumps(response.get_json(silent=True), ensure_ascii=False) + text
    return [marker for marker in LEAK_MARKERS if marker in text]


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, base, role):
    """One role against every route: each answer as declared, never a 500."""
    check_declared(app)
    ctx = base.acting_as(role)
    client = app.test_client()
    token = None
    if ctx.me is not None:
        assert login(client, ctx.me).status_code == 302
        token = create_token(ctx.me, "matrice")[1]
    outsider = role == "anon" or role.startswith("other_")
    before = world_rows(ctx.world.groupement.id) if outsider else None
    routes = app_routes(app)
    failures = []
    for key in order(routes):
        route = MATRIX[key]
        url = url_of(app, key, route, ctx, routes[key])
        if ctx.me is None:
            client = app.test_client()  # anonymous each time (the login cell logs in)
        response = call(client, key, route, url, ctx, token)
        problem = verdict(key, route.expect[role], response)
        if outsider and (found := leaks(response)):
            problem = (problem + "; " if problem else "") + f"shows {found}"
        if problem:
            failures.append(f"{key[1]} {url} ({key[0]}) as {role}: {problem}")
        db.session.rollback()
    if outsider:
        after = world_rows(ctx.world.groupement.id)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"{role} changed the first groupement's {changed}"
    assert not failures, f"{len(failures)} cell(s) of {len(routes)}:\n" + "\n".join(failures)


# --- Without its CSRF token, no form gets through ----------------------------------------

def _passing_role(route: Route) -> str:
    """A role that the table lets through (so that only the token is missing)."""
    for role in ROLES:
        if route.expect[role] in (200, 201, 204, 302):
            return role
    return "coordinator"


def test_no_web_form_gets_through_without_its_csrf_token(app, base, monkeypatch):
    """Every web POST of the url_map, as a role allowed to make it, with a valid
    body but no token: 400, and nothing changes in either groupement."""
    ctx = base.acting_as("coordinator")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    routes = {key: rule for key, rule in app_routes(app).items()
              if key[1] != "GET" and not key[0].startswith("api.")}
    clients = {}
    for key in routes:
        role = _passing_role(MATRIX[key])
        if role not in clients:
            clients[role] = app.test_client()
            if role != "anon":
                csrf_login(clients[role], ctx.user(role))
    gids = (ctx.world.groupement.id, ctx.other.groupement.id)
    before = [world_rows(gid) for gid in gids]
    failures = []
    for key, rule in routes.items():
        route = MATRIX[key]
        role = _passing_role(route)
        ctx.me = ctx.user(role)
        url = url_of(app, key, route, ctx, rule)
        response = call(clients[role], key, route, url, ctx, None)
        if response.status_code != 400:
            failures.append(f"{key[1]} {url} as {role}: {response.status_code}")
    assert not failures, "accepted without a CSRF token:\n" + "\n".join(failures)
    assert [world_rows(gid) for gid in gids] == before
    assert len(routes) >= 39  # every web form of the app
