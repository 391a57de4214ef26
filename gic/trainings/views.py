"""Pages of the trainings area."""

from gic.trainings import bp  # noqa: F401
