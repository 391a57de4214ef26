"""The audit log: append-only record of every change."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from gic.audit import views  # noqa: E402,F401
