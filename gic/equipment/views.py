"""Pages of the equipment area."""

from gic.equipment import bp  # noqa: F401
