"""Forms of the meetings pages: the shape of the input only.

Meaning (invitees of the groupement, place or video link, draft not final,
director of a member establishment…) is checked by the services; field names
are those of ``DomainError.field`` so refusals land on the right field.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from gic.forms import DateField, TimeField, optional_int
from gic.interventions.forms import TIME_FORMATS, DurationField
from gic.meetings.models import (
    MeetingKind,
    MeetingStatus,
    Presence,
    VoteChoice,
)

TEXT_MAX = 10_000


def presence_choices() -> list[SelectChoice]:
    """Present / excused / absent, labelled in the reader's language (a form's
    ``choices`` callable: read when the form is made, during the request)."""
    return [SelectChoice(p.value, p.label) for p in Presence]


def kind_choices() -> list[SelectChoice]:
    """The kinds of meeting, labelled in the reader's language."""
    return [SelectChoice(k.value, k.label) for k in MeetingKind]


def vote_choices() -> list[SelectChoice]:
    """For, against, abstain, labelled in the reader's language."""
    return [SelectChoice(v.value, v.label) for v in VoteChoice]


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (people to invite), values coerced to ids."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingForm(FlaskForm):
    """Plan or change a meeting."""

    kind = RadioField(lazy_gettext("Type de réunion"), default=MeetingKind.TECHNICIANS.value,
                      validate_choice=False, choices=kind_choices,
                      validators=[InputRequired(lazy_gettext("Choisissez le type de réunion."))])
    title = StringField(lazy_gettext("Titre"), validators=[Length(max=200)],
                        description=lazy_gettext("Facultatif : par défaut, le type de réunion."))
    day = DateField(lazy_gettext("Date"), validators=[InputRequired(lazy_gettext(
        "Indiquez la date."))])
    start = TimeField(lazy_gettext("Heure de début"), format=TIME_FORMATS,
                      validators=[InputRequired(lazy_gettext("Indiquez l'heure de début."))])
    duration_minutes = DurationField(lazy_gettext("Durée"), default=120,
                                     description=lazy_gettext("Par exemple « 2:00 » ou "
                                                              "« 1 h 30 »."))
    place = StringField(lazy_gettext("Lieu"), validators=[Length(max=300)])
    video_url = StringField(lazy_gettext("Lien de visioconférence"),
                            validators=[Length(max=500)],
                            description=lazy_gettext("Facultatif si un lieu est indiqué "
                                                     "(https://…)."))
    invitees = CheckboxesField(lazy_gettext("Invités"), coerce=int, validate_choice=False,
                               description=lazy_gettext(
                                   "Sans choix : tous les techniciens (réunion de techniciens) "
                                   "ou toutes les directions (réunion de directeurs) du "
                                   "groupement."))
    agenda = TextAreaField(lazy_gettext("Ordre du jour"), validators=[Length(max=TEXT_MAX)],
                           description=lazy_gettext("Un point par ligne."))

    def set_people(self, users) -> None:
        """Offer the groupement's active people as invitees."""
        self.invitees.choices = [
            SelectChoice(u.id, f"{u.name} — {u.role.label}"
                         + (f", {u.establishment.name}" if u.establishment else ""))
            for u in users]

    def agenda_lines(self) -> list[str]:
        """The agenda as a list of points (blank lines dropped by the service)."""
        return (self.agenda.data or "").splitlines()


class StatusForm(FlaskForm):
    """Mark a meeting held, cancelled, or planned again."""

    status = HiddenField(validators=[AnyOf([s.value for s in MeetingStatus])])


class ButtonForm(FlaskForm):
    """A button with nothing to type (start minutes, finalise, remove…)."""


class SummaryForm(FlaskForm):
    """The free text of the minutes."""

    summary = TextAreaField(lazy_gettext("Déroulé et échanges"),
                            validators=[Length(max=TEXT_MAX)])


def presence_form(rows) -> FlaskForm:
    """One presence choice per attendance row (``presence_<id>``), read from the
    request on a POST like any Flask-WTF form."""

    class PresenceForm(FlaskForm):
        pass

    for row in rows:
        setattr(PresenceForm, f"presence_{row.id}",
                SelectField(row.name, choices=presence_choices, default=str(row.presence),
                            validate_choice=False))
    return PresenceForm()


class AttendeeForm(FlaskForm):
    """Add someone to the attendance: a person of the groupement or a guest."""

    user_id = SelectField(lazy_gettext("Personne du groupement"), coerce=optional_int,
                          validate_choice=False)
    name = StringField(lazy_gettext("ou nom d'un invité extérieur"),
                       validators=[Length(max=200)])
    presence = SelectField(lazy_gettext("Présence"), choices=presence_choices,
                           default=Presence.PRESENT.value, validate_choice=False)

    def set_people(self, users) -> None:
        """The groupement's people, « none » first (then the guest's name is used)."""
        self.user_id.choices = [SelectChoice("", gettext("— invité extérieur —"))] + [
            SelectChoice(u.id, u.name) for u in users]


class DecisionForm(FlaskForm):
    """A decision taken at the meeting."""

    text = TextAreaField(lazy_gettext("Décision"), validators=[
        DataRequired(lazy_gettext("Écrivez la décision.")), Length(max=TEXT_MAX)])
    needs_unanimity = BooleanField(lazy_gettext("Demande l'unanimité des directions (nouveau "
                                                "membre, renouvellement…)"))
    # Shown under the ordered-hours model only (issue 16 item 6).
    weighted = BooleanField(lazy_gettext("Soumise au vote pondéré des membres, voix "
                                         "proportionnelles à leurs contributions de l'année"))


class ActionForm(FlaskForm):
    """An action: what, who, by when."""

    text = TextAreaField(lazy_gettext("Action"), validators=[
        DataRequired(lazy_gettext("Décrivez l'action.")), Length(max=TEXT_MAX)])
    owner_id = SelectField(lazy_gettext("Responsable"), coerce=optional_int,
                           validate_choice=False)
    due_date = DateField(lazy_gettext("Échéance"), validators=[Optional()])

    def set_people(self, users) -> None:
        """The groupement's people, « nobody » first."""
        self.owner_id.choices = [SelectChoice("", gettext("— à désigner —"))] + [
            SelectChoice(u.id, u.name) for u in users]


class DoneForm(FlaskForm):
    """Mark an action done (1) or not yet (0)."""

    done = HiddenField(validators=[AnyOf(["0", "1"])])


class VoteForm(FlaskForm):
    """A director's vote on a decision needing unanimity."""

    choice = RadioField(lazy_gettext("Vote de votre établissement"), validate_choice=False,
                        choices=vote_choices, validators=[InputRequired(lazy_gettext(
                            "Choisissez pour, contre ou abstention."))])
    comment = TextAreaField(lazy_gettext("Commentaire (facultatif)"),
                            validators=[Length(max=2000)])
