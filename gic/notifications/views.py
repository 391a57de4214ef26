"""The in-app notifications list (filled in by the notifications work)."""

from gic.notifications import bp  # noqa: F401
