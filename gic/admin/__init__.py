"""Coordination: establishments and users of a groupement."""

from flask import Blueprint

# Routes are attached by gic/admin/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("admin", __name__, url_prefix="/admin")
