"""Engine settings that make SQLite behave under concurrent requests."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL (readers don't block the writer), foreign keys on, busy timeout.
    PostgreSQL: no JIT compilation (see below)."""
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _postgresql_settings(dbapi_connection, _record):  # noqa: ANN001
            # The yearly billing and bilan of a big groupement are estimated costly
            # enough for PostgreSQL's JIT, whose compilation then takes longer than
            # the query itself (bench/RESULTS.md: ~0.3 s more on a 0.5 s query).
            cursor = dbapi_connection.cursor()
            cursor.execute("SET jit = off")
            cursor.close()
            dbapi_connection.commit()
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
