"""Pages of the governance area (/groupement): the identity card (page and PDF),
the procedures decided by unanimity or, under the ordered-hours model, by the
members' weighted vote (membership, renewal) and the convention's versions.

Thin handlers: load or 404, check the form's shape, call one service, flash,
redirect. A service's refusal is shown on the form field it names (or on top)
with the status it carries (403, 404, 409, 422); nothing changes.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from gic import timeutil
from gic.audit.services import on_behalf_of
from gic.errors import DomainError, Forbidden, NotFound
from gic.governance import bp, electorate, procedures, queries, services, versions
from gic.governance.forms import (
    BallotForm,
    ButtonForm,
    CandidateForm,
    CardForm,
    RenewalForm,
    VersionForm,
    WithdrawForm,
    offer_rules,
)
from gic.governance.models import Ballot, Procedure
from gic.pages import back_to, load, paginate
from gic.policy import can

PER_PAGE = 30


def _fail(error: DomainError, form=None) -> int:
    """403/404 abort; otherwise show the refusal on its field (or on top) and
    return the status to answer with."""
    if isinstance(error, Forbidden):
        abort(403)
    if isinstance(error, NotFound):
        abort(404)
    target = getattr(form, error.field, None) if form is not None and error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [error.message]
    else:
        flash(error.message, "error")
    return error.status


def _allowed_or_403(action: str) -> None:
    if not can(current_user, action):
        abort(403)


@bp.app_context_processor
def _governance_helpers() -> dict:
    """Dashboards read the votes awaited from a director (templates/main/director.html);
    the sub-navigation asks who follows the procedures (a stand-in in force too)."""
    return {"governance_awaiting": queries.awaiting_votes,
            "governance_can_read": queries.can_read}


# --- Identity card -----------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    """The identity card (« carte d'identité du groupement »): every person of the
    groupement reads it; the coordinator edits it."""
    return render_template("governance/card.html", print=False, card=services.card(current_user))


@bp.route("/carte.pdf")
@login_required
def card_pdf():
    """The identity card as a PDF (same template, print variant)."""
    body = services.card_pdf(current_user)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="carte-identite-groupement.pdf"'})


@bp.route("/carte/modifier", methods=["GET", "POST"])
@login_required
def edit_card():
    """The coordinator writes the card's texts."""
    _allowed_or_403("governance.edit_card")
    profile = services.profile_of(current_user.groupement_id)
    form = CardForm(obj=profile)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_card(current_user, resource_persons=form.resource_persons.data,
                                 **{name: getattr(form, name).data for name in services.CARD_TEXTS})
        except DomainError as error:
            status = _fail(error, form)
        else:
            flash(gettext("Carte d'identité du groupement enregistrée."), "success")
            return redirect(url_for("governance.index"))
    elif form.is_submitted():
        status = 422
    return render_template("governance/card_edit.html", form=form), status


# --- Procedures ---------------------------------------------------------------------

def _terms() -> electorate.WeightedTerms | None:
    """The weighted vote's settings today (None: per-intervention, unanimity only)."""
    return electorate.weighted_terms(current_user.groupement_id,
                                     timeutil.local_today(current_user.groupement.timezone))


def _procedures_page(renewal_form: RenewalForm | None = None, status: int = 200):
    stmt = queries.visible_procedures(current_user)
    page = paginate(stmt, PER_PAGE)
    terms = _terms()
    renewal_form = renewal_form or RenewalForm(formdata=None)
    offer_rules(renewal_form, electorate.rule_choices(terms))
    return render_template(
        "governance/procedures.html", page=page,
        tallies=queries.tallies([p.id for p in page.items]),
        renewal=queries.renewal_state(current_user), terms=terms,
        renewal_form=renewal_form), status


@bp.route("/procedures")
@login_required
def procedures_index():
    """Membership and renewal procedures, newest first (coordinator, member directors)."""
    return _procedures_page()


def _load(procedure_id: int) -> Procedure:
    return load(queries.get_procedure, procedure_id)


def _procedure_page(procedure: Procedure, ballot_form=None, withdraw_form=None,
                    status: int = 200):
    mine: Ballot | None = next((b for b in procedure.ballots
                                if b.establishment_id == current_user.establishment_id), None)
    return render_template(
        "governance/procedure.html", procedure=procedure,
        outcome=procedures.outcome(procedure), mine=mine,
        closing=procedures.outcome(procedure, closing=True) if procedure.is_weighted
        and procedure.is_open else None, button=ButtonForm(),
        can_vote=can(current_user, "governance.vote"),
        behalf=on_behalf_of(procedure),
        renewal_end=queries.renewal_target(procedure),
        ballot_form=ballot_form or BallotForm(formdata=None),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None)), status


@bp.route("/procedures/<int:procedure_id>")
@login_required
def procedure(procedure_id: int):
    """One procedure: the candidate or the period, each member's vote, the outcome."""
    return _procedure_page(_load(procedure_id))


@bp.route("/procedures/<int:procedure_id>/vote", methods=["POST"])
@login_required
def vote(procedure_id: int):
    """A member director votes once: approve, or refuse with a reason."""
    item = _load(procedure_id)
    form = BallotForm()
    if not form.validate_on_submit():
        return _procedure_page(item, ballot_form=form, status=422)
    try:
        procedures.cast_ballot(item, current_user, choice=form.choice.data,
                               reason=form.reason.data)
    except DomainError as error:
        status = _fail(error, form)
        return _procedure_page(_load(procedure_id), ballot_form=form, status=status)
    flash(gettext("Vote enregistré."), "success")
    return redirect(url_for("governance.procedure", procedure_id=procedure_id))


