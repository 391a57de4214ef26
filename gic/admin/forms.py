"""Coordination forms: shape only (FINESS, e-mail uniqueness, roles… are the services')."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from gic.convention.constants import MAX_YEAR, MIN_YEAR
from gic.forms import optional_int
from gic.models import PayerKind, Role, VatRegime


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
    role = SelectField("Rôle", choices=[SelectChoice(role.value, role.label)
                                         for role in Role])
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
    role = SelectField("Rôle", choices=[SelectChoice(role.value, role.label)
                                         for role in Role])
    establishment_id = SelectField("Établissement", coerce=optional_int,
                                   validate_choice=False)

    set_establishments = UserForm.set_establishments


class IdentityForm(FlaskForm):
    """An establishment's billing identity (the SIRET's check digit, the Chorus Pro
    fields of public payers… are checked by gic/admin/identity.py)."""

    legal_name = StringField("Raison sociale",
                             validators=[DataRequired("Indiquez la raison sociale."),
                                         Length(max=200)])
    siret = StringField("SIRET", validators=[DataRequired("Indiquez le numéro SIRET."),
                                             Length(max=20)])
    payer_kind = RadioField("Payeur", choices=[SelectChoice(k.value, k.label)
                                               for k in PayerKind],
                            validators=[DataRequired("Choisissez un payeur public ou privé.")])
    vat_regime = RadioField("TVA", choices=[SelectChoice(k.value, k.label)
                                            for k in VatRegime],
                            validators=[DataRequired("Choisissez le régime de TVA.")])
    street = TextAreaField("Adresse (numéro, voie, complément)",
                           validators=[DataRequired("Indiquez l'adresse."), Length(max=300)])
    postal_code = StringField("Code postal",
                              validators=[DataRequired("Indiquez le code postal."),
                                          Length(max=5, message="Le code postal compte "
                                                 "5 chiffres.")])
    city = StringField("Commune", validators=[DataRequired("Indiquez la commune."),
                                              Length(max=100)])
    chorus_service_code = StringField("Code service Chorus Pro",
                                      validators=[Optional(), Length(max=100)])
    engagement_year = IntegerField(
        "Année du numéro d'engagement",
        validators=[Optional(), NumberRange(MIN_YEAR, MAX_YEAR,
                                             f"Une année entre {MIN_YEAR} et {MAX_YEAR}.")])
    engagement_number = StringField("Numéro d'engagement",
                                    validators=[Optional(), Length(max=50)])
