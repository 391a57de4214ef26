"""Forms of the interventions pages: the shape of the input only.

Meaning (allowed nature, axis, technician of the provider, cap, dates…) is
checked by :mod:`gic.interventions.services`; choice fields therefore do not
reject unknown values themselves, so that the service's French refusal (which
cites the convention) is what the user reads. Field names are the ones the
services use in ``DomainError.field``, so a refusal lands on the right field.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gic.convention.rules import (
    FORBIDDEN_NATURES,
    INTERVENTION_AXES,
    Mode,
    Nature,
)
from gic.forms import (
    TIME_FORMATS,
    DateField,
    TimeField,
    TypedTextField,
    YearField,
    optional_int,
)
from gic.interventions.models import (
    NAME_MAX,
    REFERENCE_MAX,
    State,
    Urgency,
)

TEXT_MAX = 10_000
REFERENCE_LABEL = "Référence interne du bénéficiaire"

_HOURS_MINUTES = re.compile(
    r"^(?P<h>\d{1,4})\s*(?:(?::|h)\s*(?P<m>\d{1,2})?\s*(?:min|mn)?)?$", re.IGNORECASE)
_MINUTES_ONLY = re.compile(r"^(?P<m>\d{1,6})\s*(?:min|mn)$", re.IGNORECASE)


def parse_duration(text: str | None) -> int | None:
    """Minutes from what people type: « 7:30 », « 7 h 30 », « 7h », « 7 », « 45 min ».

    Empty text is ``None``; anything else that is not a duration raises
    :class:`ValueError` (a bare number is hours, as on a timesheet).
    """
    text = (text or "").strip()
    if not text:
        return None
    match = _MINUTES_ONLY.match(text)
    if match:
        return int(match["m"])
    match = _HOURS_MINUTES.match(text)
    if not match:
        raise ValueError(text)
    minutes = int(match["m"] or 0)
    if minutes >= 60:
        raise ValueError(text)
    return int(match["h"]) * 60 + minutes


def format_duration(minutes: int | None) -> str:
    """The editable form of a duration: 450 -> « 7:30 »."""
    if minutes is None:
        return ""
    return f"{minutes // 60}:{minutes % 60:02d}"


class DurationField(TypedTextField):
    """Hours and minutes typed as text, stored as integer minutes."""

    parse = staticmethod(parse_duration)
    show = staticmethod(format_duration)
    unreadable = "Durée illisible : écrivez par exemple « 7:30 », « 7 h 30 » ou « 45 min »."



class DraftForm(FlaskForm):
    """A request drafted by the beneficiary establishment."""

    provider_id = SelectField("Établissement prestataire", coerce=optional_int,
                              validate_choice=False,
                              validators=[InputRequired("Choisissez l'établissement prestataire.")])
    axis = SelectField("Axe de coopération", coerce=optional_int, validate_choice=False,
                       choices=[SelectChoice(n, f"Axe {n}") for n in INTERVENTION_AXES],
                       validators=[InputRequired("Choisissez l'axe.")])
    nature = SelectField("Nature de l'intervention", validate_choice=False,
                         choices=[SelectChoice(n.value, n.label) for n in Nature
                                  if n not in FORBIDDEN_NATURES],
                         validators=[InputRequired("Choisissez la nature.")])
    description = TextAreaField("Description du besoin", validators=[
        DataRequired("Décrivez le besoin."), Length(max=TEXT_MAX)])
    urgency = RadioField("Urgence", default=Urgency.NORMAL.value, validate_choice=False,
                         choices=[SelectChoice(u.value, u.label) for u in Urgency])
    estimated_onsite_minutes = DurationField("Temps estimé sur site",
                                             description="Par exemple « 7:30 » ou « 7 h 30 ».")
    estimated_remote_minutes = DurationField("Temps estimé à distance",
                                             description="Par exemple « 1:15 » ou « 45 min ».")
    beneficiary_reference = StringField(
        REFERENCE_LABEL, validators=[
            Length(max=REFERENCE_MAX, message=f"{REFERENCE_MAX} caractères au plus.")],
        description="Facultatif : le numéro de ticket ou de dossier de votre établissement. "
                    "Il figure sur la fiche d'intervention et dans les exports de facturation.")
    secondment_id = SelectField(
        "Détachement temporaire", coerce=optional_int, validate_choice=False,
        description="Rattachée à un détachement approuvé, la demande est facturée selon ses "
                    "conditions et ne compte pas dans le plafond annuel ; le prestataire doit "
                    "être celui du détachement.")

    def set_secondments(self, secondments) -> None:
        """The approved secondments the establishment receives (none: the field is hidden)."""
        self.secondment_id.choices = [SelectChoice("", "Aucun : règles de la convention")] + [
            SelectChoice(s.id, f"{s.project} — {s.provider.name} (du {s.start_date:%d/%m/%Y} "
                               f"au {s.end_date:%d/%m/%Y})") for s in secondments]

    def set_choices(self, providers, axes_labels) -> None:
        """Fill the provider list (the other establishments) and the axis labels."""
        self.provider_id.choices = [SelectChoice("", "— choisir —")] + [
            SelectChoice(e.id, e.name) for e in providers]
        self.axis.choices = [SelectChoice(n, f"Axe {n} — {axes_labels[n]}")
                             for n in INTERVENTION_AXES]


class ActionForm(FlaskForm):
    """A button with nothing to type (activate, cancel, validate, delete)."""


class AcceptForm(FlaskForm):
    """Accept and assign one of the provider's technicians."""

    def set_choices(self, technicians) -> None:
        """The provider's active technicians, « choose » first; the only one is
        preselected on a fresh form (a posted choice, even « choose », is kept)."""
        self.technician_id.choices = [SelectChoice("", "— choisir —")] + [
            SelectChoice(t.id, t.name) for t in technicians]
        if len(technicians) == 1 and not self.technician_id.raw_data:
            self.technician_id.data = technicians[0].id

    technician_id = SelectField("Technicien affecté", coerce=optional_int,
                                validate_choice=False,
                                validators=[InputRequired("Choisissez un technicien.")])


