"""The clock: the one place that reads "now" (naive UTC in the database).

Every "now" and "today" of the app comes from here, called through the module
(``timeutil.utcnow()``), so that nothing reads the system clock on its own and
the tests can pin and move it (``tests/conftest.py``, time-machine).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = "Europe/Paris"


def utcnow() -> datetime:
    """Current UTC time, naive (stored as such on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_now(tz: str = PARIS) -> datetime:
    """Current time in the groupement's time zone (aware)."""
    return datetime.now(ZoneInfo(tz))


def local_today(tz: str = PARIS) -> date:
    """Today's date in the groupement's time zone."""
    return local_now(tz).date()
