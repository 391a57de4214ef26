"""Forms of the exchanges pages: the shape of the input only.

The time spent is typed like every duration of GIC (« 0:30 », « 45 min », « 1 h »:
:class:`gic.interventions.forms.DurationField`); meaning (another establishment
of the groupement, more than zero minutes, a past date, year open) is the services'.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from gic.forms import DateField, optional_int
from gic.interventions.forms import DurationField


class ExchangeForm(FlaskForm):
    """Advice given to another establishment."""

    recipient_id = SelectField(lazy_gettext("Établissement conseillé"), coerce=optional_int,
                               validate_choice=False, validators=[
                                   InputRequired(lazy_gettext("Choisissez l'établissement."))])
    date = DateField(lazy_gettext("Date"),
                     validators=[InputRequired(lazy_gettext("Indiquez la date."))])
    topic = StringField(lazy_gettext("Sujet"),
                        validators=[InputRequired(lazy_gettext("Indiquez le sujet.")),
                                    Length(max=200)],
                        description=lazy_gettext("Par exemple « Paramétrage du pare-feu »."))
    minutes = DurationField(lazy_gettext("Temps passé"),
                            description=lazy_gettext("Par exemple « 0:30 », « 45 min » ou "
                                                     "« 1 h »."),
                            validators=[InputRequired(lazy_gettext("Indiquez le temps passé."))])
    notes = TextAreaField(lazy_gettext("Notes"), validators=[Length(max=2000)],
                          description=lazy_gettext("Quelques mots : la question, le conseil "
                                                   "donné."))

    def set_choices(self, establishments) -> None:
        """The other establishments of the groupement, « choose » first."""
        self.recipient_id.choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(e.id, e.name) for e in establishments]

    def values(self) -> dict:
        """The keyword arguments of the services."""
        return {"recipient_id": self.recipient_id.data, "day": self.date.data,
                "topic": self.topic.data, "minutes": self.minutes.data,
                "notes": self.notes.data or ""}


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
