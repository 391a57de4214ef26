"""Shared fixtures: one app on a migrated database (SQLite or PostgreSQL), a pinned
clock, each test rolled back, and a small GIC 65-like world to act in.

The database is chosen by ``GIC_TEST_DATABASE_URL`` (``scripts/test`` runs the
suite once on SQLite and once on a throwaway PostgreSQL server); without it, a
SQLite file in a temporary folder. Migrations run once per test session (the
tests run the real Alembic migrations), and the app is built once.

Each test runs inside a transaction that is rolled back at its end: the app's
session works in a savepoint of it (its commits release the savepoint), so a
test starts from empty tables without emptying them. The ``world`` (and
``other_world``) that most tests start from is built once and kept, in a
transaction of its own, for as long as the following tests ask for the same
worlds; each of them runs in a savepoint of it, rolled back after it. Tests whose data must be
read by another connection (threads, a served app, a subprocess, backups)
carry the ``commits`` marker: they commit for real and the tables are emptied
after them.

The clock is pinned (time-machine) at ``NOW`` for every test and keeps ticking
from there; a test about the date moves it with ``clock.move_to(…)``. No test
reads the real date.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, g, request_started, session
from sqlalchemy import Connection, select, text
from sqlalchemy import inspect as sa_inspect

from gic import create_app
from gic.auth.services import open_session
from gic.database import commit_keeping, forget_all
from gic.extensions import db
from gic.models import ConventionVersion, Establishment, Groupement, Role, User
from gic.notifications.services import in_app_only

T = TypeVar("T")
PASSWORD = "gic-test-password"
# Passwords are hashed cheaply in tests (the app's default, scrypt, takes ~0.2 s a hash).
HASH_METHOD = "pbkdf2:sha256:1000"
# The pinned "now" of every test: Monday 23 November 2026, 11:00 in Paris.
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
TODAY = NOW.date()
# Outbox of apps made outside the ``app`` fixture (which gives each test its own).
OUTBOX = tempfile.mkdtemp(prefix="gic-outbox-")
atexit.register(shutil.rmtree, OUTBOX, ignore_errors=True)
_TESTS = itertools.count(1)  # numbers each test's outbox
# The shared app and its settings as built (checked after every test).
_BUILT: dict = {}
# Where the apps keep their compiled templates (pytest's cache folder, set in
# pytest_configure): every worker of both runs reuses them.
_TEMPLATE_CACHE: dict[str, str] = {}
# Set while a module's base built once (built_once) is open: its tests start from it.
_BASE: dict = {}
# The worker's worlds built once (see _worlds_for): kind, ids, and what closes them.
_WORLDS: dict = {}


def pytest_configure(config: pytest.Config) -> None:
    """Compiled templates go to ``.pytest_cache`` (git-ignored): each process of the
    suite would otherwise compile the ~200 templates again (~25 ms each)."""
    cache = getattr(config, "cache", None)  # absent under ``-p no:cacheprovider``
    if cache is not None:
        _TEMPLATE_CACHE["dir"] = str(cache.mkdir("gic-templates"))


@pytest.fixture(autouse=True)
def clock(time_machine):
    """The pinned clock (``time_machine`` fixture), ticking from ``NOW``.

    Given as a UTC instant so that time-machine leaves the process's TZ alone.
    """
    time_machine.move_to(NOW.astimezone(ZoneInfo("UTC")), tick=True)
    return time_machine


def _database_of_worker(url: str, worker: str) -> str:
    """Under pytest-xdist, a PostgreSQL database of the worker's own (made anew)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    server = make_url(url)
    name = f"{server.database}_{worker}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database URL, migrated to head once (per worker under pytest-xdist)."""
    url = os.environ.get("GIC_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    elif worker:
        url = _database_of_worker(url, worker)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import downgrade, upgrade
        if url.startswith("postgres"):
            # A previous aborted run may have left tables behind.
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.engine.dispose()
    yield url
    with app.app_context():
        downgrade(revision="base")
        db.engine.dispose()


def make_app(database_url: str, **overrides):
    """A test app on the shared database (CSRF off unless asked: see ``csrf_client``).

    Only for what needs an app of its own (a served app, other start-up
    settings); tests use the ``app`` fixture.
    """
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test", "SERVER_NAME": None,
              "MAIL_OUTBOX": OUTBOX, "PASSWORD_HASH_METHOD": HASH_METHOD,
              # The suite's requests are drafted at the pinned now and log sessions of
              # 2025: the 30-day limit has its own tests (tests/services/test_sessions.py).
              "SESSION_BACKDATE_DAYS": 100 * 366,
              "TEMPLATE_CACHE_DIR": _TEMPLATE_CACHE.get("dir")}
    config.update(overrides)
    return create_app(config)


