"""The coordinator's « Heures commandées » pages (issue 16)."""

from __future__ import annotations

from gic.ordered import bp  # noqa: F401
