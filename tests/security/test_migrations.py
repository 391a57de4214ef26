"""The Alembic migrations, run for real on the test database's engine (SQLite, and
PostgreSQL when ``GIC_TEST_DATABASE_URL`` is one): from an empty schema to head,
back to the first migration and up again with the demo data in, down to base,
up again, and no drift between the models and the migrated schema.

Each test works in a database of its own (a temporary SQLite file, or a
``<suite database>_gic_migrations_test_<worker>`` database created next to the
suite's PostgreSQL one and dropped at the end): the suite's shared database is
never downgraded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, make_url, select, table, text

from gic import ROOT
from gic.extensions import db
from tests.conftest import make_app

pytestmark = pytest.mark.slow

KIND = "postgresql" if os.environ.get("GIC_TEST_DATABASE_URL", "").startswith("postgres") \
    else "sqlite"  # the suite's engine


@contextmanager
def scratch_database(kind: str, name: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``kind``, separate from the suite's one.

    SQLite: a file in ``folder``. PostgreSQL: database ``name`` created (through an
    autocommit connection) on the server of ``GIC_TEST_DATABASE_URL`` and dropped
    at the end, even if a connection was left open; skipped when the suite does
    not run on PostgreSQL.
    """
    if kind == "sqlite":
        yield "sqlite:///" + str(folder / f"{name}.sqlite3")
        return
    base = os.environ.get("GIC_TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("PostgreSQL : la suite tourne sur SQLite (GIC_TEST_DATABASE_URL)")
    url = make_url(base)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    # One per suite database and pytest-xdist worker: two workers (or two suites on
    # one server) never drop each other's scratch database.
    name = f"{url.database}_{name}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        drop()  # left behind by an aborted run
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        server.dispose()


@contextmanager
def app_on(url: str, folder: Path):
    """An app context on ``url``; its connections are closed at the end."""
    app = make_app(url, MAIL_OUTBOX=str(folder / "outbox"))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def scratch_url(tmp_path) -> Iterator[str]:
    """A separate, empty database on the suite's engine."""
    with scratch_database(KIND, "gic_migrations_test", tmp_path) as url:
        yield url


def revisions() -> list[str]:
    """The migration chain, first to head."""
    script = ScriptDirectory(str(ROOT / "migrations"))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def tables() -> set[str]:
    """The tables that exist now in the database."""
    db.session.commit()
    return set(inspect(db.engine).get_table_names())


def row_counts(names) -> dict[str, int]:
    """Rows of each named table (no transaction is left open: migrations need the locks)."""
    db.session.rollback()
    counts = {name: db.session.scalar(select(func.count()).select_from(table(name)))
              for name in sorted(names)}
    db.session.rollback()
    return counts


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_drift() -> list:
    """What ``alembic check`` compares: the models against the migrated schema."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def load_demo() -> None:
    from gic.demo import load_demo as load
    result = load()
    assert result.created == ["GIC 65", "GCSMS Démo", "GCSMS ISI Démo"] and result.skipped == []


def test_the_chain_is_linear_and_starts_from_nothing():
    chain = revisions()
    assert len(chain) >= 5 and len(set(chain)) == len(chain)
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert script.get_heads() == [chain[-1]]  # one head: no forgotten branch
    assert script.get_revision(chain[0]).down_revision is None


def test_upgrade_downgrade_upgrade_with_the_demo_data(scratch_url, tmp_path):
    chain = revisions()
    with app_on(scratch_url, tmp_path):
        model_tables = {t.name for t in db.metadata.sorted_tables}
        assert tables() == set()  # an empty schema

        upgrade()  # base -> head
        assert current_revision() == chain[-1]
        assert tables() == model_tables | {"alembic_version"}
        assert schema_drift() == []

        load_demo()
        full = row_counts(model_tables)
        assert full["intervention"] > 20 and full["intervention_session"] > 40
        assert full["meeting"] > 0 and full["bilan_version"] > 0 and full["audit_entry"] > 0

        # Down to the first migration with the data in, then up to head again:
        # the first migration's tables keep every row.
        downgrade(revision=chain[0])
        assert current_revision() == chain[0]
        first = tables() - {"alembic_version"}
        assert {"groupement", "intervention", "intervention_session", "audit_entry"} <= first
        assert first < model_tables
        kept = row_counts(first)
        assert kept == {name: full[name] for name in first}
        upgrade()
        assert current_revision() == chain[-1]
        assert row_counts(first) == kept
        assert schema_drift() == []

        downgrade(revision="base")  # with data in every table of the first migration
        assert tables() == {"alembic_version"}
        assert row_counts({"alembic_version"}) == {"alembic_version": 0}
        assert current_revision() is None

        upgrade()
        assert current_revision() == chain[-1]
        assert set(row_counts(model_tables).values()) == {0}
        assert schema_drift() == []
        load_demo()
        assert row_counts(model_tables) == full  # the demo is deterministic for a given day


def test_each_migration_downgrades_and_upgrades_one_step_at_a_time(scratch_url, tmp_path):
    """Every step both ways, alone: a broken downgrade of one revision is named."""
    chain = revisions()
    with app_on(scratch_url, tmp_path):
        for revision in chain:
            upgrade(revision=revision)
            assert current_revision() == revision
        for previous, revision in reversed(list(zip(["base", *chain[:-1]], chain, strict=True))):
            downgrade(revision=previous)
            assert current_revision() == (None if previous == "base" else previous)
            upgrade(revision=revision)
            assert current_revision() == revision
            downgrade(revision=previous)
        assert tables() == {"alembic_version"}
