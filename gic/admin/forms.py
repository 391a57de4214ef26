"""Coordination forms: shape only (FINESS, e-mail uniqueness, roles… are the services')."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from gic.forms import optional_int
from gic.models import ROLE_LABELS


class EstablishmentForm(FlaskForm):
    """A new member establishment."""

    name = StringField("Nom", validators=[DataRequired("Indiquez le nom."), Length(max=200)])
    finess = StringField("Numéro FINESS", validators=[DataRequired("Indiquez le numéro FINESS."),
                                                      Length(max=20)])


class UserForm(FlaskForm):
    """A new person of the groupement, with an initial password."""

    email = EmailField("Adresse e-mail",
                       validators=[DataRequired("Indiquez l'adresse e-mail."), Length(max=254)])
    name = StringField("Nom", validators=[DataRequired("Indiquez le nom."), Length(max=200)])
    role = SelectField("Rôle", choices=[SelectChoice(str(role), label)
                                         for role, label in ROLE_LABELS.items()])
    establishment_id = SelectField("Établissement", coerce=optional_int,
                                   validate_choice=False)
    password = PasswordField("Mot de passe initial",
                             validators=[DataRequired("Indiquez un mot de passe initial."),
                                         Length(max=200)])

    def set_establishments(self, establishments) -> None:
        """Offer the groupement's establishments (and « none », for coordinators/accountants)."""
        self.establishment_id.choices = [
            SelectChoice("", "— Aucun (coordination, comptabilité) —")] + [
            SelectChoice(e.id, e.name) for e in establishments]


class UserEditForm(FlaskForm):
    """A person's name, role and establishment (the e-mail identifies the account)."""

    name = StringField("Nom", validators=[DataRequired("Indiquez le nom."), Length(max=200)])
    role = SelectField("Rôle", choices=[SelectChoice(str(role), label)
                                         for role, label in ROLE_LABELS.items()])
    establishment_id = SelectField("Établissement", coerce=optional_int,
                                   validate_choice=False)

    set_establishments = UserForm.set_establishments
