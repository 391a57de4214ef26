"""The demo's context: one demo groupement being built, as each area's demo
(``gic/<area>/demo.py``: ``load_demo(context)``) reads it.

:mod:`gic.demo` builds the groupement, its people and the interventions'
stories through the services, then hands this context to the areas' demos:
the groupement, its coordinator, accountant, directors and technicians by
place key, the demo's data (:mod:`gic.demo_data`), "today", a seeded random
generator, and the clock helpers that move what the services stamped "now"
back to the days the stories happened.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from gic import timeutil
from gic.audit.models import AuditEntry
from gic.demo_data import DemoGroupement
from gic.extensions import db
from gic.models import Establishment, Groupement, User
from gic.notifications.models import Notification

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class DemoResult:
    """What a load did: groupements created, and steps that had to be left out."""

    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class DemoContext:
    """One demo groupement being built: its people, its clock, what was left out."""

    groupement: Groupement
    coordinator: User
    accountant: User | None

    def __init__(self, demo: DemoGroupement, today: date, result: DemoResult) -> None:
        self.demo, self.today, self.result = demo, today, result
        self.now = datetime.combine(today, time(0, 0), PARIS)  # sessions end before today
        self.real_now = timeutil.utcnow()
        self.rng = random.Random(f"gic-demo/{demo.name}")
        self.busy: dict[int, set[date]] = defaultdict(set)
        self.directors: dict[str, User] = {}
        self.technicians: dict[str, User] = {}
        self.places: dict[str, Establishment] = {}

    def free_days(self, technician: User, target: date, count: int) -> list[date] | None:
        """``count`` free days of the technician in the target's year, before today,
        weekdays first, nearest after the target first."""
        first = max(date(target.year, 1, 1), self.demo.start)
        last = min(date(target.year, 12, 31), self.today - timedelta(days=1))
        if count == 0:
            return []
        if last < first:
            return None
        span = (last - first).days
        after = [target + timedelta(days=n) for n in range(span + 1)
                 if first <= target + timedelta(days=n) <= last]
        before = [target - timedelta(days=n) for n in range(1, span + 1)
                  if first <= target - timedelta(days=n) <= last]
        free = [d for d in after + before if d not in self.busy[technician.id]]
        ordered = [d for d in free if d.weekday() < 5] + [d for d in free if d.weekday() >= 5]
        if len(ordered) < count:
            return None
        chosen = sorted(ordered[:count])
        self.busy[technician.id].update(chosen)
        return chosen

    def at(self, day: date, hour: int, minute: int) -> datetime:
        """Naive UTC of a Paris wall-clock time, never after the real now."""
        local = datetime.combine(day, time(hour, minute), PARIS)
        return min(local.astimezone(UTC).replace(tzinfo=None), self.real_now)

    def notified_at(self, key: str, at: datetime) -> None:
        """Backdate the notifications of ``key``; those older than a week are read
        (newer ones stay as they are: read only by those who acted since)."""
        read = at + timedelta(days=1)
        old = read < datetime.combine(self.today - timedelta(days=7), time())
        db.session.execute(update(Notification).where(
            Notification.groupement_id == self.groupement.id, Notification.key == key)
            .values(created_at=at, **({"read_at": read} if old else {})))

    def audit_at(self, object_type: str, object_id: int, action: str, at: datetime) -> None:
        """Move the audit entries of ``action`` on the object to ``at``."""
        db.session.execute(update(AuditEntry).where(
            AuditEntry.object_type == object_type, AuditEntry.object_id == object_id,
            AuditEntry.action == action).values(at=at))
