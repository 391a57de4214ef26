"""Home and per-role dashboards."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from gic.main import views  # noqa: E402,F401