@bp.route("/procedures/<int:procedure_id>/cloture", methods=["POST"])
@login_required
def close_vote(procedure_id: int):
    """The coordinator closes a weighted vote: the votes cast decide."""
    item = _load(procedure_id)
    _allowed_or_403("governance.manage_procedures")
    if not ButtonForm().validate_on_submit():
        return _procedure_page(item, status=400)
    try:
        procedures.close_vote(item, current_user)
    except DomainError as error:
        flash(error.message, "error")
        return _procedure_page(_load(procedure_id), status=error.status)
    flash(gettext("Scrutin clos : la procédure est décidée par les votes exprimés."), "success")
    return redirect(url_for("governance.procedure", procedure_id=procedure_id))


@bp.route("/procedures/<int:procedure_id>/retrait", methods=["POST"])
@login_required
def withdraw(procedure_id: int):
    """The coordinator withdraws an open procedure, with a reason."""
    item = _load(procedure_id)
    _allowed_or_403("governance.manage_procedures")
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _procedure_page(item, withdraw_form=form, status=422)
    try:
        procedures.withdraw(item, current_user, reason=form.reason.data)
    except DomainError as error:
        status = _fail(error, form)
        return _procedure_page(_load(procedure_id), withdraw_form=form, status=status)
    flash(gettext("Procédure retirée."), "success")
    return redirect(url_for("governance.procedure", procedure_id=procedure_id))


@bp.route("/candidatures/nouvelle", methods=["GET", "POST"])
@login_required
def propose():
    """The coordinator proposes a candidate establishment to the member directors."""
    _allowed_or_403("governance.manage_procedures")
    form = CandidateForm()
    terms = _terms()
    status = 200
    if form.validate_on_submit():
        try:
            item = procedures.propose_member(
                current_user, name=form.name.data, finess=form.finess.data,
                contact=form.contact.data, message=form.message.data, rule=form.rule.data)
        except DomainError as error:
            status = _fail(error, form)
        else:
            flash(gettext("Candidature de « %(name)s » soumise au vote des directions.",
                          name=item.candidate_name), "success")
            return redirect(url_for("governance.procedure", procedure_id=item.id))
    elif form.is_submitted():
        status = 422
    offer_rules(form, electorate.rule_choices(terms))
    return render_template("governance/propose.html", form=form, terms=terms), status


@bp.route("/renouvellement", methods=["POST"])
@login_required
def open_renewal():
    """The coordinator puts the convention's renewal to the member directors' vote."""
    _allowed_or_403("governance.manage_procedures")
    form = RenewalForm()
    if form.validate_on_submit():
        try:
            item = procedures.open_renewal(current_user, message=form.message.data,
                                           rule=form.rule.data)
        except DomainError as error:
            return _procedures_page(form, _fail(error, form))
        flash(gettext("Renouvellement de la convention soumis au vote des directions."), "success")
        return redirect(url_for("governance.procedure", procedure_id=item.id))
    return _procedures_page(form, 422)


# --- Convention versions ---------------------------------------------------------------

@bp.route("/convention")
@login_required
def versions_index():
    """The convention's versions with their dates (every person of the groupement)."""
    return render_template("governance/versions.html", rows=versions.versions_of(current_user),
                           button=ButtonForm(formdata=None))


@bp.route("/convention/nouvelle")
@login_required
def new_version():
    """The form of a new version, filled with the parameters in force today."""
    _allowed_or_403("governance.edit_versions")
    current = versions.versions_of(current_user)
    latest = current[-1].version
    form = VersionForm(formdata=None, threshold_minutes=latest.threshold_minutes,
                       cap_minutes=latest.cap_minutes, hourly_rate=latest.hourly_rate,
                       duration_years=latest.duration_years, model=latest.model,
                       overrun_allowed="yes" if latest.overrun_allowed else "no",
                       quorum_percent=latest.quorum_percent,
                       majority_percent=latest.majority_percent,
                       instalments=latest.instalments)
    return render_template("governance/version_form.html", form=form)


@bp.route("/convention/apercu", methods=["POST"])
@login_required
def preview_version():
    """What the new version would change (old → new, who, from when), to confirm."""
    _allowed_or_403("governance.edit_versions")
    form = VersionForm()
    if form.validate_on_submit():
        try:
            preview = versions.preview_version(current_user, **form.values())
        except DomainError as error:
            status = _fail(error, form)
        else:
            return render_template("governance/version_preview.html", form=form,
                                   preview=preview)
    else:
        status = 422
    return render_template("governance/version_form.html", form=form), status


@bp.route("/convention/enregistrer", methods=["POST"])
@login_required
def create_version():
    """Save the previewed version (checked again)."""
    _allowed_or_403("governance.edit_versions")
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = versions.create_version(current_user, **form.values())
        except DomainError as error:
            status = _fail(error, form)
        else:
            flash(gettext("Nouvelle version de la convention enregistrée : en vigueur à partir "
                          "du %(day)s.", day=version.valid_from.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("governance.versions_index"))
    else:
        status = 422
    return render_template("governance/version_form.html", form=form), status


@bp.route("/convention/<int:version_id>/supprimer", methods=["POST"])
@login_required
@back_to(".versions_index")
def delete_version(version_id: int):
    """Delete a version that has not come into force yet."""
    form = ButtonForm()
    version = versions.get_version(current_user, version_id)
    _allowed_or_403("governance.edit_versions")
    if form.validate_on_submit():
        versions.delete_version(current_user, version)
        flash(gettext("Version à venir supprimée."), "success")
    return redirect(url_for("governance.versions_index"))
