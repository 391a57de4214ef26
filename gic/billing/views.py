"""The yearly billing page, its CSV/XLSX exports, year closing (accountant) and
reopening (coordinator).

Accountants read the whole groupement's billing, directors their own pairs
(:func:`billing_detail` decides and raises Forbidden for anyone else); only
accountants download the exports (:func:`export_detail`). A
coordinator does not read amounts (SPEC §1: billing is the accountants'); he
sees the year's closing state and the reopen form only.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from gic.admin.services import establishments_of
from gic.billing import bp, exports
from gic.billing.forms import CloseYearForm, ReopenYearForm
from gic.billing.services import (
    billing_detail,
    close_year,
    closed_years,
    export_detail,
    reopen_year,
)
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
        detail = billing_detail(current_user, year)
    except InvalidField:  # an implausible year (checked before the role)
        abort(404)
    except Forbidden:
        # The coordinator manages closures without reading the amounts.
        if current_user.role != Role.COORDINATOR:
            abort(403)
        detail = None
    closed = closed_years(current_user.groupement_id)
    establishments = {e.id: e for e in establishments_of(current_user)}
    return render_template(
        "billing/year.html", year=year, detail=detail,
        summary=detail.summary if detail else None, closed=year in closed,
        closed_years=sorted(closed, reverse=True), current_year=_current_year(),
        names=establishments, close_form=close_form or CloseYearForm(),
        reopen_form=reopen_form or ReopenYearForm(),
    ), status


@bp.route("/<int:year>")
@login_required
def year(year: int):
    """Lines per pair, pending interventions, cap use, settlements of ``year``."""
    return _render_year(year)


def _export(year: int, respond):
    """An export of ``year`` for an accountant (404 for an implausible year, 403 for others)."""
    try:
        detail = export_detail(current_user, year)
    except InvalidField:
        abort(404)
    except Forbidden:
        abort(403)
    return respond(detail)


@bp.route("/<int:year>.csv")
@login_required
def export_csv(year: int):
    """« Télécharger CSV »: the year's billing for French Excel (accountants)."""
    return _export(year, exports.csv_response)


@bp.route("/<int:year>.xlsx")
@login_required
def export_xlsx(year: int):
    """« Télécharger XLSX »: one sheet per view, typed cells (accountants)."""
    return _export(year, exports.xlsx_response)


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
