"""Forms of the technical files: the shape of the input only.

Meaning (who may write, passwords, file type and size, concurrent saves) is the
services'; field names are those of ``DomainError.field`` so refusals land on them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from gic.forms import MAX_INT
from gic.techfiles.services import MAX_DESCRIPTION, MAX_SECTION_CHARS
from gic.techfiles.uploads import ALLOWED


class SectionForm(FlaskForm):
    """Edit one section: its Markdown, the version it started from, preview or save."""

    body = TextAreaField(lazy_gettext("Texte (Markdown)"), validators=[Length(
        max=MAX_SECTION_CHARS, message=lazy_gettext("%(max)s caractères au plus.",
                                                    max=MAX_SECTION_CHARS))])
    base_version = IntegerField(widget=HiddenInput(), validators=[
        InputRequired(lazy_gettext("Version de départ manquante : rechargez la page.")),
        NumberRange(min=0, max=MAX_INT)])
    confirm_no_password = BooleanField(
        lazy_gettext("Je confirme que ce texte ne contient aucun mot de passe"))
    preview = SubmitField(lazy_gettext("Aperçu"))
    save = SubmitField(lazy_gettext("Enregistrer"))


class UploadForm(FlaskForm):
    """Attach one file to the technical file."""

    file = FileField(lazy_gettext("Fichier"),
                     render_kw={"accept": ",".join(f".{e}" for e in ALLOWED)})
    description = StringField(lazy_gettext("Description (facultative)"), validators=[Length(
        max=MAX_DESCRIPTION, message=lazy_gettext("%(max)s caractères au plus.",
                                                  max=MAX_DESCRIPTION))])
    confirm_no_password = BooleanField(
        lazy_gettext("Je confirme que ce fichier ne contient aucun mot de passe"))
