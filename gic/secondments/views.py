"""Pages of the secondments area."""

from gic.secondments import bp  # noqa: F401