def empty_tables() -> None:
    """Delete every row (children first); PostgreSQL also restarts the id sequences.

    DELETE, not PostgreSQL's TRUNCATE: after a test the tables hold a few rows, and
    TRUNCATE makes new files for every table and index (~150 ms for the 45 tables).
    """
    for t in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f'DELETE FROM "{t.name}"'))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = current_schema()"))
    db.session.commit()


def _fresh_g(sender, **extra) -> None:
    """Empty ``flask.g`` and the session's memo at each request, as in production.

    The ``app`` fixture keeps one app context pushed for the whole test, so test
    client requests share it and its ``g``, where Flask-Login caches the loaded
    user: without this, a second client would act as the first one's user.
    """
    for key in list(vars(g)):
        delattr(g, key)
    # Nor what the test's session remembers for its transaction (gic.database.memo):
    # in production each request has a session of its own.
    forget_all()


@pytest.fixture(scope="session")
def shared_app(database_url) -> Iterator[Flask]:
    """The one app of the test session (use ``app``, which resets it per test)."""
    app = make_app(database_url)
    request_started.connect(_fresh_g, app)
    # The session joins the test's transaction through savepoints: its commits
    # and rollbacks stay inside the test (no effect with a real engine).
    with app.app_context():
        db.session.configure(join_transaction_mode="create_savepoint")
    _BUILT.update(app=app, settings=dict(app.config))
    yield app
    _BUILT.clear()
    with app.app_context():
        _close_worlds()
        db.engine.dispose()


@contextmanager
def _rolled_back() -> Iterator[None]:
    """Bind the app's session to one connection whose transaction is rolled back.

    Flask-SQLAlchemy 3 picks its bind in ``db.engines`` (a connection given to
    the session is ignored), so the connection takes the engine's place there.
    pysqlite opens its transaction only before a write, so a SAVEPOINT would
    start the outermost transaction and its RELEASE would commit: on SQLite the
    connection is put in autocommit mode and the BEGIN is ours.
    """
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    sqlite = engine.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:
        driver.isolation_level = None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    engines[None] = connection
    try:
        yield
    finally:
        db.session.remove()
        engines[None] = engine
        outer.rollback()
        if sqlite:
            driver.isolation_level = ""  # back to the pool as it came
        connection.close()


@contextmanager
def _in_base_savepoint() -> Iterator[None]:
    """A test of a module whose base is built once (:func:`built_once`): it runs in a
    savepoint of the module's transaction, rolled back after it."""
    connection = db.engines[None]
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        savepoint.rollback()


@contextmanager
def _before_now() -> Iterator[None]:
    """The clock five minutes before the pinned ``NOW``, ticking: what is built once
    for several tests is in the past of each of them (which starts at ``NOW``)."""
    import time_machine
    with time_machine.travel(NOW.astimezone(ZoneInfo("UTC")) - timedelta(minutes=5),
                             tick=True):
        yield


def _worlds_wanted(request: pytest.FixtureRequest) -> str | None:
    """Which worlds the test asks for, directly or through its fixtures."""
    names = request.fixturenames
    if "world" not in names:
        return None
    return "both" if "other_world" in names else "world"


def _close_worlds() -> None:
    """Roll back the worlds built once, if open (needs an app context)."""
    if _WORLDS:
        stack = _WORLDS["stack"]
        _WORLDS.clear()
        stack.close()


