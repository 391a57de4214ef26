"""Coordination forms: shape only (FINESS, e-mail uniqueness, roles… are the services')."""

from flask_babel import lazy_gettext as _l
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


def _labels(kind) -> list[SelectChoice]:
    """An enum's choices with lazy labels: read in the request's language."""
    return [SelectChoice(k.value, _l(k._label)) for k in kind]


class EstablishmentForm(FlaskForm):
    """A new member establishment."""

    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom.")),
                                              Length(max=200)])
    finess = StringField(_l("Numéro FINESS"),
                         validators=[DataRequired(_l("Indiquez le numéro FINESS.")),
                                     Length(max=20)])


class UserForm(FlaskForm):
    """A new person of the groupement, with an initial password."""

    email = EmailField(_l("Adresse e-mail"),
                       validators=[DataRequired(_l("Indiquez l'adresse e-mail.")),
                                   Length(max=254)])
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom.")),
                                              Length(max=200)])
    role = SelectField(_l("Rôle"), choices=_labels(Role))
    establishment_id = SelectField(_l("Établissement"), coerce=optional_int,
                                   validate_choice=False)
    password = PasswordField(_l("Mot de passe initial"),
                             validators=[DataRequired(_l("Indiquez un mot de passe initial.")),
                                         Length(max=200)])

    def set_establishments(self, establishments) -> None:
        """Offer the groupement's establishments (and « none », for coordinators/accountants)."""
        self.establishment_id.choices = [
            SelectChoice("", _l("— Aucun (coordination, comptabilité) —"))] + [
            SelectChoice(e.id, e.name) for e in establishments]


class UserEditForm(FlaskForm):
    """A person's name, role and establishment (the e-mail identifies the account)."""

    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom.")),
                                              Length(max=200)])
    role = SelectField(_l("Rôle"), choices=_labels(Role))
    establishment_id = SelectField(_l("Établissement"), coerce=optional_int,
                                   validate_choice=False)

    set_establishments = UserForm.set_establishments


class IdentityForm(FlaskForm):
    """An establishment's billing identity (the SIRET's check digit, the Chorus Pro
    fields of public payers… are checked by gic/admin/identity.py)."""

    legal_name = StringField(_l("Raison sociale"),
                             validators=[DataRequired(_l("Indiquez la raison sociale.")),
                                         Length(max=200)])
    siret = StringField(_l("SIRET"), validators=[DataRequired(_l("Indiquez le numéro SIRET.")),
                                             Length(max=20)])
    payer_kind = RadioField(_l("Payeur"), choices=_labels(PayerKind),
                            validators=[DataRequired(_l("Choisissez un payeur public ou privé."))])
    vat_regime = RadioField(_l("TVA"), choices=_labels(VatRegime),
                            validators=[DataRequired(_l("Choisissez le régime de TVA."))])
    street = TextAreaField(_l("Adresse (numéro, voie, complément)"),
                           validators=[DataRequired(_l("Indiquez l'adresse.")), Length(max=300)])
    postal_code = StringField(_l("Code postal"),
                              validators=[DataRequired(_l("Indiquez le code postal.")),
                                          Length(max=5, message=_l(
                                              "Le code postal compte 5 chiffres."))])
    city = StringField(_l("Commune"), validators=[DataRequired(_l("Indiquez la commune.")),
                                              Length(max=100)])
    chorus_service_code = StringField(_l("Code service Chorus Pro"),
                                      validators=[Optional(), Length(max=100)])
    engagement_year = IntegerField(
        _l("Année du numéro d'engagement"),
        validators=[Optional(), NumberRange(MIN_YEAR, MAX_YEAR,
                                             _l("Une année entre %(min)s et %(max)s.",
                                                          min=MIN_YEAR, max=MAX_YEAR))])
    engagement_number = StringField(_l("Numéro d'engagement"),
                                    validators=[Optional(), Length(max=50)])
