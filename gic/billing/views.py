"""The yearly billing page, year closing (accountant) and reopening (coordinator).

Accountants read the whole groupement's billing, directors their own pairs
(:func:`billing_summary` decides and raises Forbidden for anyone else). A
coordinator does not read amounts (SPEC §1: billing is the accountants'); he
sees the year's closing state and the reopen form only.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from gic.admin.services import establishments_of
from gic.billing import bp
from gic.billing.forms import CloseYearForm, ReopenYearForm
from gic.billing.services import billing_summary, close_year, closed_years, reopen_year
from gic.errors import DomainError, Forbidden, InvalidField
from gic.models import Role
from gic.timeutil import local_today


def _current_year() -> int:
    return local_today(current_user.groupement.timezone).year


@bp.route("/")
@login_required
def index():
    """The current year's billing."""
    return redirect(url_for("billing.year", year=_current_year()))


def _render_year(year: int, *, close_form=None, reopen_form=None, status: int = 200):
    """The year page for the current user; 403 for those who may not read it."""
    try:
        summary = billing_summary(current_user, year)
    except InvalidField:  # an implausible year (checked before the role)
        abort(404)
    except Forbidden:
        # The coordinator manages closures without reading the amounts.
        if current_user.role != Role.COORDINATOR:
            abort(403)
        summary = None
    closed = closed_years(current_user.groupement_id)
    establishments = {e.id: e for e in establishments_of(current_user)}
    return render_template(
        "billing/year.html", year=year, summary=summary, closed=year in closed,
        closed_years=sorted(closed, reverse=True), current_year=_current_year(),
        names=establishments, close_form=close_form or CloseYearForm(),
        reopen_form=reopen_form or ReopenYearForm(),
    ), status


@bp.route("/<int:year>")
@login_required
def year(year: int):
    """Lines per pair, pending interventions, cap use, settlements of ``year``."""
    return _render_year(year)


@bp.route("/<int:year>/close", methods=["POST"])
@login_required
def close(year: int):
    """The accountant closes the year (refused while interventions are pending)."""
    form = CloseYearForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        close_year(current_user, year)
    except Forbidden:
        abort(403)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"L'année {year} est clôturée : sa facturation est figée.", "success")
    return redirect(url_for("billing.year", year=year))


@bp.route("/<int:year>/reopen", methods=["POST"])
@login_required
def reopen(year: int):
    """The coordinator reopens a closed year, with a reason."""
    form = ReopenYearForm()
    if not form.validate_on_submit():
        if current_user.role != Role.COORDINATOR:
            abort(403)
        return _render_year(year, reopen_form=form, status=422)
    try:
        reopen_year(current_user, year, form.reason.data)
    except Forbidden:
        abort(403)
    except DomainError as error:
        if error.field == "reason":
            form.reason.errors.append(error.message)
            return _render_year(year, reopen_form=form, status=422)
        flash(error.message, "error")
    else:
        flash(f"L'année {year} est rouverte.", "success")
    return redirect(url_for("billing.year", year=year))