def _open_worlds(kind: str) -> None:
    """The ``world`` (and, for ``both``, the ``other_world``) of the tests, built once
    in a transaction of their own and kept for every following test that asks for
    the same ones: each test runs in a savepoint of it, rolled back after it. A test
    that asks for other worlds, or none, or that commits, closes them first."""
    if _WORLDS.get("kind") == kind:
        return
    _close_worlds()
    stack = contextlib.ExitStack()
    stack.enter_context(_rolled_back())
    with _before_now():
        ids = {"world": world_ids(build_world())}
        if kind == "both":
            ids["other"] = world_ids(build_world(**OTHER_WORLD))
    db.session.remove()  # the tests read through their own sessions
    _WORLDS.update(kind=kind, ids=ids, stack=stack)


def built_once(shared_app: Flask, build: Callable[[], T]) -> Iterator[T]:
    """For a module-scoped fixture (``yield from built_once(shared_app, build)``):
    what ``build()`` makes, five minutes before the pinned ``NOW`` (each test starts
    at ``NOW``: what the build signed or stamped is in its past), stays in one
    transaction of its own;
    each test of the module then runs in a savepoint of it, rolled back after the
    test, and the whole is rolled back when the module is done. ``build`` hands over
    ids, not objects: each test reads its objects in its own session."""
    with shared_app.app_context():
        _close_worlds()
    with shared_app.app_context(), in_app_only(), _rolled_back(), _before_now():
        result = build()
        db.session.remove()  # the tests read through their own sessions
        _BASE["open"] = True
        try:
            yield result
        finally:
            _BASE.clear()


@contextmanager
def example_rolled_back() -> Iterator[None]:
    """One example of a property-based test, rolled back after it (hypothesis runs
    many examples in one test): the test's tables as they were, at savepoint cost."""
    connection = db.engines[None]
    if not isinstance(connection, Connection):  # a ``commits`` test: empty the tables
        try:
            yield
        finally:
            db.session.rollback()
            empty_tables()
        return
    db.session.remove()
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        savepoint.rollback()


@pytest.fixture(scope="session")
def _outboxes(tmp_path_factory) -> Iterator[Path]:
    """Where each test's outbox goes (a folder made by the first e-mail only)."""
    return tmp_path_factory.mktemp("outboxes")


@pytest.fixture
def app(shared_app, request, _outboxes, monkeypatch) -> Iterator[Flask]:
    """The app with an application context pushed, on empty tables, its own outbox.

    Per-test settings go through ``monkeypatch.setitem(app.config, …)``.
    Notifications are stored but not e-mailed (building an e-mail costs more than
    the step that notifies) unless the test is marked ``emails``: the tests that
    read e-mails, or their ``emailed_at``, carry the marker. Threads (a served app)
    are not concerned: they e-mail as in production.
    """
    outbox = _outboxes / str(next(_TESTS))
    monkeypatch.setitem(shared_app.config, "MAIL_OUTBOX", str(outbox))
    with shared_app.app_context(), contextlib.ExitStack() as stack:
        if not request.node.get_closest_marker("emails"):
            stack.enter_context(in_app_only())
        if request.node.get_closest_marker("commits"):
            _close_worlds()
            try:
                yield shared_app
            finally:
                db.session.rollback()
                empty_tables()
                db.session.remove()
                db.engine.dispose()  # no connection of a thread stays open
        elif _BASE:
            with _in_base_savepoint():
                yield shared_app
        elif kind := _worlds_wanted(request):
            _open_worlds(kind)
            with _in_base_savepoint():
                yield shared_app
        else:
            _close_worlds()
            with _rolled_back():
                yield shared_app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold a ``slow`` test run first, each file's tests kept together
    and in order: under pytest-xdist, a long test started last would leave the other
    workers idle while it ends; started first, the short ones fill in around it."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item):
    """After every fixture of a test is gone, the shared app's settings are as built.

    A test that writes ``app.config[…] = …`` would change the app of every later
    test: it must use ``monkeypatch.setitem(app.config, …)``.
    """
    result = yield
    if not _BUILT:
        return result
    app, built = _BUILT["app"], _BUILT["settings"]
    missing = object()
    changed = sorted(k for k in set(built) | set(app.config)
                     if built.get(k, missing) != app.config.get(k, missing))
    if changed:
        app.config.clear()
        app.config.update(built)
        pytest.fail(f"{item.nodeid} a changé la configuration de l'app partagée ({changed}) : "
                    "utiliser monkeypatch.setitem(app.config, …)", pytrace=False)
    return result


