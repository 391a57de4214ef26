"""Bilan forms (shape only: the services decide who may and for which year)."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, NumberRange

from gic.convention.constants import MAX_YEAR, MIN_YEAR
from gic.forms import YearField


class DraftForm(FlaskForm):
    """« Générer / actualiser le brouillon » of a year (CSRF token, year in the URL)."""


class NewDraftForm(FlaskForm):
    """The index page's form: the year whose draft to prepare."""

    year = YearField(lazy_gettext("Année"), validators=[
        InputRequired(lazy_gettext("Indiquez l'année.")),
        NumberRange(MIN_YEAR, MAX_YEAR, lazy_gettext("Année invalide."))])


class PublishForm(FlaskForm):
    """« Publier le bilan » (CSRF token only)."""
