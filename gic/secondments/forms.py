"""Forms of the secondments pages: the shape of the input only.

Meaning (establishments of the groupement, one's own among the two, period,
amounts, technicians of the provider, closed years…) is checked by
:mod:`gic.secondments.services`; field names are those of ``DomainError.field``
so that a refusal lands on the right field.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from gic.forms import DateField, MoneyField, optional_int
from gic.meetings.forms import CheckboxesField
from gic.secondments.models import Pricing

TEXT_MAX = 10_000
class ProposeForm(FlaskForm):
    """A secondment proposed between one's own establishment and another."""

    provider_id = SelectField(lazy_gettext("Établissement prestataire (qui détache)"),
                              coerce=optional_int, validate_choice=False, validators=[
                                  InputRequired(lazy_gettext("Choisissez le prestataire."))])
    beneficiary_id = SelectField(lazy_gettext("Établissement bénéficiaire"),
                                 coerce=optional_int, validate_choice=False, validators=[
                                     InputRequired(lazy_gettext("Choisissez le bénéficiaire."))])
    project = StringField(lazy_gettext("Projet"), validators=[
        DataRequired(lazy_gettext("Nommez le projet.")), Length(max=200)])
    description = TextAreaField(lazy_gettext("Description du projet"), validators=[
        DataRequired(lazy_gettext("Décrivez le projet.")), Length(max=TEXT_MAX)])
    start_date = DateField(lazy_gettext("Début de la période"), validators=[
        InputRequired(lazy_gettext("Indiquez le début de la période."))])
    end_date = DateField(lazy_gettext("Fin de la période"), validators=[
        InputRequired(lazy_gettext("Indiquez la fin de la période."))])
    pricing = RadioField(lazy_gettext("Tarification"), default=Pricing.HOURLY.value,
                         validate_choice=False,
                         choices=[SelectChoice(p.value, p.label) for p in Pricing],
                         validators=[InputRequired(lazy_gettext("Choisissez la tarification."))])
    hourly_rate = MoneyField(lazy_gettext("Taux horaire convenu (€ TTC)"),
                             description=lazy_gettext("Si la tarification est au taux horaire."))
    lump_sum = MoneyField(lazy_gettext("Forfait (€ TTC)"),
                          description=lazy_gettext("Si la tarification est au forfait."))
    technician_ids = CheckboxesField(
        lazy_gettext("Techniciens détachés (facultatif)"), coerce=int, validate_choice=False,
        description=lazy_gettext("Techniciens de l'établissement prestataire."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The pricing's labels in the reader's language (the class's are the import's).
        self.pricing.choices = [SelectChoice(p.value, p.label) for p in Pricing]

    def set_choices(self, establishments, technicians) -> None:
        """The groupement's establishments and technicians (« Nom (établissement) »)."""
        choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(e.id, e.name) for e in establishments]
        self.provider_id.choices = list(choices)
        self.beneficiary_id.choices = list(choices)
        self.technician_ids.choices = [
            SelectChoice(t.id, f"{t.name} ({t.establishment.name})") for t in technicians]


class RefuseForm(FlaskForm):
    """A director refuses, with the reason everyone concerned reads."""

    reason = TextAreaField(lazy_gettext("Motif du refus"), validators=[
        DataRequired(lazy_gettext("Indiquez le motif du refus.")), Length(max=TEXT_MAX)])


class ActionForm(FlaskForm):
    """A button with nothing to type (approve, cancel)."""
