"""Each user's private calendar feed (iCalendar, ``webcal://``): his intervention
sessions and the meetings he may read, behind a revocable token (issue 14, item 4)."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/calendar/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("calendar", __name__, url_prefix="/calendar")

# French labels of the audit actions this area records (merged into the journal's).
AUDIT_LABELS: dict[str, str] = {
    "calendar.create": N_("Abonnement calendrier créé"),
    "calendar.regenerate": N_("Adresse de l'abonnement calendrier régénérée"),
    "calendar.revoke": N_("Abonnement calendrier désactivé"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "CalendarFeed": N_("Abonnement calendrier"),
}
