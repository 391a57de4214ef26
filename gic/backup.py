"""Online backups and restores of the database: ``flask --app gic backup`` / ``restore``.

- SQLite: the copy is made with SQLite's backup API (``sqlite3.Connection.backup``)
  in one step, i.e. inside one read transaction: a consistent snapshot taken while
  the application keeps writing (WAL mode: readers never block the writer). The
  copy is checked (``PRAGMA integrity_check``) and made self-contained (rollback
  journal, no ``-wal`` file). Restoring goes the other way, again through the
  backup API, into the live file, so that other processes' connections see the
  restored data instead of a file swapped under them.
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
  --no-owner`` in one transaction, then the tables the backup did not have are
  dropped. The URL's credentials go through the environment (``PGPASSWORD``…),
  never on the command line (visible in ``ps``).

A backup is first written next to its destination under a temporary name, then
renamed: a backup interrupted half-way never looks like a complete one. It holds
personal data and password hashes: only its owner may read it (mode 0600).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from gic import timeutil
from gic.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"  # first bytes of a pg_dump custom-format archive
EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".dump"}
KIND_LABELS = {"sqlite": "une base SQLite", "postgresql": "une sauvegarde PostgreSQL (pg_dump)"}
PG_TIMEOUT_SECONDS = 3600
PG_LIB = Path("/usr/lib/postgresql")  # Debian/Ubuntu: <version>/bin/pg_dump
# A table in ``pg_restore --list``: "214; 1259 17287 TABLE public alembic_version postgres".
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", re.MULTILINE)
# libpq environment variables for the URL's query parameters we pass on.
PG_QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
                "application_name": "PGAPPNAME", "options": "PGOPTIONS"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator (French)."""


def database_kind(url: URL | None = None) -> str:
    """``"sqlite"`` or ``"postgresql"`` for the configured database (BackupError otherwise)."""
    url = url or db.engine.url
    kind = url.get_backend_name()
    if kind not in EXTENSIONS:
        raise BackupError(f"Sauvegarde impossible : base « {kind} » non prise en charge "
                          "(SQLite ou PostgreSQL seulement).")
    return kind


def default_path(now: datetime | None = None) -> Path:
    """``instance/backups/gic-<UTC timestamp>.sqlite3`` (or ``.dump`` for PostgreSQL)."""
    stamp = (now or timeutil.utcnow()).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(current_app.instance_path) / "backups"
    return folder / f"gic-{stamp}{EXTENSIONS[database_kind()]}"


def backup(path: Path | str | None = None) -> Path:
    """Write a consistent copy of the configured database to ``path`` and return it.

    ``path`` may be a file, a folder (the default name is used in it) or None
    (:func:`default_path`). An existing file is replaced only once the new copy
    is complete.
    """
    kind = database_kind()
    live = _sqlite_file() if kind == "sqlite" else None
    target = default_path() if path is None else Path(path)
    if target.is_dir():
        target = target / default_path().name
    target = target.resolve()
    if live is not None and not live.is_file():
        raise BackupError(f"Base SQLite introuvable : {live}")
    if target == live:
        raise BackupError("La sauvegarde ne peut pas remplacer la base elle-même : "
                          "choisissez un autre fichier.")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # owner only
    try:
        if live is not None:
            try:
                _sqlite_backup(live, partial)
            except sqlite3.Error as error:
                raise BackupError(f"Sauvegarde SQLite impossible : {error}") from None
        else:
            _pg_dump(db.engine.url, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(path: Path | str) -> None:
    """Replace every row of the configured database by the backup at ``path``.

    Refuses (BackupError) a file that is not a backup of the configured kind of
    database. The app's own connections are closed first; the schema comes with
    the backup (its migration revision included).
    """
    kind = database_kind()
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"Fichier introuvable : {source}")
    found = backup_kind(source)
    if found is None:
        raise BackupError(f"{source} n'est pas une sauvegarde de GIC : ni une base SQLite, "
                          "ni une archive pg_dump au format custom.")
    if found != kind:
        raise BackupError(f"{source} est {KIND_LABELS[found]}, mais la base configurée est "
                          f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'} : restauration "
                          "refusée.")
    db.session.remove()
    db.engine.dispose()  # no connection of ours stays open on the old data
    if kind == "sqlite":
        try:
            _sqlite_restore(source, _sqlite_file())
        except sqlite3.Error as error:
            raise BackupError(f"Restauration SQLite impossible : {error}") from None
    else:
        _pg_restore(db.engine.url, source)


