"""Forms of the stand-in page: the shape of the input only (the service checks who
may be named, the dates against today and the other ranges)."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from gic.forms import DateField, optional_int
from gic.models import User


class StandinForm(FlaskForm):
    """Who stands in, from which day to which day (both included)."""

    standin_id = SelectField(lazy_gettext("Personne qui vous supplée"), coerce=optional_int,
                             validate_choice=False,
                             validators=[InputRequired(lazy_gettext("Choisissez la personne."))])
    starts_on = DateField(lazy_gettext("Premier jour"),
                          validators=[InputRequired(lazy_gettext("Indiquez le premier jour."))])
    ends_on = DateField(lazy_gettext("Dernier jour (inclus)"),
                        validators=[InputRequired(lazy_gettext("Indiquez le dernier jour."))])

    def set_choices(self, people: list[User]) -> None:
        """The people of the director's establishment he may name."""
        self.standin_id.choices = [("", gettext("— Choisir —"))] + [
            (p.id, f"{p.name} ({p.role.label})") for p in people]


class ActionForm(FlaskForm):
    """A button with nothing to type (« Mettre fin »)."""
