"""Login and profile forms (shape only; meaning is checked by the services)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from gic.notifications.services import CHANNELS


class LoginForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez votre e-mail."),
                                                     Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Mot de passe",
                             validators=[DataRequired("Indiquez votre mot de passe."),
                                         Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class TokenForm(FlaskForm):
    name = StringField("Nom du jeton (par exemple : script de la comptabilité)",
                       validators=[Length(max=100)])


class NotificationsForm(FlaskForm):
    """How one's notifications arrive (the service checks the value)."""

    channel = RadioField("Recevoir mes notifications", validate_choice=False,
                         choices=[SelectChoice(k, label) for k, label in CHANNELS.items()])
