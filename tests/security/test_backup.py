"""Backups and restores (``flask --app gic backup`` / ``restore``): a round trip that
compares every row of every table, a backup taken while sessions are being
written, the refusals, and how PostgreSQL's tools are called.

The round trips run on the suite's kind of database: SQLite in the SQLite run,
PostgreSQL in the PostgreSQL run (``scripts/test`` makes both), each in a database
of its own (see ``scratch_database``).
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
from contextlib import closing
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from gic import backup as backup_module
from gic.audit.models import AuditEntry
from gic.backup import BackupError
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession
from gic.models import Groupement, User
from tests.conftest import build_world, make_app
from tests.helpers import accepted
from tests.security.test_migrations import KIND, app_on, scratch_database

# A backup reads, and a restore replaces, what was committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

STAMPED = r"gic-\d{8}T\d{6}Z"


@pytest.fixture(params=[KIND])
def scratch(request, tmp_path, monkeypatch):
    """An app on a new database of its own, migrated to head, its instance folder in tmp."""
    with scratch_database(request.param, "gic_backup_test", tmp_path) as url, \
            app_on(url, tmp_path) as app:
        app.instance_path = str(tmp_path / "instance")
        upgrade()
        yield app


def all_rows() -> dict[str, list[tuple]]:
    """Every row of every table of the database (Alembic's too), ordered by primary key."""
    db.session.remove()
    rows = {}
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        for name in sorted(inspector.get_table_names()):
            columns = [c["name"] for c in inspector.get_columns(name)]
            keys = inspector.get_pk_constraint(name)["constrained_columns"] or columns
            order = ", ".join(f'"{c}"' for c in keys)
            rows[name] = [tuple(r) for r in connection.execute(
                text(f'SELECT * FROM "{name}" ORDER BY {order}'))]
    return rows


def printed_path(result) -> Path:
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.is_file() and path.is_absolute()
    return path


# --- the round trip ---------------------------------------------------------------------

def test_round_trip_restores_every_row_of_every_table(scratch, tmp_path):
    runner = scratch.test_cli_runner()
    kind = db.engine.dialect.name
    assert runner.invoke(args=["demo"]).exit_code == 0
    saved = all_rows()
    assert len(saved) > 20 and "alembic_version" in saved
    assert len(saved["intervention_session"]) > 40 and len(saved["meeting"]) > 0

    path = printed_path(runner.invoke(args=["backup"]))  # the default place and name
    assert path.parent == Path(scratch.instance_path) / "backups"
    assert path.name.endswith(".sqlite3" if kind == "sqlite" else ".dump")
    assert re.fullmatch(STAMPED + r"\.(sqlite3|dump)", path.name)
    assert not list(path.parent.glob(".*partial"))  # no temporary file left behind
    assert path.stat().st_mode & 0o777 == 0o600  # personal data: its owner only

    # Everything changes after the backup: deletions, updates, insertions.
    db.session.execute(text("DELETE FROM intervention_session WHERE id % 2 = 0"))
    db.session.execute(text("DELETE FROM audit_entry"))
    db.session.execute(text("UPDATE \"user\" SET name = 'Écrasé', password_hash = 'x'"))
    db.session.add(Groupement(name="Ajouté après la sauvegarde"))
    # The schema too (say, a later migration): a table gone, a table added.
    db.session.execute(text("DROP TABLE job_run"))
    db.session.execute(text("CREATE TABLE added_later (id INTEGER PRIMARY KEY)"))
    db.session.execute(text("INSERT INTO added_later (id) VALUES (1)"))
    db.session.commit()
    changed = all_rows()
    assert changed != saved and changed["audit_entry"] == []
    assert "job_run" not in changed and changed["added_later"] == [(1,)]

    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code == 1
    assert "Restauration refusée sans --yes" in refused.output
    assert all_rows() == changed  # nothing touched

    restored = runner.invoke(args=["restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert f"Base restaurée depuis {path}" in restored.output
    after = all_rows()
    assert after.keys() == saved.keys()
    for name in saved:
        assert after[name] == saved[name], name

    # The app works on the restored base: a demo user logs in, new ids follow the old ones.
    response = scratch.test_client().post(
        "/login", data={"email": "coordination@gic65.test", "password": "gic-demo"})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    newcomer = Groupement(name="Après la restauration")
    db.session.add(newcomer)
    db.session.commit()
    assert newcomer.id > max(row[0] for row in saved["groupement"])


def test_backup_to_a_named_file_or_folder(scratch, tmp_path):
    runner = scratch.test_cli_runner()
    build_world()
    named = printed_path(runner.invoke(args=["backup", str(tmp_path / "out" / "nightly.bak")]))
    assert named == (tmp_path / "out" / "nightly.bak").resolve()
    again = printed_path(runner.invoke(args=["backup", str(tmp_path / "out" / "nightly.bak")]))
    assert again == named  # replaced, once the new copy was complete
    in_folder = printed_path(runner.invoke(args=["backup", str(tmp_path / "out")]))
    assert in_folder.parent == named.parent
    assert re.fullmatch(STAMPED + r"\.(sqlite3|dump)", in_folder.name)
    assert backup_module.backup_kind(named) == backup_module.backup_kind(in_folder) \
        == db.engine.dialect.name


# --- a backup while the app writes ------------------------------------------------------

def test_a_backup_taken_while_sessions_are_written_is_consistent(scratch, tmp_path):
    """A writer logs a session per transaction (the session and its audit entry commit
    together) while the backup runs: the copy holds whole transactions only."""
    kind = db.engine.dialect.name
    world = build_world()
    intervention_id = accepted(world, "A", "B").id
    db.session.commit()
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def writer() -> None:
        with scratch.app_context():
            try:
                i = db.session.get(Intervention, intervention_id)
                technician = db.session.get(User, i.technician_id)
                day, slot = date(2025, 1, 6), 0
                while not stop.is_set() and len(written) < 2000:
                    start = time(8 + slot // 4, 15 * (slot % 4))
                    end = time(8 + (slot + 1) // 4, 15 * ((slot + 1) % 4))
                    written.append(services.log_session(
                        i, technician, day=day, start=start, end=end, mode="remote").id)
                    slot = (slot + 1) % 36
                    day += timedelta(days=1) if slot == 0 else timedelta(0)
            except BaseException as error:  # noqa: BLE001 - reported to the test
                failures.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 30 and thread.is_alive():
            stop.wait(0.01)
        before = len(written)
        path = backup_module.backup(tmp_path / "during")
        after = len(written)
        while len(written) < after + 10 and thread.is_alive():
            stop.wait(0.01)  # the writer went on after the backup
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures and not thread.is_alive()
    assert len(written) > after

    if kind == "sqlite":
        copy = sqlite3.connect(path)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            sessions = copy.execute("SELECT count(*) FROM intervention_session").fetchone()[0]
            audited = copy.execute("SELECT count(*) FROM audit_entry "
                                   "WHERE action = 'session.create'").fetchone()[0]
        finally:
            copy.close()
    else:  # restored into another database, then counted there
        with scratch_database("postgresql", "gic_backup_copy_test", tmp_path) as url, \
                app_on(url, tmp_path):
            backup_module.restore(path)
            sessions = db.session.scalar(select(func.count(InterventionSession.id)))
            audited = db.session.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "session.create"))
    assert sessions == audited  # no session without its audit entry, nor the reverse
    assert before <= sessions <= after + 1  # a snapshot taken during the backup call


# --- refusals ------------------------------------------------------------------------------

def test_restore_refuses_a_file_of_the_wrong_kind_and_changes_nothing(app, world, runner,
                                                                      tmp_path):
    kind = db.engine.dialect.name
    text_file = tmp_path / "notes.txt"
    text_file.write_text("pas une sauvegarde\n")
    pg_dump_file = tmp_path / "gic.dump"
    pg_dump_file.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    sqlite_file = tmp_path / "gic.sqlite3"
    other_sqlite = tmp_path / "other.sqlite3"
    for path, table in ((sqlite_file, "alembic_version"), (other_sqlite, "recettes")):
        with closing(sqlite3.connect(path)) as connection:
            connection.execute(f"CREATE TABLE {table} (name TEXT)")
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    before = all_rows()

    expected = {text_file: "n'est pas une sauvegarde de GIC : ni une base SQLite, ni une "
                           "archive pg_dump au format custom."}
    if kind == "sqlite":
        expected[pg_dump_file] = ("est une sauvegarde PostgreSQL (pg_dump), mais la base "
                                  "configurée est SQLite : restauration refusée.")
        expected[other_sqlite] = ("est une base SQLite, mais pas une base de GIC (table "
                                  "alembic_version absente) : restauration refusée.")
    else:
        expected[sqlite_file] = ("est une base SQLite, mais la base configurée est "
                                 "PostgreSQL : restauration refusée.")
    for path, message in expected.items():
        result = runner.invoke(args=["restore", str(path), "--yes"])
        assert result.exit_code == 1, result.output
        assert f"Error: {path} {message}" in result.output
    if kind == "sqlite":  # the right magic, then garbage: a clean error, no traceback
        result = runner.invoke(args=["restore", str(corrupt), "--yes"])
        assert result.exit_code == 1 and result.exception.__class__ is SystemExit
        assert "Error: Restauration SQLite impossible : file is not a database" in result.output
    missing = runner.invoke(args=["restore", str(tmp_path / "absent.dump"), "--yes"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert all_rows() == before


def test_backup_refuses_an_in_memory_base_and_its_own_file(tmp_path):
    app = make_app("sqlite://")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path)])
        assert result.exit_code == 1
        assert "la base SQLite configurée n'est pas un fichier" in result.output
    live = tmp_path / "live.sqlite3"
    app = make_app(f"sqlite:///{live}")
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["backup", str(live)])
        assert result.exit_code == 1
        assert "ne peut pas remplacer la base elle-même" in result.output
        assert db.session.execute(text("SELECT count(*) FROM t")).scalar() == 0
        db.session.remove()
        db.engine.dispose()


# --- how pg_dump and pg_restore are called ------------------------------------------------

PG_URL = "postgresql+psycopg://gic:s3cr%C3%A9t@db.exemple.test:6543/gic_prod?sslmode=require"


class Calls(list):
    """The (arguments, environment) of each call; ``fail_code`` is the exit code returned."""

    fail_code = 0

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[set] = []  # the archive's tables, after each restore


@pytest.fixture
def pg_calls(monkeypatch, tmp_path):
    """An app configured for a remote PostgreSQL; pg_dump/pg_restore replaced by a
    recorder (the real tools run in the round trip above)."""
    calls = Calls()

    def run(arguments, env=None, **kwargs):
        calls.append((arguments, env))
        for argument in arguments:
            if argument.startswith("--file="):
                Path(argument.removeprefix("--file=")).write_bytes(b"PGDMP fake archive")
        listing = ("214; 1259 17287 TABLE public alembic_version postgres\n"
                   "224; 1259 17345 TABLE public user postgres\n"
                   "3540; 0 17345 TABLE DATA public user postgres\n")
        return subprocess.CompletedProcess(arguments, calls.fail_code,
                                           listing if "--list" in arguments else "",
                                           "pg_dump: error: connection refused")

    monkeypatch.setattr(backup_module.subprocess, "run", run)
    monkeypatch.setattr(backup_module, "pg_tool", lambda name: f"/opt/pg/bin/{name}")
    monkeypatch.setattr(backup_module, "_drop_tables_not_in", calls.kept.append)
    app = make_app(PG_URL)
    with app.app_context():
        yield calls


def test_pg_credentials_go_through_the_environment_never_the_command_line(pg_calls,
                                                                          tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("PGHOST", "ailleurs.test")  # the URL wins over a stray environment
    path = backup_module.backup(tmp_path / "prod.dump")
    assert path.read_bytes().startswith(b"PGDMP")
    backup_module.restore(path)
    [(dump, _), (restore, _), (listing, _)] = pg_calls
    assert listing == ["/opt/pg/bin/pg_restore", "--list", str(path)]
    assert pg_calls.kept == [{("public", "alembic_version"), ("public", "user")}]
    assert dump[0] == "/opt/pg/bin/pg_dump" and "--format=custom" in dump
    assert restore[0] == "/opt/pg/bin/pg_restore"
    assert {"--clean", "--if-exists", "--no-owner", "--dbname=gic_prod"} <= set(restore)
    assert restore[-1] == str(path)
    for arguments, env in pg_calls[:2]:  # the two that connect
        assert not any("s3cr" in a or "gic:" in a or "exemple" in a for a in arguments)
        assert "--no-password" in arguments  # never waits for a prompt (cron)
        assert env["PGPASSWORD"] == "s3crét" and env["PGUSER"] == "gic"
        assert env["PGHOST"] == "db.exemple.test" and env["PGPORT"] == "6543"
        assert env["PGDATABASE"] == "gic_prod" and env["PGSSLMODE"] == "require"


def test_a_failing_pg_dump_is_reported_and_leaves_no_file(pg_calls, tmp_path):
    pg_calls.fail_code = 1
    with pytest.raises(BackupError, match="échec de pg_dump \\(code 1\\)") as error:
        backup_module.backup(tmp_path / "prod.dump")
    assert "connection refused" in str(error.value)
    assert list(tmp_path.glob("*prod.dump*")) == []


def test_pg_tools_are_found_on_path_or_in_the_newest_debian_folder(monkeypatch, tmp_path):
    for version in ("9.6", "15", "16"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setattr(backup_module, "PG_LIB", tmp_path)
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    assert backup_module.pg_tool("pg_dump") == str(tmp_path / "16" / "bin" / "pg_dump")
    with pytest.raises(BackupError, match="pg_restore introuvable"):
        backup_module.pg_tool("pg_restore")
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert backup_module.pg_tool("pg_dump") == "/usr/bin/pg_dump"
