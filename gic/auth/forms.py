"""Login and profile forms (shape only; meaning is checked by the services)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


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
