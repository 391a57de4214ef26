"""Notifications: in-app list and e-mail (SMTP, or instance/outbox/ in development)."""

from flask import Blueprint

# Routes are attached by gic/notifications/views.py, imported by create_app.
bp = Blueprint("notifications", __name__, url_prefix="/notifications")
