"""Forms of the trainings pages: the shape of the input only.

The duration is typed like every duration of GIC (« 2:00 », « 2 h », « 90 min »:
:class:`gic.interventions.forms.DurationField`). Attendees are checkboxes grouped
by establishment, plus one « other attendees » number per establishment
(``guests_<id>``), added to the form class for the groupement's establishments.
Meaning (people of the groupement, duration > 0, year open…) is the services'.
"""

from __future__ import annotations

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

    topic = SelectField("Thème", validate_choice=False,
                        choices=[SelectChoice("", "— choisir —")] + [
                            SelectChoice(t.value, t.label) for t in Topic],
                        validators=[InputRequired("Choisissez le thème.")])
    title = StringField("Intitulé", validators=[InputRequired("Indiquez l'intitulé."),
                                                Length(max=200)],
                        description="Par exemple « Sensibilisation à l'hameçonnage ».")
    date = DateField("Date", validators=[InputRequired("Indiquez la date.")])
    start_time = TimeField("Heure de début", format=TIME_FORMATS, validators=[Optional()],
                           description="Facultatif.")
    duration_minutes = DurationField("Durée", description="Par exemple « 2:00 » ou « 3 h 30 ».",
                                     validators=[InputRequired("Indiquez la durée.")])
    trainer = StringField("Formateur", validators=[InputRequired("Indiquez le formateur."),
                                                   Length(max=200)],
                          description="Nom, et organisme s'il est extérieur.")
    place = StringField("Lieu", validators=[Length(max=300)])
    notes = TextAreaField("Contenu", validators=[Length(max=5000)])
    attendees = CheckboxesField("Participants", coerce=int, validate_choice=False)

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
            "Autres participants", default=0, validators=[
                Optional(), NumberRange(0, MAX_GUESTS, f"Entre 0 et {MAX_GUESTS}.")]))
    return Form(**kwargs)


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
