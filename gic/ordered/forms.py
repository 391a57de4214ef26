"""Forms of the « Heures commandées » pages: the shape of the input only (the
services check the meaning; field names are those of ``DomainError.field``)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from gic.convention.rules_ordered import MAX_INSTALMENTS
from gic.forms import DateField, IntegerField, MoneyField
from gic.interventions.forms import DurationField, parse_duration
from gic.models import Participation


class OrdersForm(FlaskForm):
    """The hours ordered by each participant: one ``order_<id>`` text per
    establishment, read by :meth:`orders` (CSRF only as fields)."""

    def orders(self, formdata, establishment_ids: list[int]) -> tuple[dict, dict]:
        """(minutes per establishment, errors per field name): an empty box keeps the
        order as it is; an unreadable one is an error on its box."""
        orders, errors = {}, {}
        for establishment_id in establishment_ids:
            name = f"order_{establishment_id}"
            text = formdata.get(name, "")
            try:
                orders[establishment_id] = parse_duration(text)
            except ValueError:
                errors[name] = DurationField.unreadable
        return orders, errors


class VoteForm(FlaskForm):
    """The budget's vote by the general assembly."""

    voted_on = DateField(lazy_gettext("Date du vote"),
                         validators=[InputRequired(lazy_gettext("Indiquez la date du vote."))])
    reference = StringField(lazy_gettext("Référence (assemblée générale, délibération)"),
                            validators=[Length(max=500)])


class CallsForm(FlaskForm):
    """The provisional call of the first semester."""

    instalments = IntegerField(lazy_gettext("Nombre d'échéances"), validators=[
        InputRequired(lazy_gettext("Indiquez le nombre d'échéances.")),
        NumberRange(1, MAX_INSTALMENTS, lazy_gettext("De 1 à %(max)s échéances.",
                                                     max=MAX_INSTALMENTS))])


class ExpensesForm(FlaskForm):
    """The groupement's real expenses of the year."""

    real_expenses = MoneyField(lazy_gettext("Dépenses réelles de l'année (€)"),
                               validators=[InputRequired(lazy_gettext("Indiquez le montant."))])
    note = TextAreaField(lazy_gettext("Précision (compte de résultat, date d'arrêté…)"),
                         validators=[Optional(), Length(max=500)])


class ButtonForm(FlaskForm):
    """A button with nothing to type (regularise)."""


class ParticipationForm(FlaskForm):
    """Member or « utilisateur »."""

    participation = SelectField(lazy_gettext("Participation"), validate_choice=False,
                                choices=[SelectChoice(p.value, p.label) for p in Participation])