class DeclineForm(FlaskForm):
    """Decline, with the reason the beneficiary will read."""

    reason = TextAreaField("Motif du refus", validators=[
        DataRequired("Indiquez le motif du refus."), Length(max=TEXT_MAX)])


class CompleteForm(FlaskForm):
    """Finish the work with the intervention report and, optionally, the signed sheet:
    the beneficiary's staff present types his name and signs, then the technician
    signs (``static/signature.js`` writes each drawing as a PNG data URL in a hidden
    field; the service checks it). Without JavaScript the signature part stays hidden."""

    report = TextAreaField("Compte rendu d'intervention", validators=[
        DataRequired("Rédigez le compte rendu."), Length(max=TEXT_MAX)])
    signatory_name = StringField(
        "Nom et fonction de la personne qui signe pour le bénéficiaire",
        validators=[Length(max=NAME_MAX)])
    signatory_signature = HiddenField("Signature du bénéficiaire")
    technician_signature = HiddenField("Signature du technicien")


class ReferenceForm(FlaskForm):
    """The beneficiary's own reference for the request (its ticket number…)."""

    beneficiary_reference = StringField(REFERENCE_LABEL, validators=[
        Length(max=REFERENCE_MAX, message=f"{REFERENCE_MAX} caractères au plus.")])


class SessionForm(FlaskForm):
    """One block of work on one day (« temps passé »)."""

    date = DateField("Date", validators=[InputRequired("Indiquez la date.")])
    start = TimeField("Début", format=TIME_FORMATS,
                      validators=[InputRequired("Indiquez l'heure de début.")])
    end = TimeField("Fin", format=TIME_FORMATS,
                    validators=[InputRequired("Indiquez l'heure de fin.")])
    mode = RadioField("Mode", default=Mode.ONSITE.value, validate_choice=False,
                      choices=[SelectChoice(m.value, m.label)
                               for m in (Mode.ONSITE, Mode.REMOTE)],
                      validators=[InputRequired("Choisissez le mode.")])
    notes = TextAreaField("Notes", validators=[Length(max=TEXT_MAX)])


class LogSessionForm(SessionForm):
    """A new session, with the UUID of the entry: the page puts a fresh one in each
    form it shows, the offline outbox one per entry, so that a double tap or a
    replay stores the session once (the service checks the UUID)."""

    client_uuid = HiddenField(validators=[Optional(), Length(max=36)])


class FilterForm(FlaskForm):
    """The list filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    year = YearField("Année", validators=[Optional()])
    state = SelectField("État", validate_choice=False,
                        choices=[SelectChoice("", "Tous")] + [
                            SelectChoice(s.value, s.label) for s in State])
    establishment = SelectField("Établissement", coerce=optional_int, validate_choice=False)

    def set_choices(self, establishments) -> None:
        """The groupement's establishments, with « all » first."""
        self.establishment.choices = [SelectChoice("", "Tous")] + [
            SelectChoice(e.id, e.name) for e in establishments]
