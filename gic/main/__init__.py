"""Home and per-role dashboards."""

from flask import Blueprint

# Routes are attached by gic/main/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("main", __name__)
