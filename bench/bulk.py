"""Bulk loading of generated rows: COPY on PostgreSQL, Core executemany on SQLite.

Rows are tuples in the order of the table's listed columns (ids included, so
that the generator links rows without reading anything back). Nothing the app
relies on is disabled: constraints, foreign keys and indexes stay as the
migrations made them; only the loading connection trades durability for speed
(``synchronous=OFF`` on SQLite, ``synchronous_commit=off`` on PostgreSQL),
which affects no other connection. After loading, the id sequences of
PostgreSQL are moved past the ids used, and PostgreSQL's tables are vacuumed
and analysed (what autovacuum does on its own a moment after a big load).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, Column, MetaData, Table, text
from sqlalchemy.engine import Connection, Engine

from gic.extensions import db

CHUNK = 20_000


class BulkWriter:
    """Appends rows to tables through one connection, chunk by chunk."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.connection: Connection = engine.connect()
        if self.postgresql:
            self.connection.exec_driver_sql("SET synchronous_commit = off")
        else:
            self.connection.exec_driver_sql("PRAGMA synchronous = OFF")
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._tables: dict[tuple, Table] = {}
        self._inserts: dict[tuple, tuple] = {}
        self.max_ids: dict[str, int] = {}

    def table(self, name: str, columns: Sequence[str]) -> Table:
        """Table ``name`` reduced to ``columns``, with the models' types and no defaults.

        Only the listed columns are sent: any other column takes the default the
        migrations gave it (the models' Python-side defaults are not applied).
        """
        key = (name, tuple(columns))
        if key not in self._tables:
            model = db.metadata.tables[name]
            self._tables[key] = Table(name, MetaData(),
                                      *(Column(c, model.c[c].type) for c in columns))
        return self._tables[key]

    def write(self, name: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert ``rows`` (tuples in ``columns`` order) into table ``name``; how many."""
        table = self.table(name, columns)
        json_positions = [n for n, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        id_position = columns.index("id") if "id" in columns else None
        count = 0
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                self._flush(table, columns, chunk, json_positions)
                count += len(chunk)
                if id_position is not None:
                    self._note_id(name, chunk, id_position)
                chunk = []
        if chunk:
            self._flush(table, columns, chunk, json_positions)
            count += len(chunk)
            if id_position is not None:
                self._note_id(name, chunk, id_position)
        self.counts[name] = self.counts.get(name, 0) + count
        return count

    def _note_id(self, name: str, chunk: list[tuple], position: int) -> None:
        top = max(row[position] for row in chunk)
        self.max_ids[name] = max(self.max_ids.get(name, 0), top)

    def _flush(self, table: Table, columns: Sequence[str], chunk: list[tuple],
               json_positions: list[int]) -> None:
        started = time.perf_counter()
        try:
            self._send(table, columns, chunk, json_positions)
        finally:
            self.seconds[table.name] = (self.seconds.get(table.name, 0.0)
                                        + time.perf_counter() - started)

    def _send(self, table: Table, columns: Sequence[str], chunk: list[tuple],
              json_positions: list[int]) -> None:
        if self.postgresql:
            self._copy(table, columns, chunk, json_positions)
        else:
            self._executemany(table, columns, chunk)

    def _executemany(self, table: Table, columns: Sequence[str], chunk: list[tuple]) -> None:
        """Core executemany with the values converted by the columns' own SQLAlchemy
        types (dates, times, decimals, JSON stored exactly as the app stores them);
        the conversions are done once per distinct value, not per row."""
        key = (table.name, tuple(columns))
        if key not in self._inserts:
            dialect = self.engine.dialect
            processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
                          for c in columns]
            placeholders = ", ".join("?" for _ in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            # None is SQL NULL, except in JSON columns: JSON null, as the app stores it.
            self._inserts[key] = (f'INSERT INTO "{table.name}" ({names}) VALUES ({placeholders})',
                                  [(n, p, isinstance(table.c[columns[n]].type, JSON))
                                   for n, p in enumerate(processors) if p is not None])
        statement, processors = self._inserts[key]
        if processors:
            caches = [{} for _ in processors]
            converted = []
            for row in chunk:
                row = list(row)
                for (n, process, is_json), cache in zip(processors, caches, strict=True):
                    value = row[n]
                    if value is None and not is_json:
                        continue
                    try:
                        row[n] = cache[value]
                    except (KeyError, TypeError):  # TypeError: a dict (JSON) is not hashable
                        done = process(value)
                        if len(cache) < 100_000 and not isinstance(value, dict):
                            cache[value] = done
                        row[n] = done
                converted.append(tuple(row))
            chunk = converted
        self.connection.exec_driver_sql(statement, chunk)

    def _copy(self, table: Table, columns: Sequence[str], chunk: list[tuple],
              json_positions: list[int]) -> None:
        cursor = self.connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            if json_positions:
                for row in chunk:
                    row = list(row)
                    for n in json_positions:  # None is JSON null, as the app stores it
                        row[n] = json.dumps(row[n])
                    copy.write_row(row)
            else:
                for row in chunk:
                    copy.write_row(row)
        cursor.close()

    def commit(self) -> None:
        """Commit what was written so far."""
        self.connection.commit()

    def finish(self) -> None:
        """Commit, move PostgreSQL's id sequences past the loaded ids, refresh statistics."""
        self.connection.commit()
        if self.postgresql:
            for name, top in self.max_ids.items():
                self.connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), :top)"),
                    {"top": top})
            self.connection.commit()
        self.connection.close()
        if self.postgresql:
            started = time.perf_counter()
            # VACUUM cannot run inside a transaction block.
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
            self.seconds["VACUUM ANALYZE"] = time.perf_counter() - started