@pytest.fixture
def csrf_client(app, monkeypatch):
    """A client of the app with CSRF protection on, as in production."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app.test_client()


def csrf_token(page: str) -> str:
    """The CSRF token of the first form of an HTML page."""
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]


def csrf_login(client, user: User, password: str = PASSWORD):
    """Log in through the login form with its CSRF token (CSRF on: ``csrf_client``)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302
    return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class World:
    """A groupement with establishments A, B, C and one director and technician each."""

    groupement: Groupement
    establishments: dict[str, Establishment] = field(default_factory=dict)
    directors: dict[str, User] = field(default_factory=dict)
    technicians: dict[str, User] = field(default_factory=dict)
    coordinator: User | None = None
    accountant: User | None = None


@functools.cache
def password_hash() -> str:
    """The test password's hash, made once (a cheap method: logins stay fast)."""
    from werkzeug.security import generate_password_hash
    return generate_password_hash(PASSWORD, method=HASH_METHOD)


def add_user(groupement: Groupement, email: str, role: Role,
             establishment: Establishment | None = None, name: str | None = None, *,
             flush: bool = True) -> User:
    """A user with the test password; ``flush=False`` leaves its id to a later flush."""
    user = User(groupement_id=groupement.id, email=email, name=name or email.split("@")[0],
                role=role, establishment_id=establishment.id if establishment else None,
                password_hash=password_hash())
    db.session.add(user)
    if flush:
        db.session.flush()
    return user


def build_world(name: str = "GIC 65", domain: str = "gic65", rate: str = "25.00",
                letters: str = "ABC") -> World:
    """Create a groupement like GIC 65 (7 h / 35 h / 25 EUR, convention 2019-09-30)."""
    groupement = Groupement(name=name)
    db.session.add(groupement)
    db.session.flush()
    db.session.add(ConventionVersion(
        groupement_id=groupement.id, valid_from=date(2019, 9, 30),
        start_date=date(2019, 9, 30), duration_years=3, threshold_minutes=420,
        cap_minutes=2100, hourly_rate=Decimal(rate)))
    world = World(groupement=groupement)
    for n, letter in enumerate(letters):
        world.establishments[letter] = Establishment(
            groupement_id=groupement.id, name=f"Établissement {letter}",
            finess=f"65000{zlib.crc32(domain.encode()) % 1000:03d}{n}")
    db.session.add_all(world.establishments.values())
    db.session.flush()  # one flush per kind of row: the world is built for every test
    for letter, e in world.establishments.items():
        world.directors[letter] = add_user(groupement, f"dir.{letter.lower()}@{domain}.test",
                                           Role.DIRECTOR, e, f"Direction {letter}", flush=False)
        world.technicians[letter] = add_user(groupement, f"tech.{letter.lower()}@{domain}.test",
                                             Role.TECHNICIAN, e, f"Technicien {letter}",
                                             flush=False)
    world.coordinator = add_user(groupement, f"coord@{domain}.test", Role.COORDINATOR,
                                 flush=False)
    world.accountant = add_user(groupement, f"compta@{domain}.test", Role.ACCOUNTANT,
                                flush=False)
    db.session.commit()
    return world


# The ``other_world``: a second, fully separate groupement (different rate).
OTHER_WORLD = {"name": "GCSMS Démo", "domain": "demo", "rate": "30.00", "letters": "XY"}


