"""Views (filled in by the web UI work)."""

from gic.api import bp  # noqa: F401
