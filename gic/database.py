"""Engine settings that make SQLite behave under concurrent requests, what a
transaction may remember (:func:`memo`), and how enumerations are stored
(:func:`enum_type`)."""

import enum

from sqlalchemy import Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapper, Session

from gic.extensions import db


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


# --- Enumerations stored by value ---------------------------------------------------

def enum_type(kind: type[enum.StrEnum], length: int) -> Enum:
    """The column type of a ``StrEnum``: a plain ``VARCHAR(length)`` holding the
    member's value (the schema the migrations made: no native enum, no new CHECK),
    loaded back as the member, so ``intervention.state.label`` just works."""
    return Enum(kind, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members],
                create_constraint=False)


@event.listens_for(Mapper, "mapper_configured")
def _members_on_set(mapper: Mapper, cls: type) -> None:
    """A value set on an enum column becomes the member at once (``state="draft"``
    reads back ``State.DRAFT`` before any flush; an unknown value is a ValueError)."""
    for prop in mapper.column_attrs:
        kind = getattr(prop.columns[0].type, "enum_class", None)
        if kind is not None:
            event.listen(getattr(cls, prop.key), "set", _to_member(kind), retval=True)


def _to_member(kind: type[enum.StrEnum]):  # noqa: ANN202
    def convert(_target, value, _old, _initiator):  # noqa: ANN001, ANN202
        return value if value is None or isinstance(value, kind) else kind(value)
    return convert


# --- What a transaction may remember ------------------------------------------------

_MEMO = "gic.memo"


def memo(name: str) -> dict:
    """A dict the session keeps for the current transaction only (emptied at each
    commit and rollback): facts a request reads many times and rarely changes, such
    as a groupement's convention versions or the stand-ins in force, are read once
    per transaction and are fresh after each commit."""
    return db.session.info.setdefault(_MEMO, {}).setdefault(name, {})


def forget(name: str, session: Session | None = None) -> None:
    """Empty one memo now (the transaction changed what it holds)."""
    (session or db.session).info.get(_MEMO, {}).pop(name, None)


def forget_all(session: Session | None = None) -> None:
    """Empty every memo now (a test's requests share one session: each starts fresh)."""
    (session or db.session).info.pop(_MEMO, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_all(session: Session, *_args) -> None:
    session.info.pop(_MEMO, None)


# --- Committing a step whose objects are read next ---------------------------------

def commit_keeping() -> None:
    """Commit without expiring the session's objects.

    A commit normally expires every loaded object, so the next attribute read
    reloads it (one SELECT per object). A workflow step that commits and then
    tells people about what it just wrote (the request, its establishments, the
    actor) would read back its own writes: its objects hold exactly what was
    committed. Anything read under a lock is refreshed explicitly
    (``db.session.refresh``), never through expiry.
    """
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
