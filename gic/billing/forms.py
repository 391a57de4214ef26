"""Year closing forms (shape only: the services decide who may and when)."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class CloseYearForm(FlaskForm):
    """The accountant's « Clôturer l'année » button (CSRF token only)."""


class ReopenYearForm(FlaskForm):
    """The coordinator reopens a closed year and says why (kept in the audit log)."""

    reason = TextAreaField(lazy_gettext("Motif de la réouverture"), validators=[
        DataRequired(lazy_gettext("Indiquez le motif de la réouverture.")), Length(max=1000)])
