"""Clock helpers: one place to read "now", naive UTC in the database."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Current UTC time, naive (stored as such on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today(tz: str = "Europe/Paris") -> date:
    """Today's date in the groupement's time zone."""
    return datetime.now(ZoneInfo(tz)).date()
