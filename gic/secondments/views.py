"""Secondments pages: list, proposal, detail with approvals, approve/refuse/cancel.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. A refusal (:class:`gic.errors.DomainError`) is rolled back,
shown in French (on the field it names) with its status, what was typed kept.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from gic import timeutil
from gic.admin.services import establishments_of
from gic.audit.services import on_behalf_of
from gic.errors import DomainError
from gic.forms import optional_int
from gic.models import User
from gic.pages import load, paginate
from gic.pages import me as _me
from gic.pages import refused as _refused
from gic.policy import can, refusal_message
from gic.secondments import bp, services
from gic.secondments.forms import ActionForm, ProposeForm, RefuseForm
from gic.secondments.models import Pricing, Secondment

PER_PAGE = 25


def _today():
    return timeutil.local_today(current_user.groupement.timezone)


def _load(secondment_id: int) -> Secondment:
    return load(services.get_secondment, secondment_id)



@bp.app_template_global("secondments_awaiting")
def secondments_awaiting(user: User) -> list[Secondment]:
    """For the director's dashboard: secondments waiting for his approval."""
    return services.awaiting_approval(user)


@bp.route("/")
@login_required
def index():
    """The secondments the user may read, newest first, 25 a page."""
    me = _me()
    page = paginate(services.with_parties(services.visible_secondments(me)), PER_PAGE)
    return render_template("secondments/index.html", page=page, today=_today())


def _prefill(form: ProposeForm) -> None:
    """« Proposer un détachement » from a cap refusal names the pair in the URL."""
    for name in ("provider_id", "beneficiary_id"):
        try:
            form[name].data = optional_int(request.args.get(name))
        except ValueError:
            pass


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Propose a secondment between one's own establishment and another."""
    me = _me()
    if not can(me, "secondment.propose"):
        flash(refusal_message("secondment.propose"), "error")
        return render_template("error.html", code=403), 403
    form = ProposeForm()
    form.set_choices(establishments_of(me), services.groupement_technicians(me))
    status, error = 200, None
    if not form.is_submitted():
        _prefill(form)
    elif not form.validate():
        status, error = 422, gettext("Proposition non enregistrée : corrigez les champs "
                                     "signalés.")
    else:
        try:
            s = services.propose(
                me, provider_id=form.provider_id.data, beneficiary_id=form.beneficiary_id.data,
                project=form.project.data, description=form.description.data,
                start_date=form.start_date.data, end_date=form.end_date.data,
                pricing=form.pricing.data, hourly_rate=form.hourly_rate.data,
                lump_sum=form.lump_sum.data, technician_ids=form.technician_ids.data or [])
        except DomainError as refusal:
            status, error = _refused(refusal, form), refusal.message
        else:
            flash(gettext("%(title)s proposé : les directions concernées sont prévenues.",
                          title=s.title), "success")
            return redirect(url_for(".detail", secondment_id=s.id))
    return render_template("secondments/new.html", form=form, error=error,
                           Pricing=Pricing), status


def _detail_page(s: Secondment, *, status: int = 200, refusal: str | None = None,
                 refuse_form: RefuseForm | None = None):
    me = _me()
    return render_template(
        "secondments/detail.html", s=s, today=_today(), actions=services.next_actions(me, s),
        interventions=services.interventions_of(s, me), yearly=services.yearly_billing(s),
        button=ActionForm(formdata=None), refuse_form=refuse_form or RefuseForm(formdata=None),
        refusal=refusal, can_attach=services.can_attach(me, s), Pricing=Pricing,
        behalf=on_behalf_of(s)), status


@bp.route("/<int:secondment_id>")
@login_required
def detail(secondment_id: int):
    """One secondment: parties, terms, approvals, attached interventions, billing per year."""
    return _detail_page(_load(secondment_id))


def _act(secondment_id: int, form: FlaskForm, call, success: str, *, refuse: bool = False):
    s = _load(secondment_id)
    if not form.validate_on_submit():
        return _detail_page(s, status=422, refusal=gettext("Action non effectuée : corrigez "
                                                           "les champs signalés."),
                            refuse_form=form if refuse else None)
    try:
        call(s, form)
    except DomainError as error:
        status = _refused(error, form)
        return _detail_page(s, status=status, refusal=error.message,
                            refuse_form=form if refuse else None)
    flash(success, "success")
    return redirect(url_for(".detail", secondment_id=s.id))


@bp.post("/<int:secondment_id>/approve")
@login_required
def approve(secondment_id: int):
    """A director of one of the two establishments approves."""
    return _act(secondment_id, ActionForm(), lambda s, f: services.approve(s, _me()),
                gettext("Approbation enregistrée."))


@bp.post("/<int:secondment_id>/refuse")
@login_required
def refuse(secondment_id: int):
    """A director of one of the two establishments refuses, with a reason."""
    return _act(secondment_id, RefuseForm(),
                lambda s, f: services.refuse(s, _me(), f.reason.data),
                gettext("Détachement refusé : le motif est visible des deux établissements."),
                refuse=True)


@bp.post("/<int:secondment_id>/cancel")
@login_required
def cancel(secondment_id: int):
    """The proposer withdraws his proposal before approval."""
    return _act(secondment_id, ActionForm(), lambda s, f: services.cancel(s, _me()),
                gettext("Proposition annulée."))
