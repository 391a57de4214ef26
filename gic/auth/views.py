"""Login, logout, profile with personal API tokens."""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from gic.auth import bp, services
from gic.auth.forms import LoginForm, NotificationsForm, TokenForm
from gic.errors import DomainError, NotFound
from gic.notifications.services import channel_of, set_channel


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
            session.clear()  # a fresh session at login (no fixation)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out everywhere this session was valid."""
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The user's profile and personal API tokens (the raw token is shown once)."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = services.create_token(current_user, form.name.data)
        flash("Jeton créé : copiez-le maintenant, il ne sera plus affiché.", "success")
    return render_template("auth/profile.html", form=form, new_token=new_token,
                           tokens=services.user_tokens(current_user),
                           notifications_form=NotificationsForm(
                               formdata=None, channel=channel_of(current_user)))


@bp.route("/profile/notifications", methods=["POST"])
@login_required
def notifications():
    """Choose e-mail (and in-app) or in-app only for one's notifications."""
    form = NotificationsForm()  # CSRF is checked app-wide before the view
    try:
        set_channel(current_user, form.channel.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("Préférence enregistrée : " + (
            "vos notifications vous sont aussi envoyées par e-mail."
            if current_user.notify_by_email else
            "vos notifications restent dans GIC, sans e-mail."), "success")
    return redirect(url_for("auth.profile", _anchor="notifications"))


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own tokens (someone else's is a 404, like an unknown one)."""
    try:
        services.revoke_token(current_user, token_id)
    except NotFound:
        abort(404)
    flash("Jeton révoqué.", "success")
    return redirect(url_for("auth.profile"))
