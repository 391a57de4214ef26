"""Flask commands (thin wrappers): ``flask --app gic <command>``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands."""
