"""The technical file of each establishment, with logged, time-limited access (SPEC §7)."""

from flask import Blueprint

from gic.enums import N_

# Routes are attached by gic/techfiles/views.py, imported by create_app (not here:
# services import this package, and views import services).
bp = Blueprint("techfiles", __name__, url_prefix="/techfiles")

# French labels of the audit actions this area records (merged into the journal's;
# marked N_ for the English catalogue: gettext(label) where the journal shows them).
AUDIT_LABELS: dict[str, str] = {
    "techfiles.section_save": N_("Dossier technique : rubrique enregistrée"),
    "techfiles.no_password_confirmed": N_("Dossier technique : absence de mot de passe "
                                          "confirmée malgré l'avertissement"),
    "techfiles.version_purge": N_("Dossier technique : texte d'une ancienne version effacé"),
    "techfiles.attachment_add": N_("Dossier technique : fichier joint"),
    "techfiles.attachment_delete": N_("Dossier technique : pièce jointe supprimée"),
}

# French names of this area's audited objects (model class name -> name).
AUDIT_OBJECTS = {
    "TechFileSection": N_("Rubrique du dossier technique"),
    "TechFileAttachment": N_("Fichier du dossier technique"),
}
