"""Forms of the governance pages: the shape of the input only.

Meaning (FINESS, a future date, values in range, who votes…) is the services';
field names are those of ``DomainError.field`` so a refusal lands on its field.
"""

from __future__ import annotations

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

    full_name = StringField("Nom complet", validators=[Length(max=200)],
                            description="Par exemple « Groupement Informatique de Coopération ».")
    department = StringField("Département", validators=[Length(max=100)])
    city = StringField("Ville ou zone", validators=[Length(max=100)])
    sector = StringField("Secteur d'activité", validators=[Length(max=200)])
    public_served = TextAreaField("Public accueilli", validators=[Length(max=2000)])
    cooperation = TextAreaField("Objet de la coopération (précisions)",
                                validators=[Length(max=TEXT_MAX)],
                                description="Les cinq axes de la convention sont toujours "
                                            "affichés ; ajoutez ici le périmètre, les exemples.")
    agreements = TextAreaField("Nature des accords", validators=[Length(max=TEXT_MAX)],
                               description="La date de signature, la durée et le renouvellement "
                                           "sont repris de la convention.")
    resource_persons = IntegerField(
        "Nombre de personnes ressources", validators=[Optional(), NumberRange(min=0, max=10_000)],
        description="Vide : le nombre de techniciens actifs des établissements membres.")
    entry_terms = TextAreaField("Modalités d'entrée ou de participation",
                                validators=[Length(max=TEXT_MAX)])
    governance = TextAreaField("Mode de gouvernance", validators=[Length(max=TEXT_MAX)])


class CandidateForm(FlaskForm):
    """A candidate establishment, put to the member directors' vote."""

    name = StringField("Nom de l'établissement candidat",
                       validators=[InputRequired("Indiquez le nom."), Length(max=200)])
    finess = StringField("Numéro FINESS", validators=[InputRequired("Indiquez le numéro FINESS."),
                                                      Length(max=20)])
    contact = StringField("Contact", validators=[InputRequired("Indiquez un contact."),
                                                 Length(max=500)],
                          description="Nom, fonction, téléphone ou e-mail de la personne "
                                      "qui porte la candidature.")
    message = TextAreaField("Présentation aux directions", validators=[Length(max=2000)])
    rule = RadioField("Règle de décision", validate_choice=False, choices=[],
                      validators=[Optional()])


class RenewalForm(FlaskForm):
    """Open the renewal procedure."""

    message = TextAreaField("Message aux directions", validators=[Length(max=2000)])
    rule = RadioField("Règle de décision", validate_choice=False, choices=[],
                      validators=[Optional()])


def offer_rules(form: CandidateForm | RenewalForm, choices: list[tuple[str, str]]) -> None:
    """The rules the groupement's model allows (issue 16 item 6), the first by default;
    one rule only (unanimity, per-intervention model): no choice is shown."""
    form.rule.choices = [SelectChoice(value, label) for value, label in choices]
    if not form.rule.data:
        form.rule.data = choices[0][0]


class BallotForm(FlaskForm):
    """A director's vote: approve, or refuse with a reason."""

    choice = RadioField("Votre vote", validate_choice=False,
                        choices=[SelectChoice(VoteChoice.FOR.value, "J'approuve"),
                                 SelectChoice(VoteChoice.AGAINST.value, "Je refuse")],
                        validators=[InputRequired("Choisissez : j'approuve, ou je refuse.")])
    reason = TextAreaField("Motif (obligatoire en cas de refus)",
                           validators=[Length(max=2000)])


class WithdrawForm(FlaskForm):
    """The coordinator withdraws an open procedure."""

    reason = TextAreaField("Motif du retrait", validators=[
        InputRequired("Indiquez le motif du retrait."), Length(max=2000)])


class VersionForm(FlaskForm):
    """A new version of the convention's parameters."""

    valid_from = DateField("En vigueur à partir du",
                           validators=[InputRequired("Indiquez la date d'entrée en vigueur.")])
    threshold_minutes = DurationField("Seuil de gratuité sur site",
                                      validators=[InputRequired("Indiquez le seuil.")],
                                      description="Une intervention sur site sous ce seuil est "
                                                  "gratuite (par exemple « 7:00 »).")
    cap_minutes = DurationField("Plafond annuel par bénéficiaire",
                                validators=[InputRequired("Indiquez le plafond.")],
                                description="Heures facturables par an et par établissement "
                                            "bénéficiaire (par exemple « 35:00 »).")
    hourly_rate = MoneyField("Taux horaire TTC (€)",
                             validators=[InputRequired("Indiquez le taux horaire.")])
    duration_years = IntegerField("Durée d'une période (années)",
                                  validators=[InputRequired("Indiquez la durée.")])
    # Issue 16: the model and its settings (checked by the service; empty keeps them).
    model = SelectField("Modèle de la convention", validate_choice=False,
                        choices=[SelectChoice(m.value, m.label) for m in ConventionModel])
    overrun_allowed = SelectField("Dépassement des heures commandées", validate_choice=False,
                                  choices=[SelectChoice("yes", "Autorisé (et signalé)"),
                                           SelectChoice("no", "Refusé")])
    quorum_percent = IntegerField("Quorum des votes pondérés (% des voix)",
                                  validators=[Optional()])
    majority_percent = IntegerField("Majorité (plus de … % des voix exprimées)",
                                    validators=[Optional()])
    instalments = IntegerField("Échéances de l'appel provisionnel", validators=[Optional()])

    def values(self) -> dict:
        """The values for :func:`gic.governance.versions.preview_version`."""
        return {name: getattr(self, name).data for name in
                ("valid_from", "threshold_minutes", "cap_minutes", "hourly_rate",
                 "duration_years", "model", "overrun_allowed", "quorum_percent",
                 "majority_percent", "instalments")}


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
