"""Coordination: establishments and users of a groupement."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from gic.admin import views  # noqa: E402,F401
