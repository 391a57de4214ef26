"""Coordination pages: the groupement's establishments and users (coordinators only).

The services check the role (:func:`users_of`, :func:`create_establishment`,
:func:`create_user` raise Forbidden for anyone else, shown as a 403 page).
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from gic.admin import bp, services
from gic.admin.forms import EstablishmentForm, UserForm
from gic.errors import DomainError, Forbidden


def _forms(establishment_form=None, user_form=None):
    establishment_form = establishment_form or EstablishmentForm(prefix="est")
    user_form = user_form or UserForm(prefix="user")
    return establishment_form, user_form


def _render(establishment_form=None, user_form=None, status: int = 200):
    """The page (403 unless coordinator), with the given forms (errors kept)."""
    try:
        users = services.users_of(current_user)
    except Forbidden:
        abort(403)
    establishments = services.establishments_of(current_user, candidates=True)
    establishment_form, user_form = _forms(establishment_form, user_form)
    user_form.set_establishments(establishments)
    return render_template("admin/index.html", establishments=establishments, users=users,
                           establishment_form=establishment_form, user_form=user_form), status


def _show_error(form, error: DomainError) -> None:
    """Put a service refusal on the form field it names, else on top of the page."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [error.message]
    else:
        flash(error.message, "error")


@bp.route("/")
@login_required
def index():
    """Establishments and users of the groupement, with the two creation forms."""
    return _render()


@bp.route("/establishments", methods=["POST"])
@login_required
def create_establishment():
    """Add an establishment (name, FINESS)."""
    form = EstablishmentForm(prefix="est")
    if form.validate_on_submit():
        try:
            e = services.create_establishment(current_user, name=form.name.data,
                                              finess=form.finess.data)
        except Forbidden:
            abort(403)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(f"Établissement « {e.name} » ajouté."
                  + ("" if e.is_member else " Il est candidat : son adhésion est soumise au "
                     "vote de chaque direction membre."), "success")
            return redirect(url_for("admin.index"))
    return _render(establishment_form=form, status=422)


@bp.route("/users", methods=["POST"])
@login_required
def create_user():
    """Add a person with a role, an establishment and an initial password."""
    form = UserForm(prefix="user")
    form.set_establishments(services.establishments_of(current_user, candidates=True))
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user, email=form.email.data, name=form.name.data,
                role=form.role.data, establishment_id=form.establishment_id.data,
                password=form.password.data)
        except Forbidden:
            abort(403)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(f"Compte de {user.name} créé ({user.role_label}).", "success")
            return redirect(url_for("admin.index"))
    return _render(user_form=form, status=422)
