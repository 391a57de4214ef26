"""Meetings of the groupement and their minutes (SPEC §5 « Meetings and minutes »)."""

from flask import Blueprint

# Routes are attached by gic/meetings/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("meetings", __name__, url_prefix="/meetings")
