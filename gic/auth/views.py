"""Login, logout, profile with personal API tokens and the calendar subscription."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user, login_required, logout_user

from gic.auth import bp, passwords, services
from gic.auth.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NotificationsForm,
    ResetPasswordForm,
    TokenForm,
)
from gic.calendar import services as calendar
from gic.errors import DomainError
from gic.notifications.services import channel_of, set_channel
from gic.pages import back_to


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after login."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; throttled after repeated failures (same message either way)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         request.remote_addr or "")
        except DomainError as error:
            form.password.errors.append(error.message)
            status = error.status if error.status == 429 else 200
        else:
            services.open_session(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out everywhere this session was valid."""
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(gettext("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The user's profile and personal API tokens (the raw token is shown once)."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = services.create_token(current_user, form.name.data,
                                             expires_in_days=form.expires_in_days.data)
        flash(gettext("Jeton créé : copiez-le maintenant, il ne sera plus affiché."), "success")
    return _profile_page(form=form, new_token=new_token)


def _profile_page(form: TokenForm | None = None, **shown):
    """The profile page; ``shown``: what is displayed once (a new token or address)."""
    return render_template("auth/profile.html",
                           form=form if form is not None else TokenForm(formdata=None),
                           tokens=services.user_tokens(current_user),
                           calendar_feed=calendar.feed_of(current_user),
                           notifications_form=NotificationsForm(
                               formdata=None, channel=channel_of(current_user)),
                           language_form=LanguageForm(
                               formdata=None, language=current_user.language.value),
                           **{"new_token": None, "calendar_address": None} | shown)


@bp.route("/profile/calendar", methods=["POST"])
@login_required
def calendar_feed():
    """Make the calendar subscription address, or a new one (the old one stops); it
    is shown on this answer only, never again (only its hash is kept)."""
    regenerated = calendar.feed_of(current_user) is not None
    _, raw = calendar.generate(current_user)  # CSRF is checked app-wide before the view
    flash(gettext("Nouvelle adresse créée : l'ancienne ne fonctionne plus. Ajoutez-la "
                  "maintenant à votre agenda : elle ne sera plus affichée.") if regenerated else
          gettext("Adresse d'abonnement créée. Ajoutez-la maintenant à votre agenda : elle "
                  "ne sera plus affichée."), "success")
    return _profile_page(calendar_address=calendar.address(raw))


@bp.route("/profile/calendar/disable", methods=["POST"])
@login_required
def disable_calendar_feed():
    """Stop the calendar subscription: its address answers « introuvable » from now on."""
    if calendar.disable(current_user):
        flash(gettext("Abonnement calendrier désactivé : son adresse ne fonctionne plus."),
              "success")
    return redirect(url_for("auth.profile", _anchor="calendar"))


@bp.route("/profile/notifications", methods=["POST"])
@login_required
@back_to(".profile", anchor="notifications")
def notifications():
    """Choose e-mail (and in-app) or in-app only for one's notifications."""
    form = NotificationsForm()  # CSRF is checked app-wide before the view
    set_channel(current_user, form.channel.data)  # refused: flashed, back to the profile
    flash(gettext("Préférence enregistrée : vos notifications vous sont aussi envoyées par "
                  "e-mail.") if current_user.notify_by_email else
          gettext("Préférence enregistrée : vos notifications restent dans GIC, sans e-mail."),
          "success")
    return redirect(url_for("auth.profile", _anchor="notifications"))


@bp.route("/profile/language", methods=["POST"])
@login_required
@back_to(".profile", anchor="language")
def language():
    """Choose the interface's language: kept on the profile, so across logins."""
    form = LanguageForm()  # CSRF is checked app-wide before the view
    chosen = services.set_language(current_user, form.language.data)  # refused: flashed
    session.pop("lang", None)
    with force_locale(chosen.value):  # said in the language just chosen
        flash(gettext("Langue enregistrée : %(language)s.", language=chosen.label), "success")
    return redirect(url_for("auth.profile", _anchor="language"))


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own tokens (someone else's is a 404, like an unknown one)."""
    services.revoke_token(current_user, token_id)
    flash(gettext("Jeton révoqué."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """« Mot de passe oublié » : a reset link by e-mail; the same answer whether or
    not the e-mail has an account (throttled per address and per e-mail)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.request_reset(form.email.data, request.remote_addr or "")
        except services.TooManyAttempts as error:
            form.email.errors.append(error.message)
            return render_template("auth/forgot.html", form=form), 429
        flash(gettext("Si un compte actif correspond à cette adresse, un e-mail vient de lui "
                      "être envoyé avec un lien pour choisir un nouveau mot de passe. Pensez à "
                      "regarder dans les indésirables."), "info")
        return redirect(url_for("auth.forgot_password"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link (once, before it expires); every
    session of the account ends and its login lock is lifted."""
    try:
        user = passwords.user_for_reset_token(token)
    except passwords.InvalidResetLink as error:
        return render_template("auth/reset.html", form=None, invalid=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.reset_password(token, form.password.data, request.remote_addr or "")
        except passwords.InvalidResetLink as error:
            return render_template("auth/reset.html", form=None, invalid=error.message), 400
        except DomainError as error:
            form.password.errors.append(error.message)
        else:  # the account's sessions ended with the change (its session token)
            flash(gettext("Mot de passe changé : connectez-vous avec le nouveau. Vos autres "
                          "sessions ont été fermées, vos jetons d'API et votre abonnement "
                          "calendrier révoqués."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user, invalid=None), \
        422 if form.errors else 200
