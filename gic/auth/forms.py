"""Login and profile forms (shape only; meaning is checked by the services)."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from gic.enums import Language
from gic.forms import optional_int
from gic.notifications.services import CHANNELS


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("Adresse e-mail"),
                       validators=[DataRequired(lazy_gettext("Indiquez votre e-mail.")),
                                   Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(lazy_gettext("Mot de passe"),
                             validators=[DataRequired(lazy_gettext("Indiquez votre mot de passe.")),
                                         Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(FlaskForm):
    """« Mot de passe oublié » : the e-mail of the account."""

    email = EmailField(lazy_gettext("Adresse e-mail"),
                       validators=[DataRequired(lazy_gettext("Indiquez votre e-mail.")),
                                   Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(lazy_gettext("Nouveau mot de passe"),
                             validators=[DataRequired(lazy_gettext(
                                 "Indiquez un nouveau mot de passe.")),
                                         Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(lazy_gettext("Confirmez le mot de passe"),
                            validators=[DataRequired(lazy_gettext("Confirmez le mot de passe.")),
                                        EqualTo("password", lazy_gettext(
                                            "Les deux mots de passe diffèrent."))],
                            render_kw={"autocomplete": "new-password"})


TOKEN_LIFETIMES = [SelectChoice("", lazy_gettext("Jusqu'à sa révocation")),
                   SelectChoice(30, lazy_gettext("30 jours")),
                   SelectChoice(90, lazy_gettext("90 jours")),
                   SelectChoice(365, lazy_gettext("1 an"))]


class TokenForm(FlaskForm):
    name = StringField(lazy_gettext("Nom du jeton (par exemple : script de la comptabilité)"),
                       validators=[Length(max=100)])
    expires_in_days = SelectField(lazy_gettext("Validité"), choices=TOKEN_LIFETIMES,
                                  coerce=optional_int,
                                  default="")


class LanguageForm(FlaskForm):
    """The interface's language (the service checks the value)."""

    language = RadioField(lazy_gettext("Langue de l'interface"), validate_choice=False,
                          choices=[SelectChoice(k.value, k.label) for k in Language])


class NotificationsForm(FlaskForm):
    """How one's notifications arrive (the service checks the value)."""

    channel = RadioField(lazy_gettext("Recevoir mes notifications"), validate_choice=False,
                         choices=[SelectChoice(k, label) for k, label in CHANNELS.items()])
