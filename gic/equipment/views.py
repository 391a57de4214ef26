"""Pages of the equipment register: the register, the loans out (overdue first),
record a loan or donation, a movement's page with its return, change, remove.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. A refusal is rolled back and shown on its field in the reader's language,
with its status (403, 409, 422), what the user typed kept.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from gic.admin.services import establishments_of
from gic.equipment import bp, services
from gic.equipment.forms import ButtonForm, MovementForm, ReturnForm
from gic.equipment.models import Movement
from gic.errors import DomainError, Forbidden
from gic.pages import load, me, paginate, refusal_page, refused
from gic.policy import authorize
from gic.registers import today_of

PER_PAGE = 25

# The dashboards show the overdue loans of the user's establishment
# (``templates/equipment/_dashboard.html``); the bilan partials format ISO dates.
bp.add_app_template_global(services.overdue_for, "equipment_overdue")


def _load(movement_id: int) -> Movement:
    return load(services.get_movement, movement_id)


def _list(view: str, selection):
    """The register or the loans out: the same table (25 a page), two selections."""
    user = me()
    try:
        page = paginate(services.with_parties(selection(user)), PER_PAGE)
    except DomainError as error:
        return refusal_page(error)
    return render_template("equipment/list.html", view=view, page=page,
                           today=today_of(user.groupement_id))


@bp.route("/")
@login_required
def index():
    """Every movement the user may read, newest first."""
    return _list("equipment.index", services.visible_movements)


@bp.route("/out")
@login_required
def out():
    """Loans not returned yet, overdue first, with the days late."""
    return _list("equipment.out", services.loans_out)


def _form_page(form: MovementForm, movement: Movement | None, status: int = 200,
               error: str | None = None):
    return render_template("equipment/form.html", form=form, movement=movement,
                           error=error), status


def _targets(form: MovementForm) -> None:
    user = me()
    form.set_choices([e for e in establishments_of(user) if e.id != user.establishment_id])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The staff of an establishment records a loan or a donation it makes."""
    user = me()
    try:
        authorize(user, "equipment.record")
    except Forbidden as refusal:
        return refusal_page(refusal)
    form = MovementForm()
    _targets(form)
    if not form.is_submitted():
        form.date.data = today_of(user.groupement_id)
        return _form_page(form, None)
    if not form.validate():
        return _form_page(form, None, 422,
                          gettext("Mouvement non enregistré : corrigez les champs signalés."))
    try:
        m = services.record_movement(user, **form.values())
    except DomainError as error:
        return _form_page(form, None, refused(error, form), error.message)
    flash(gettext("%(kind)s enregistré : %(item)s pour %(name)s.", kind=m.kind.label,
                  item=m.item, name=m.borrower.name), "success")
    return redirect(url_for(".detail", movement_id=m.id))


def _detail_page(m: Movement, status: int = 200, error: str | None = None,
                 return_form: ReturnForm | None = None):
    user = me()
    today = today_of(user.groupement_id)
    if return_form is None:
        return_form = ReturnForm(formdata=None, data={"returned_on": today})
    return render_template("equipment/detail.html", m=m, today=today, error=error,
                           actions=services.allowed_actions(user, m), return_form=return_form,
                           button=ButtonForm(formdata=None)), status


@bp.route("/<int:movement_id>")
@login_required
def detail(movement_id: int):
    """One movement: who lent or gave what to whom, its dates and conditions."""
    return _detail_page(_load(movement_id))


@bp.route("/<int:movement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(movement_id: int):
    """The lender corrects a movement (until returned, and while its year is open)."""
    m = _load(movement_id)
    try:
        services.authorize_change(m, me())
    except DomainError as error:
        return _detail_page(m, refused(error), error.message)
    form = MovementForm(data=_values_of(m))
    _targets(form)
    if not form.is_submitted():
        return _form_page(form, m)
    if not form.validate():
        return _form_page(form, m, 422,
                          gettext("Mouvement non modifié : corrigez les champs signalés."))
    try:
        services.update_movement(m, me(), **form.values())
    except DomainError as error:
        return _form_page(form, m, refused(error, form), error.message)
    flash(gettext("Mouvement modifié."), "success")
    return redirect(url_for(".detail", movement_id=m.id))


def _values_of(m: Movement) -> dict:
    """The form's initial data: the movement as it is."""
    return {"kind": str(m.kind), "to_id": m.to_id, "item": m.item,
            "category": str(m.category), "date": m.date, "expected_return": m.expected_return,
            "serial_number": m.serial_number, "condition_out": m.condition_out,
            "notes": m.notes}


@bp.post("/<int:movement_id>/return")
@login_required
def record_return(movement_id: int):
    """The lender records that the loaned item came back."""
    m = _load(movement_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _detail_page(m, 422,
                            gettext("Retour non enregistré : corrigez les champs signalés."), form)
    try:
        services.record_return(m, me(), returned_on=form.returned_on.data,
                               condition_back=form.condition_back.data or "")
    except DomainError as error:
        return _detail_page(m, refused(error, form), error.message, form)
    flash(gettext("Retour enregistré : %(item)s est revenu chez %(name)s.", item=m.item,
                  name=m.lender.name), "success")
    return redirect(url_for(".detail", movement_id=m.id))


@bp.post("/<int:movement_id>/delete")
@login_required
def delete(movement_id: int):
    """The lender removes a movement recorded by mistake."""
    m = _load(movement_id)
    if not ButtonForm().validate_on_submit():
        return _detail_page(m, 400, gettext("Le formulaire a expiré : rechargez la page."))
    try:
        services.delete_movement(m, me())
    except DomainError as error:
        return _detail_page(m, refused(error), error.message)
    flash(gettext("Mouvement supprimé du registre."), "success")
    return redirect(url_for(".index"))
