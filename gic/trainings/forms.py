"""Forms of the trainings pages: the shape of the input only.

The duration is typed like every duration of GIC (« 2:00 », « 2 h », « 90 min »:
:class:`gic.interventions.forms.DurationField`). Attendees are checkboxes grouped
by establishment, plus one « other attendees » number per establishment
(``guests_<id>``), added to the form class for the groupement's establishments.
Meaning (people of the groupement, duration > 0, year open…) is the services'.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from gic.forms import DateField, IntegerField, TimeField
from gic.interventions.forms import TIME_FORMATS, DurationField
from gic.meetings.forms import CheckboxesField
from gic.trainings.models import Topic
from gic.trainings.services import MAX_GUESTS


class TrainingForm(FlaskForm):
    """A common training: what, when, who trained, who attended."""

    topic = SelectField(lazy_gettext("Thème"), validate_choice=False,
                        validators=[InputRequired(lazy_gettext("Choisissez le thème."))])
    title = StringField(lazy_gettext("Intitulé"),
                        validators=[InputRequired(lazy_gettext("Indiquez l'intitulé.")),
                                    Length(max=200)],
                        description=lazy_gettext(
                            "Par exemple « Sensibilisation à l'hameçonnage »."))
    date = DateField(lazy_gettext("Date"),
                     validators=[InputRequired(lazy_gettext("Indiquez la date."))])
    start_time = TimeField(lazy_gettext("Heure de début"), format=TIME_FORMATS,
                           validators=[Optional()], description=lazy_gettext("Facultatif."))
    duration_minutes = DurationField(
        lazy_gettext("Durée"), description=lazy_gettext("Par exemple « 2:00 » ou « 3 h 30 »."),
        validators=[InputRequired(lazy_gettext("Indiquez la durée."))])
    trainer = StringField(lazy_gettext("Formateur"),
                          validators=[InputRequired(lazy_gettext("Indiquez le formateur.")),
                                      Length(max=200)],
                          description=lazy_gettext("Nom, et organisme s'il est extérieur."))
    place = StringField(lazy_gettext("Lieu"), validators=[Length(max=300)])
    notes = TextAreaField(lazy_gettext("Contenu"), validators=[Length(max=5000)])
    attendees = CheckboxesField(lazy_gettext("Participants"), coerce=int, validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Labels read now, in the reader's language.
        self.topic.choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(t.value, t.label) for t in Topic]

    def values(self, establishment_ids) -> dict:
        """The keyword arguments of the services."""
        return {"topic": self.topic.data, "title": self.title.data, "day": self.date.data,
                "start_time": self.start_time.data,
                "duration_minutes": self.duration_minutes.data, "trainer": self.trainer.data,
                "place": self.place.data or "", "notes": self.notes.data or "",
                "attendee_ids": self.attendees.data or [],
                "guests": {eid: self[f"guests_{eid}"].data for eid in establishment_ids}}


def training_form(establishment_ids, **kwargs) -> TrainingForm:
    """A :class:`TrainingForm` with one « other attendees » field per establishment."""

    class Form(TrainingForm):
        pass

    for eid in establishment_ids:
        setattr(Form, f"guests_{eid}", IntegerField(
            lazy_gettext("Autres participants"), default=0, validators=[
                Optional(), NumberRange(0, MAX_GUESTS, lazy_gettext("Entre 0 et %(max)s.",
                                                                    max=MAX_GUESTS))]))
    return Form(**kwargs)


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
