"""Pages of the techfiles area."""

from gic.techfiles import bp  # noqa: F401
