"""Pages of the governance area."""

from gic.governance import bp  # noqa: F401
