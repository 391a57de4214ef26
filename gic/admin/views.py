"""Coordination pages: the groupement's establishments and users (coordinators only).

The services check the role (:func:`users_of`, :func:`create_establishment`,
:func:`create_user` raise Forbidden for anyone else, shown as a 403 page by the
app-wide :func:`gic.pages.refusal_answer`).
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from gic import timeutil
from gic.admin import bp, identity, services, users
from gic.admin.forms import EstablishmentForm, IdentityForm, UserEditForm, UserForm
from gic.enums import N_
from gic.errors import DomainError, Forbidden
from gic.extensions import db
from gic.pages import back_to
from gic.policy import can


def _forms(establishment_form=None, user_form=None):
    establishment_form = establishment_form or EstablishmentForm(prefix="est")
    user_form = user_form or UserForm(prefix="user")
    return establishment_form, user_form


def _render(establishment_form=None, user_form=None, status: int = 200):
    """The page (403 unless coordinator), with the given forms (errors kept)."""
    users = services.users_of(current_user)
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
            flash(gettext("Établissement « %(name)s » ajouté.", name=e.name) if e.is_member
                  else gettext("Établissement « %(name)s » ajouté. Il est candidat : son "
                               "adhésion est soumise au vote de chaque direction membre.",
                               name=e.name), "success")
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
            flash(gettext("Compte de %(name)s créé (%(role)s).", name=user.name,
                          role=user.role.label), "success")
            return redirect(url_for("admin.index"))
    return _render(user_form=form, status=422)


def _user_or_abort(user_id: int):
    """A person of the coordinator's groupement: 403 for other roles, 404 outside."""
    return users.user_in_scope(current_user, user_id)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    """A person's page: name, role, establishment; deactivate or reactivate; send a
    link to choose a new password."""
    user = _user_or_abort(user_id)
    form = UserEditForm(obj=user)
    form.set_establishments(services.establishments_of(current_user, candidates=True))
    status = 200
    if form.validate_on_submit():
        try:
            users.update_user(current_user, user, name=form.name.data, role=form.role.data,
                              establishment_id=form.establishment_id.data)
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            flash(gettext("Compte de %(name)s enregistré.", name=user.name), "success")
            if not can(current_user, "admin.manage"):  # he stepped down himself
                return redirect(url_for("main.index"))
            return redirect(url_for("admin.edit_user", user_id=user.id))
    if form.errors or request.method == "POST":
        status = 422
    return render_template("admin/user.html", user=user, form=form), status


def _lifecycle_step(user_id: int, step, done: str):
    """Run one account action on the person's page and come back to it (refused: the
    same page with the reason, :func:`gic.pages.refusal_answer`); ``done``: a message
    marked ``N_``, translated here."""
    user = _user_or_abort(user_id)
    step(user)
    flash(gettext(done, name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
@back_to(".edit_user")
def deactivate_user(user_id: int):
    """Deactivate: no more login, sessions ended, every API token and the calendar
    address revoked."""
    return _lifecycle_step(user_id, lambda u: users.set_active(current_user, u, False),
                           N_("Compte de %(name)s désactivé : ses sessions sont fermées, "
                              "ses jetons d'API et son adresse d'agenda révoqués."))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
@back_to(".edit_user")
def reactivate_user(user_id: int):
    """Reactivate (old API tokens and calendar address stay revoked)."""
    return _lifecycle_step(user_id, lambda u: users.set_active(current_user, u, True),
                           N_("Compte de %(name)s réactivé. Ses anciens jetons d'API et son "
                              "ancienne adresse d'agenda restent révoqués."))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@login_required
@back_to(".edit_user")
def send_reset_link(user_id: int):
    """E-mail the person a single-use link to choose a new password."""
    return _lifecycle_step(user_id, lambda u: users.send_reset_link(current_user, u),
                           N_("Lien envoyé à %(name)s pour choisir un nouveau mot de passe."))


@bp.route("/establishments/<int:establishment_id>/identity", methods=["GET", "POST"])
@login_required
def establishment_identity(establishment_id: int):
    """An establishment's billing identity: the coordinator edits it, the accountant
    reads it (the documents print it)."""
    e = identity.identity_in_scope(current_user, establishment_id)
    editable = can(current_user, "admin.edit_identity")
    if request.method == "POST" and not editable:
        abort(403)
    form = IdentityForm(obj=e)
    year = timeutil.local_today(current_user.groupement.timezone).year
    if request.method == "GET":
        form.engagement_year.data = year
        form.engagement_number.data = next(
            (g.number for g in e.engagements if g.year == year), None)
    status = 200
    if editable and form.validate_on_submit():
        try:
            identity.update_identity(
                current_user, e, legal_name=form.legal_name.data, siret=form.siret.data,
                payer_kind=form.payer_kind.data, vat_regime=form.vat_regime.data,
                street=form.street.data, postal_code=form.postal_code.data,
                city=form.city.data, chorus_service_code=form.chorus_service_code.data,
                engagement_year=form.engagement_year.data,
                engagement_number=form.engagement_number.data)
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            flash(gettext("Identité de facturation de « %(name)s » enregistrée.", name=e.name),
                  "success")
            return redirect(url_for("admin.establishment_identity", establishment_id=e.id))
    if request.method == "POST":
        status = 422
        flash(gettext("Rien n'est enregistré : corrigez les champs signalés."), "error")
    return render_template("admin/identity.html", establishment=e, form=form,
                           editable=editable, year=year), status
