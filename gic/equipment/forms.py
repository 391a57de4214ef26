"""Forms of the equipment pages: the shape of the input only.

Meaning (an establishment of the groupement, a return date after the loan,
a donation without return…) is checked by :mod:`gic.equipment.services`;
field names are those of ``DomainError.field`` so refusals land on the field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from gic.equipment.models import Category, MovementKind
from gic.forms import DateField, optional_int


class MovementForm(FlaskForm):
    """A loan or a donation to another establishment of the groupement."""

    kind = RadioField("Type", default=MovementKind.LOAN.value, validate_choice=False,
                      choices=[SelectChoice(k.value, k.label) for k in MovementKind],
                      validators=[InputRequired("Choisissez prêt ou don.")])
    to_id = SelectField("Établissement destinataire", coerce=optional_int,
                        validate_choice=False,
                        validators=[InputRequired("Choisissez l'établissement destinataire.")])
    item = StringField("Matériel", validators=[InputRequired("Décrivez le matériel."),
                                               Length(max=200)],
                       description="Par exemple « Commutateur 24 ports HP 1920 ».")
    category = SelectField("Catégorie", validate_choice=False,
                           choices=[SelectChoice("", "— choisir —")] + [
                               SelectChoice(c.value, c.label) for c in Category],
                           validators=[InputRequired("Choisissez une catégorie.")])
    serial_number = StringField("Numéro de série", validators=[Length(max=100)])
    date = DateField("Date du prêt ou du don", validators=[InputRequired("Indiquez la date.")])
    expected_return = DateField("Retour prévu le", validators=[Optional()],
                                description="Obligatoire pour un prêt ; vide pour un don.")
    condition_out = StringField("État au départ", validators=[Length(max=500)])
    notes = TextAreaField("Notes", validators=[Length(max=5000)])

    def set_choices(self, establishments) -> None:
        """The other establishments of the groupement, « choose » first."""
        self.to_id.choices = [SelectChoice("", "— choisir —")] + [
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

    returned_on = DateField("Rendu le", validators=[InputRequired("Indiquez la date du retour.")])
    condition_back = StringField("État au retour", validators=[Length(max=500)])


class ButtonForm(FlaskForm):
    """A button with nothing to type (delete)."""
