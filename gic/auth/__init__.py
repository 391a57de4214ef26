"""Authentication: login, logout, profile and personal API tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from gic.auth import views  # noqa: E402,F401
