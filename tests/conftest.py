"""Shared fixtures: an app on a migrated database (SQLite or PostgreSQL), emptied
after every test, and a small GIC 65-like world to act in.

The database is chosen by ``GIC_TEST_DATABASE_URL`` (``scripts/test`` runs the
suite once on SQLite and once on a throwaway PostgreSQL server); without it, a
SQLite file in a temporary folder. Migrations run once per test session (the
tests run the real Alembic migrations); each test then starts from empty tables.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from flask import g, request_started
from sqlalchemy import text

from gic import create_app
from gic.extensions import db
from gic.models import ConventionVersion, Establishment, Groupement, Role, User

PASSWORD = "gic-test-password"
# Outbox of apps made outside the ``app`` fixture (which gives each test its own).
OUTBOX = tempfile.mkdtemp(prefix="gic-outbox-")
atexit.register(shutil.rmtree, OUTBOX, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database URL, migrated to head once."""
    url = os.environ.get("GIC_TEST_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
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
    """A test app on the shared database (CSRF off unless asked: see test_csrf)."""
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test", "SERVER_NAME": None,
              "MAIL_OUTBOX": OUTBOX}
    config.update(overrides)
    return create_app(config)


def empty_tables() -> None:
    """Delete every row (children first); PostgreSQL also resets the id sequences."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for t in tables:
            db.session.execute(text(f'DELETE FROM "{t}"'))
    db.session.commit()


def _fresh_g(sender, **extra) -> None:
    """Empty ``flask.g`` at each request, as in production.

    The ``app`` fixture keeps one app context pushed for the whole test, so test
    client requests share it and its ``g``, where Flask-Login caches the loaded
    user: without this, a second client would act as the first one's user.
    """
    for key in list(vars(g)):
        delattr(g, key)


@pytest.fixture
def app(database_url, tmp_path):
    """The app with an application context pushed, on empty tables, its own outbox."""
    app = make_app(database_url, MAIL_OUTBOX=str(tmp_path / "outbox"))
    request_started.connect(_fresh_g, app)
    with app.app_context():
        yield app
        db.session.rollback()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


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


def add_user(groupement: Groupement, email: str, role: Role,
             establishment: Establishment | None = None, name: str | None = None) -> User:
    """A user with the test password (hashing is the slow part: cheap method)."""
    from werkzeug.security import generate_password_hash
    user = User(groupement_id=groupement.id, email=email, name=name or email.split("@")[0],
                role=role, establishment_id=establishment.id if establishment else None,
                password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    db.session.add(user)
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
        e = Establishment(groupement_id=groupement.id, name=f"Établissement {letter}",
                          finess=f"65000{zlib.crc32(domain.encode()) % 1000:03d}{n}")
        db.session.add(e)
        db.session.flush()
        world.establishments[letter] = e
        world.directors[letter] = add_user(groupement, f"dir.{letter.lower()}@{domain}.test",
                                           Role.DIRECTOR, e, f"Direction {letter}")
        world.technicians[letter] = add_user(groupement, f"tech.{letter.lower()}@{domain}.test",
                                             Role.TECHNICIAN, e, f"Technicien {letter}")
    world.coordinator = add_user(groupement, f"coord@{domain}.test", Role.COORDINATOR)
    world.accountant = add_user(groupement, f"compta@{domain}.test", Role.ACCOUNTANT)
    db.session.commit()
    return world


@pytest.fixture
def world(app) -> World:
    """GIC 65-like groupement with establishments A, B, C."""
    return build_world()


@pytest.fixture
def other_world(app, world) -> World:
    """A second, fully separate groupement (different rate)."""
    return build_world(name="GCSMS Démo", domain="demo", rate="30.00", letters="XY")


def login(client, user: User, password: str = PASSWORD):
    """Log ``user`` in through the real login form."""
    return client.post("/login", data={"email": user.email, "password": password},
                       follow_redirects=False)
