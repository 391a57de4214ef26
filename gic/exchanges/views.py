"""Pages of the exchanges area."""

from gic.exchanges import bp  # noqa: F401