def backup_kind(path: Path) -> str | None:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes, None if neither."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


# --- SQLite -------------------------------------------------------------------

def _sqlite_file() -> Path:
    database = db.engine.url.database
    if database in (None, "", ":memory:") or database.startswith("file:"):
        raise BackupError("Sauvegarde impossible : la base SQLite configurée n'est pas un "
                          "fichier (base en mémoire ?).")
    return Path(database).resolve()


def _sqlite_backup(live: Path, partial: Path) -> None:
    source = sqlite3.connect(live, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # pages=-1: the whole base in one step, one snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"Copie SQLite incohérente ({result}) : sauvegarde abandonnée.")
    finally:
        copy.close()
        source.close()


def _sqlite_restore(source_path: Path, live: Path) -> None:
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise BackupError(f"{source_path} est une base SQLite, mais pas une base de GIC "
                              "(table alembic_version absente) : restauration refusée.")
        live.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(live, timeout=30)
        try:
            source.backup(target)  # one write transaction on the live file
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL ------------------------------------------------------------------

def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest
    ``/usr/lib/postgresql/<version>/bin`` (Debian, Ubuntu)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(PG_LIB.glob(f"*/bin/{name}"),
                        key=lambda p: _version_key(p.parent.parent.name), reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} introuvable : installez les outils clients PostgreSQL "
                      "(paquet Debian « postgresql-client ») ou ajoutez-les au PATH.")


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))


def pg_environment(url: URL) -> dict[str, str]:
    """libpq variables for ``url``: host, port, user, password and database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    values = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    for name, variable in PG_QUERY_ENV.items():
        values[variable] = url.query.get(name)
    if url.query.get("host"):  # a Unix socket folder given as ?host=/run/postgresql
        values["PGHOST"] = url.query["host"]
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return env


def _run_pg(arguments: list[str], url: URL, action: str) -> None:
    try:
        result = subprocess.run(arguments, env=pg_environment(url), capture_output=True,
                                text=True, timeout=PG_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{action} : délai de {PG_TIMEOUT_SECONDS} s dépassé.") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{action} : échec de {Path(arguments[0]).name} "
                          f"(code {result.returncode}).\n{detail}")


def _pg_dump(url: URL, partial: Path) -> None:
    _run_pg([pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"],
            url, "Sauvegarde PostgreSQL")


def _pg_restore(url: URL, source: Path) -> None:
    # --dbname is only the database's name: host, user and password come from the environment.
    _run_pg([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-password",
             "--single-transaction", "--exit-on-error", f"--dbname={url.database}",
             str(source)], url, "Restauration PostgreSQL")
    _drop_tables_not_in(_archived_tables(source))


def _archived_tables(source: Path) -> set[tuple[str, str]]:
    """(schema, table) of each table in a pg_dump archive (``pg_restore --list``
    reads the file only: no connection)."""
    result = subprocess.run([pg_tool("pg_restore"), "--list", str(source)],
                            capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS,
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"Archive illisible : {result.stderr.strip()[-2000:]}")
    return {(m[1], m[2]) for m in TOC_TABLE.finditer(result.stdout)}


def _drop_tables_not_in(archived: set[tuple[str, str]]) -> None:
    """Drop the tables the backup did not have (e.g. made by a later migration), so
    that the restored base is the backup's schema, ready for ``db upgrade`` again.
    ``--clean`` only replaces the archive's own objects."""
    with db.engine.begin() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
        for name in sorted(set(inspect(connection).get_table_names(schema=schema))):
            if (schema, name) not in archived:
                connection.execute(text(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE'))
    db.engine.dispose()