def world_ids(world: World) -> World:
    """The same world with ids in place of its objects (to hand over between sessions)."""
    def ident(obj):
        return sa_inspect(obj).identity[0]
    return World(groupement=ident(world.groupement),
                 establishments={k: ident(v) for k, v in world.establishments.items()},
                 directors={k: ident(v) for k, v in world.directors.items()},
                 technicians={k: ident(v) for k, v in world.technicians.items()},
                 coordinator=ident(world.coordinator), accountant=ident(world.accountant))


def world_from_ids(ids: World) -> World:
    """The world of :func:`world_ids`, its objects read in the current session (three
    queries)."""
    db.session.scalars(select(User).where(User.groupement_id == ids.groupement)).all()
    db.session.scalars(select(Establishment).where(
        Establishment.groupement_id == ids.groupement)).all()

    def users(found: dict) -> dict:  # from the identity map
        return {k: db.session.get(User, v) for k, v in found.items()}
    world = World(groupement=db.session.get(Groupement, ids.groupement),
                  establishments={k: db.session.get(Establishment, v)
                                  for k, v in ids.establishments.items()},
                  directors=users(ids.directors), technicians=users(ids.technicians),
                  coordinator=db.session.get(User, ids.coordinator),
                  accountant=db.session.get(User, ids.accountant))
    # As build_world leaves the session: no transaction. Its objects, just read, are
    # kept loaded (a plain commit would expire them: one query per object read).
    commit_keeping()
    return world


def worlds_built_once(extra: Callable[[World], dict[str, int]] | None = None):
    """For a test file whose tests all start from the same data: ``base``, ``world``,
    ``other_world`` and ``extra`` fixtures over a base built once for the file
    (:func:`built_once`), instead of for each test. ``extra(world)`` builds more and
    returns ids by name; the ``extra`` fixture gives them back as ids.

    In the file: ``base, world, other_world, extra = worlds_built_once(…)``.
    """
    def build() -> dict:
        first = build_world()
        other = build_world(**OTHER_WORLD)
        return {"world": world_ids(first), "other": world_ids(other),
                "extra": extra(first) if extra else {}}

    @pytest.fixture(scope="module", name="base")
    def base_fixture(shared_app):
        yield from built_once(shared_app, build)

    @pytest.fixture(name="world")
    def world_fixture(app, base) -> World:
        return world_from_ids(base["world"])

    @pytest.fixture(name="other_world")
    def other_world_fixture(app, base, world) -> World:
        return world_from_ids(base["other"])

    @pytest.fixture(name="extra")
    def extra_fixture(base) -> dict[str, int]:
        return dict(base["extra"])

    return base_fixture, world_fixture, other_world_fixture, extra_fixture


@pytest.fixture
def world(app) -> World:
    """GIC 65-like groupement with establishments A, B, C (built once for the tests
    that follow each other with the same worlds: see ``_open_worlds``)."""
    if _WORLDS:
        return world_from_ids(_WORLDS["ids"]["world"])
    return build_world()


@pytest.fixture
def other_world(app, world) -> World:
    """A second, fully separate groupement (different rate)."""
    if _WORLDS:
        return world_from_ids(_WORLDS["ids"]["other"])
    return build_world(**OTHER_WORLD)


def login(client, user: User, password: str = PASSWORD):
    """Log ``user`` in through the real login form."""
    return client.post("/login", data={"email": user.email, "password": password},
                       follow_redirects=False)


def signed_in(client, user: User) -> None:
    """Open ``user``'s session in ``client`` as the login view does after checking the
    password (``gic.auth.services.open_session``), without the form: most tests only
    need someone logged in, and the form costs a password hash, the throttle's
    queries and a redirect (~5 % of the suite). The login form itself has its tests
    (tests/security/test_login_safety.py, tests/views/test_user_lifecycle.py…;
    ``login`` and ``csrf_login`` here go through it)."""
    with client.application.test_request_context(environ_base=client.environ_base):
        open_session(user)
        opened = dict(session)
    with client.session_transaction() as kept:
        kept.clear()
        kept.update(opened)


def client_for(app: Flask, user: User | None):
    """A test client, logged in as ``user`` (:func:`signed_in`) unless None."""
    client = app.test_client()
    if user is not None:
        signed_in(client, user)
    return client
