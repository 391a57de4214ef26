"""Forms of the interventions pages: the shape of the input only.

Meaning (allowed nature, axis, technician of the provider, cap, dates…) is
checked by :mod:`gic.interventions.services`; choice fields therefore do not
reject unknown values themselves, so that the service's French refusal (which
cites the convention) is what the user reads. Field names are the ones the
services use in ``DomainError.field``, so a refusal lands on the right field.
"""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext
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
REFERENCE_LABEL = lazy_gettext("Référence interne du bénéficiaire")

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
    unreadable = lazy_gettext("Durée illisible : écrivez par exemple « 7:30 », « 7 h 30 » ou "
                              "« 45 min ».")



class DraftForm(FlaskForm):
    """A request drafted by the beneficiary establishment."""

    provider_id = SelectField(lazy_gettext("Établissement prestataire"), coerce=optional_int,
                              validate_choice=False,
                              validators=[InputRequired(
                                  lazy_gettext("Choisissez l'établissement prestataire."))])
    axis = SelectField(lazy_gettext("Axe de coopération"), coerce=optional_int,
                       validate_choice=False,
                       validators=[InputRequired(lazy_gettext("Choisissez l'axe."))])
    nature = SelectField(lazy_gettext("Nature de l'intervention"), validate_choice=False,
                         validators=[InputRequired(lazy_gettext("Choisissez la nature."))])
    description = TextAreaField(lazy_gettext("Description du besoin"), validators=[
        DataRequired(lazy_gettext("Décrivez le besoin.")), Length(max=TEXT_MAX)])
    urgency = RadioField(lazy_gettext("Urgence"), default=Urgency.NORMAL.value,
                         validate_choice=False)
    estimated_onsite_minutes = DurationField(
        lazy_gettext("Temps estimé sur site"),
        description=lazy_gettext("Par exemple « 7:30 » ou « 7 h 30 »."))
    estimated_remote_minutes = DurationField(
        lazy_gettext("Temps estimé à distance"),
        description=lazy_gettext("Par exemple « 1:15 » ou « 45 min »."))
    beneficiary_reference = StringField(
        REFERENCE_LABEL, validators=[
            Length(max=REFERENCE_MAX,  # WTForms puts in the maximum
                   message=lazy_gettext("%(max)d caractères au plus."))],
        description=lazy_gettext(
            "Facultatif : le numéro de ticket ou de dossier de votre établissement. "
            "Il figure sur la fiche d'intervention et dans les exports de facturation."))
    secondment_id = SelectField(
        lazy_gettext("Détachement temporaire"), coerce=optional_int, validate_choice=False,
        description=lazy_gettext(
            "Rattachée à un détachement approuvé, la demande est facturée selon ses "
            "conditions et ne compte pas dans le plafond annuel ; le prestataire doit "
            "être celui du détachement."))

    def __init__(self, *args, **kwargs) -> None:
        """The labels of the choices in the reader's language (read now, not at import)."""
        super().__init__(*args, **kwargs)
        self.axis.choices = [SelectChoice(n, gettext("Axe %(n)s", n=n))
                             for n in INTERVENTION_AXES]
        self.nature.choices = [SelectChoice(n.value, n.label) for n in Nature
                               if n not in FORBIDDEN_NATURES]
        self.urgency.choices = [SelectChoice(u.value, u.label) for u in Urgency]

    def set_secondments(self, secondments) -> None:
        """The approved secondments the establishment receives (none: the field is hidden)."""
        self.secondment_id.choices = [
            SelectChoice("", gettext("Aucun : règles de la convention"))] + [
            SelectChoice(s.id, gettext("%(project)s — %(provider)s (du %(start)s au %(end)s)",
                                       project=s.project, provider=s.provider.name,
                                       start=s.start_date.strftime("%d/%m/%Y"),
                                       end=s.end_date.strftime("%d/%m/%Y"))) for s in secondments]

    def set_choices(self, providers, axes_labels) -> None:
        """Fill the provider list (the other establishments) and the axis labels."""
        self.provider_id.choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(e.id, e.name) for e in providers]
        self.axis.choices = [SelectChoice(n, gettext("Axe %(n)s — %(label)s", n=n,
                                                     label=gettext(axes_labels[n])))
                             for n in INTERVENTION_AXES]


class ActionForm(FlaskForm):
    """A button with nothing to type (activate, cancel, validate, delete)."""


