"""Forms of the governance pages: the shape of the input only.

Meaning (FINESS, a future date, values in range, who votes…) is the services';
field names are those of ``DomainError.field`` so a refusal lands on its field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from gic.forms import DateField, IntegerField, MoneyField
from gic.interventions.forms import DurationField
from gic.meetings.models import VoteChoice
from gic.models import ConventionModel

TEXT_MAX = 4000


class CardForm(FlaskForm):
    """The identity card's texts."""

    full_name = StringField(lazy_gettext("Nom complet"), validators=[Length(max=200)],
                            description=lazy_gettext(
                                "Par exemple « Groupement Informatique de Coopération »."))
    department = StringField(lazy_gettext("Département"), validators=[Length(max=100)])
    city = StringField(lazy_gettext("Ville ou zone"), validators=[Length(max=100)])
    sector = StringField(lazy_gettext("Secteur d'activité"), validators=[Length(max=200)])
    public_served = TextAreaField(lazy_gettext("Public accueilli"),
                                  validators=[Length(max=2000)])
    cooperation = TextAreaField(lazy_gettext("Objet de la coopération (précisions)"),
                                validators=[Length(max=TEXT_MAX)],
                                description=lazy_gettext(
                                    "Les cinq axes de la convention sont toujours affichés ; "
                                    "ajoutez ici le périmètre, les exemples."))
    agreements = TextAreaField(lazy_gettext("Nature des accords"),
                               validators=[Length(max=TEXT_MAX)],
                               description=lazy_gettext(
                                   "La date de signature, la durée et le renouvellement sont "
                                   "repris de la convention."))
    resource_persons = IntegerField(
        lazy_gettext("Nombre de personnes ressources"),
        validators=[Optional(), NumberRange(min=0, max=10_000)],
        description=lazy_gettext(
            "Vide : le nombre de techniciens actifs des établissements membres."))
    entry_terms = TextAreaField(lazy_gettext("Modalités d'entrée ou de participation"),
                                validators=[Length(max=TEXT_MAX)])
    governance = TextAreaField(lazy_gettext("Mode de gouvernance"),
                               validators=[Length(max=TEXT_MAX)])


class CandidateForm(FlaskForm):
    """A candidate establishment, put to the member directors' vote."""

    name = StringField(lazy_gettext("Nom de l'établissement candidat"),
                       validators=[InputRequired(lazy_gettext("Indiquez le nom.")),
                                   Length(max=200)])
    finess = StringField(lazy_gettext("Numéro FINESS"), validators=[
        InputRequired(lazy_gettext("Indiquez le numéro FINESS.")), Length(max=20)])
    contact = StringField(lazy_gettext("Contact"),
                          validators=[InputRequired(lazy_gettext("Indiquez un contact.")),
                                      Length(max=500)],
                          description=lazy_gettext(
                              "Nom, fonction, téléphone ou e-mail de la personne qui porte la "
                              "candidature."))
    message = TextAreaField(lazy_gettext("Présentation aux directions"),
                            validators=[Length(max=2000)])
    rule = RadioField(lazy_gettext("Règle de décision"), validate_choice=False, choices=[],
                      validators=[Optional()])


class RenewalForm(FlaskForm):
    """Open the renewal procedure."""

    message = TextAreaField(lazy_gettext("Message aux directions"),
                            validators=[Length(max=2000)])
    rule = RadioField(lazy_gettext("Règle de décision"), validate_choice=False, choices=[],
                      validators=[Optional()])


def offer_rules(form: CandidateForm | RenewalForm, choices: list[tuple[str, str]]) -> None:
    """The rules the groupement's model allows (issue 16 item 6), the first by default;
    one rule only (unanimity, per-intervention model): no choice is shown."""
    form.rule.choices = [SelectChoice(value, label) for value, label in choices]
    if not form.rule.data:
        form.rule.data = choices[0][0]


class BallotForm(FlaskForm):
    """A director's vote: approve, or refuse with a reason."""

    choice = RadioField(lazy_gettext("Votre vote"), validate_choice=False,
                        choices=[SelectChoice(VoteChoice.FOR.value, lazy_gettext("J'approuve")),
                                 SelectChoice(VoteChoice.AGAINST.value,
                                              lazy_gettext("Je refuse"))],
                        validators=[InputRequired(
                            lazy_gettext("Choisissez : j'approuve, ou je refuse."))])
    reason = TextAreaField(lazy_gettext("Motif (obligatoire en cas de refus)"),
                           validators=[Length(max=2000)])


class WithdrawForm(FlaskForm):
    """The coordinator withdraws an open procedure."""

    reason = TextAreaField(lazy_gettext("Motif du retrait"), validators=[
        InputRequired(lazy_gettext("Indiquez le motif du retrait.")), Length(max=2000)])


class VersionForm(FlaskForm):
    """A new version of the convention's parameters."""

    valid_from = DateField(lazy_gettext("En vigueur à partir du"), validators=[
        InputRequired(lazy_gettext("Indiquez la date d'entrée en vigueur."))])
    threshold_minutes = DurationField(
        lazy_gettext("Seuil de gratuité sur site"),
        validators=[InputRequired(lazy_gettext("Indiquez le seuil."))],
        description=lazy_gettext("Une intervention sur site sous ce seuil est gratuite (par "
                                 "exemple « 7:00 »)."))
    cap_minutes = DurationField(
        lazy_gettext("Plafond annuel par bénéficiaire"),
        validators=[InputRequired(lazy_gettext("Indiquez le plafond."))],
        description=lazy_gettext("Heures facturables par an et par établissement bénéficiaire "
                                 "(par exemple « 35:00 »)."))
    hourly_rate = MoneyField(lazy_gettext("Taux horaire TTC (€)"),
                             validators=[InputRequired(lazy_gettext("Indiquez le taux horaire."))])
    duration_years = IntegerField(lazy_gettext("Durée d'une période (années)"),
                                  validators=[InputRequired(lazy_gettext("Indiquez la durée."))])
    # Issue 16: the model and its settings (checked by the service; empty keeps them).
    # The model's choices are made per form (their labels in the reader's language).
    model = SelectField(lazy_gettext("Modèle de la convention"), validate_choice=False)
    overrun_allowed = SelectField(lazy_gettext("Dépassement des heures commandées"),
                                  validate_choice=False,
                                  choices=[
                                      SelectChoice("yes", lazy_gettext("Autorisé (et signalé)")),
                                      SelectChoice("no", lazy_gettext("Refusé"))])
    quorum_percent = IntegerField(
        lazy_gettext("Quorum des votes pondérés (%(sign)s des voix)", sign="%"),
        validators=[Optional()])
    majority_percent = IntegerField(
        lazy_gettext("Majorité (plus de … %(sign)s des voix exprimées)", sign="%"),
        validators=[Optional()])
    instalments = IntegerField(lazy_gettext("Échéances de l'appel provisionnel"),
                               validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.model.choices = [SelectChoice(m.value, m.label) for m in ConventionModel]

    def values(self) -> dict:
        """The values for :func:`gic.governance.versions.preview_version`."""
        return {name: getattr(self, name).data for name in
                ("valid_from", "threshold_minutes", "cap_minutes", "hourly_rate",
                 "duration_years", "model", "overrun_allowed", "quorum_percent",
                 "majority_percent", "instalments")}


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
