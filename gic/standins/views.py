"""The stand-in page of a director: his establishment's stand-ins, naming one,
ending one early. Thin handlers: check the role, the form's shape, call one
service, flash, redirect; a refusal is shown on its field with its status."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import login_required

from gic.errors import DomainError
from gic.models import User
from gic.pages import me as _me
from gic.pages import refused as _refused
from gic.policy import can, refusal_message
from gic.standins import bp, services
from gic.standins.access import standing_in, today_of
from gic.standins.forms import ActionForm, StandinForm
from gic.standins.models import Standin

FORM_ERROR = lazy_gettext("Suppléance non enregistrée : corrigez les champs signalés.")


def _director_or_403() -> User:
    me = _me()
    if not can(me, "standin.name"):
        flash(refusal_message("standin.name"), "error")
        abort(403)
    return me


@bp.app_template_global("standins_board")
def standins_board(user: User) -> dict:
    """For every dashboard: the directions the user stands in for (with what waits
    for them), and, for a director, the stand-ins he named that are current or to come."""
    if not getattr(user, "is_authenticated", False):
        return {"standing_in": [], "named": []}
    return {"standing_in": services.board_of(user) if standing_in(user) else [],
            "named": services.named_by(user)}


def _page(form: StandinForm | None = None, status: int = 200, error: str | None = None):
    me = _me()
    if form is None:
        form = StandinForm(formdata=None)
    form.set_choices(services.candidates(me))
    return render_template("standins/index.html", form=form, error=error,
                           standins=services.of_establishment(me), today=today_of(me),
                           button=ActionForm(formdata=None)), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The director's stand-ins (past, current, to come) and the form to name one."""
    me = _director_or_403()
    form = StandinForm()
    if not form.is_submitted():
        return _page()
    form.set_choices(services.candidates(me))
    if not form.validate():
        return _page(form, 422, str(FORM_ERROR))
    try:
        s = services.name_standin(me, standin_id=form.standin_id.data,
                                  starts_on=form.starts_on.data, ends_on=form.ends_on.data)
    except DomainError as refusal:
        status = _refused(refusal, form)
        on_field = any(refusal.message in errors for errors in form.errors.values())
        return _page(form, status, str(FORM_ERROR) if on_field else refusal.message)
    flash(gettext("Suppléance enregistrée : %(name)s vous supplée %(period)s (une "
                  "notification l'en informe).", name=s.standin.name, period=s.range_label),
          "success")
    return redirect(url_for(".index"))


@bp.post("/<int:standin_id>/end")
@login_required
def end(standin_id: int):
    """End a stand-in early: it stops at once."""
    me = _director_or_403()
    form = ActionForm()
    if not form.validate_on_submit():
        return _page(status=400, error=gettext("Action non effectuée : rechargez la page."))
    try:
        s: Standin = services.get_standin(me, standin_id)
        services.end_standin(s, me)
    except DomainError as refusal:  # 404 included: _refused aborts
        return _page(status=_refused(refusal), error=refusal.message)
    flash(gettext("Suppléance terminée : %(name)s n'agit plus pour la direction de votre "
                  "établissement.", name=s.standin.name), "success")
    return redirect(url_for(".index"))