class AcceptForm(FlaskForm):
    """Accept and assign one of the provider's technicians."""

    def set_choices(self, technicians) -> None:
        """The provider's active technicians, « choose » first; the only one is
        preselected on a fresh form (a posted choice, even « choose », is kept)."""
        self.technician_id.choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(t.id, t.name) for t in technicians]
        if len(technicians) == 1 and not self.technician_id.raw_data:
            self.technician_id.data = technicians[0].id

    technician_id = SelectField(lazy_gettext("Technicien affecté"), coerce=optional_int,
                                validate_choice=False,
                                validators=[InputRequired(
                                    lazy_gettext("Choisissez un technicien."))])


class DeclineForm(FlaskForm):
    """Decline, with the reason the beneficiary will read."""

    reason = TextAreaField(lazy_gettext("Motif du refus"), validators=[
        DataRequired(lazy_gettext("Indiquez le motif du refus.")), Length(max=TEXT_MAX)])


class CompleteForm(FlaskForm):
    """Finish the work with the intervention report and, optionally, the signed sheet:
    the beneficiary's staff present types his name and signs, then the technician
    signs (``static/signature.js`` writes each drawing as a PNG data URL in a hidden
    field; the service checks it). Without JavaScript the signature part stays hidden."""

    report = TextAreaField(lazy_gettext("Compte rendu d'intervention"), validators=[
        DataRequired(lazy_gettext("Rédigez le compte rendu.")), Length(max=TEXT_MAX)])
    signatory_name = StringField(
        lazy_gettext("Nom et fonction de la personne qui signe pour le bénéficiaire"),
        validators=[Length(max=NAME_MAX)])
    signatory_signature = HiddenField(lazy_gettext("Signature du bénéficiaire"))
    technician_signature = HiddenField(lazy_gettext("Signature du technicien"))


class ReferenceForm(FlaskForm):
    """The beneficiary's own reference for the request (its ticket number…)."""

    beneficiary_reference = StringField(REFERENCE_LABEL, validators=[
        Length(max=REFERENCE_MAX,  # WTForms puts in the maximum
               message=lazy_gettext("%(max)d caractères au plus."))])


class SessionForm(FlaskForm):
    """One block of work on one day (« temps passé »)."""

    date = DateField(lazy_gettext("Date"),
                     validators=[InputRequired(lazy_gettext("Indiquez la date."))])
    start = TimeField(lazy_gettext("Début"), format=TIME_FORMATS,
                      validators=[InputRequired(lazy_gettext("Indiquez l'heure de début."))])
    end = TimeField(lazy_gettext("Fin"), format=TIME_FORMATS,
                    validators=[InputRequired(lazy_gettext("Indiquez l'heure de fin."))])
    mode = RadioField(lazy_gettext("Mode"), default=Mode.ONSITE.value, validate_choice=False,
                      validators=[InputRequired(lazy_gettext("Choisissez le mode."))])
    notes = TextAreaField(lazy_gettext("Notes"), validators=[Length(max=TEXT_MAX)])

    def __init__(self, *args, **kwargs) -> None:
        """The modes' labels in the reader's language (read now, not at import)."""
        super().__init__(*args, **kwargs)
        self.mode.choices = [SelectChoice(m.value, m.label) for m in (Mode.ONSITE, Mode.REMOTE)]


class LogSessionForm(SessionForm):
    """A new session, with the UUID of the entry: the page puts a fresh one in each
    form it shows, the offline outbox one per entry, so that a double tap or a
    replay stores the session once (the service checks the UUID)."""

    client_uuid = HiddenField(validators=[Optional(), Length(max=36)])


class FilterForm(FlaskForm):
    """The list filters, read from the query string (no CSRF on a GET)."""

    class Meta:
        csrf = False

    year = YearField(lazy_gettext("Année"), validators=[Optional()])
    state = SelectField(lazy_gettext("État"), validate_choice=False)
    establishment = SelectField(lazy_gettext("Établissement"), coerce=optional_int,
                                validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        """The states' labels in the reader's language (read now, not at import)."""
        super().__init__(*args, **kwargs)
        self.state.choices = [SelectChoice("", gettext("Tous"))] + [
            SelectChoice(s.value, s.label) for s in State]

    def set_choices(self, establishments) -> None:
        """The groupement's establishments, with « all » first."""
        self.establishment.choices = [SelectChoice("", gettext("Tous"))] + [
            SelectChoice(e.id, e.name) for e in establishments]
