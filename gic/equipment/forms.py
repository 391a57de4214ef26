"""Forms of the equipment pages: the shape of the input only.

Meaning (an establishment of the groupement, a return date after the loan,
a donation without return…) is checked by :mod:`gic.equipment.services`;
field names are those of ``DomainError.field`` so refusals land on the field.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from gic.equipment.models import Category, MovementKind
from gic.forms import DateField, optional_int


class MovementForm(FlaskForm):
    """A loan or a donation to another establishment of the groupement."""

    kind = RadioField(lazy_gettext("Type"), default=MovementKind.LOAN.value,
                      validate_choice=False,
                      validators=[InputRequired(lazy_gettext("Choisissez prêt ou don."))])
    to_id = SelectField(lazy_gettext("Établissement destinataire"), coerce=optional_int,
                        validate_choice=False,
                        validators=[InputRequired(
                            lazy_gettext("Choisissez l'établissement destinataire."))])
    item = StringField(lazy_gettext("Matériel"),
                       validators=[InputRequired(lazy_gettext("Décrivez le matériel.")),
                                   Length(max=200)],
                       description=lazy_gettext("Par exemple « Commutateur 24 ports HP 1920 »."))
    category = SelectField(lazy_gettext("Catégorie"), validate_choice=False,
                           validators=[InputRequired(lazy_gettext("Choisissez une catégorie."))])
    serial_number = StringField(lazy_gettext("Numéro de série"), validators=[Length(max=100)])
    date = DateField(lazy_gettext("Date du prêt ou du don"),
                     validators=[InputRequired(lazy_gettext("Indiquez la date."))])
    expected_return = DateField(lazy_gettext("Retour prévu le"), validators=[Optional()],
                                description=lazy_gettext(
                                    "Obligatoire pour un prêt ; vide pour un don."))
    condition_out = StringField(lazy_gettext("État au départ"), validators=[Length(max=500)])
    notes = TextAreaField(lazy_gettext("Notes"), validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Labels read now, in the reader's language.
        self.kind.choices = [SelectChoice(k.value, k.label) for k in MovementKind]
        self.category.choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(c.value, c.label) for c in Category]

    def set_choices(self, establishments) -> None:
        """The other establishments of the groupement, « choose » first."""
        self.to_id.choices = [SelectChoice("", gettext("— choisir —"))] + [
            SelectChoice(e.id, e.name) for e in establishments]

    def values(self) -> dict:
        """The keyword arguments of the services."""
        return {"kind": self.kind.data, "to_id": self.to_id.data, "item": self.item.data,
                "category": self.category.data, "day": self.date.data,
                "expected_return": self.expected_return.data,
                "serial_number": self.serial_number.data or "",
                "condition_out": self.condition_out.data or "", "notes": self.notes.data or ""}


class ReturnForm(FlaskForm):
    """The lender records the return of a loaned item."""

    returned_on = DateField(lazy_gettext("Rendu le"), validators=[
        InputRequired(lazy_gettext("Indiquez la date du retour."))])
    condition_back = StringField(lazy_gettext("État au retour"), validators=[Length(max=500)])


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
