"""Timing and query counting shared by the benchmark's measures.

Each measure runs once to warm up (caches, compiled statements, the
database's pages), then at least ``runs`` times, and more (up to
``MAX_RUNS``) while its runs add up to less than ``SMALL_TOTAL`` seconds, so
that fast pages get enough runs for a stable median. Only the median is
compared with a budget; min and max show the spread.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine

MAX_RUNS = 21
SMALL_TOTAL = 2.0


@dataclass
class Timing:
    """Durations of the timed runs of one measure (seconds)."""

    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    def as_json(self) -> dict:
        """Median, min, max and the number of runs."""
        return {"median": round(self.median, 5), "min": round(self.low, 5),
                "max": round(self.high, 5), "runs": len(self.runs)}


def timed(run: Callable[[], object], *, runs: int = 5, warmup: int = 1,
          after: Callable[[object], None] | None = None) -> Timing:
    """Time ``run`` (after ``warmup`` untimed calls); ``after(result)`` runs untimed
    after each call (e.g. to delete what the call created)."""
    for _ in range(warmup):
        result = run()
        if after:
            after(result)
    timing = Timing()
    while len(timing.runs) < runs or (len(timing.runs) < MAX_RUNS
                                      and sum(timing.runs) < SMALL_TOTAL):
        started = time.perf_counter()
        result = run()
        timing.runs.append(time.perf_counter() - started)
        if after:
            after(result)
    return timing


class QueryCounter:
    """Counts the SQL statements sent through an engine (``before_cursor_execute``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        self.statements.append(statement)

    @contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        """Count inside the ``with`` block (the counter starts at 0)."""
        self.count = 0
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._seen)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._seen)
