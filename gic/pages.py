"""Page helpers shared by the areas' views: the current user, loading an object
or the error page, a refusal shown on its field (Jinja filters, such as the
bilan partials' ``iso_fr_date``, live in gic/web.py)."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_login import current_user
from flask_wtf import FlaskForm

from gic.errors import DomainError
from gic.extensions import db
from gic.models import User

FORM_ERROR = "{what} : corrigez les champs signalés."


def me() -> User:
    """The logged-in user (the real object, for the services)."""
    return current_user._get_current_object()


def load(getter, object_id: int):
    """``getter(user, id)`` (a service's ``get_…``), or the error page: 404 for what
    the user may not know exists, else the refusal's status with its message."""
    try:
        return getter(me(), object_id)
    except DomainError as error:
        db.session.rollback()
        if error.status != 404:
            flash(error.message, "error")
        abort(error.status)


def refused(error: DomainError, form: FlaskForm | None = None,
            aliases: dict[str, str] | None = None) -> int:
    """Undo the refused change, put the message on the field it names (a service's
    field name may be another on the form: ``aliases``); its status (a 404 refusal
    aborts: the object is not the user's to know)."""
    db.session.rollback()
    if error.status == 404:
        abort(404)
    name = (aliases or {}).get(error.field, error.field)
    if form is not None and name and name in form:
        form[name].errors = [*form[name].errors, error.message]
    return error.status


def refusal_page(error: DomainError):
    """A refusal with no form to show it on: the error page with its message."""
    code = refused(error)
    flash(error.message, "error")
    return render_template("error.html", code=code), code
