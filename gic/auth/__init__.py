"""Authentication: login, logout, profile and personal API tokens."""

from flask import Blueprint

# Routes are attached by gic/auth/views.py, imported by create_app (not here:
# services import this package, and views import services).

bp = Blueprint("auth", __name__)
