"""The yearly billing page, its CSV/XLSX exports, year closing (accountant) and
reopening (coordinator).

Accountants read the whole groupement's billing, directors their own pairs
(:func:`billing_scope` decides and raises Forbidden for anyone else); only
accountants and directors download the exports, scoped the same way
(:func:`export_detail`). A
coordinator does not read amounts (SPEC §1: billing is the accountants'); he
sees the year's closing state and the reopen form only.

Thin handlers: the year page is one service call (:func:`gic.billing.page.year_page`);
a refusal no form shows (403, a year that cannot close…) is answered app-wide
(:func:`gic.pages.refusal_answer`: the error page, or flashed and back to the year).
"""


from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from gic import timeutil
from gic.admin.services import establishments_of
from gic.billing import bp, exports, statements
from gic.billing import documents as billing_documents
from gic.billing.forms import CloseYearForm, ReopenYearForm
from gic.billing.page import LISTS, year_page
from gic.billing.services import (
    billing_years,
    close_year,
    export_detail,
    pair_details,
    reopen_year,
)
from gic.convention.rules import check_year
from gic.convention.years import is_closed
from gic.errors import DomainError, InvalidField
from gic.forms import page_arg
from gic.pages import ListPage, back_to
from gic.policy import can


def _plausible(year: int) -> int:
    """``year``, or 404: an implausible year is no page."""
    try:
        return check_year(year)
    except InvalidField:
        abort(404)


def _current_year() -> int:
    return timeutil.local_today(current_user.groupement.timezone).year


@bp.route("/")
@login_required
def index():
    """The current year's billing."""
    return redirect(url_for("billing.year", year=_current_year()))


PAIR_PER_PAGE = 100        # the page of one pair


def _render_year(year: int, *, close_form=None, reopen_form=None, status: int = 200):
    """The year page for the current user (its lists at the page numbers asked)."""
    pages = {name: request.args.get(name, 1, type=int) or 1 for name in LISTS}
    page = year_page(current_user, year, pages)
    return render_template(
        "billing/year.html", close_form=close_form or CloseYearForm(),
        reopen_form=reopen_form or ReopenYearForm(), **page.context()), status


@bp.route("/<int:year>")
@login_required
def year(year: int):
    """Lines per pair, pending interventions, cap use, settlements of ``year``."""
    return _render_year(year)


@bp.route("/<int:year>/paires/<int:provider_id>-<int:beneficiary_id>")
@login_required
def pair(year: int, provider_id: int, beneficiary_id: int):
    """Every validated billable intervention of one pair in ``year``, 100 a page,
    under the pair's total (accountants; a director for his own pairs)."""
    names = {e.id: e for e in establishments_of(current_user, candidates=True)}
    if provider_id not in names or beneficiary_id not in names:
        abort(404)  # unknown, or another groupement's (SPEC §8), whoever asks
    page = page_arg()
    found = pair_details(current_user, _plausible(year), [(provider_id, beneficiary_id)],
                         per_pair=PAIR_PER_PAGE, skip=(page - 1) * PAIR_PER_PAGE)
    if not found:
        if page > 1:  # past the last page
            return redirect(url_for("billing.pair", year=year, provider_id=provider_id,
                                    beneficiary_id=beneficiary_id))
        abort(404)  # not the user's pair, or nothing validated that year
    detail = found[0]
    lines = ListPage(detail.interventions, PAIR_PER_PAGE, page=page, total=detail.count)
    return render_template("billing/pair.html", year=year, pair=detail, lines=lines,
                           names=names, closed=is_closed(current_user.groupement_id, year))


def _export(year: int, respond):
    """An export of ``year`` for an accountant or a director (404 for an implausible
    year, 403 for others)."""
    return respond(export_detail(current_user, _plausible(year)))


@bp.route("/<int:year>.csv")
@login_required
def export_csv(year: int):
    """« Télécharger CSV »: the year's billing for French Excel (accountants; a
    director: his pairs)."""
    return _export(year, exports.csv_response)


@bp.route("/<int:year>.xlsx")
@login_required
def export_xlsx(year: int):
    """« Télécharger XLSX »: one sheet per view, typed cells (accountants; a
    director: his pairs)."""
    return _export(year, exports.xlsx_response)


@bp.route("/<int:year>/close", methods=["POST"])
@login_required
@back_to(".year")
def close(year: int):
    """The accountant closes the year (refused while interventions are pending)."""
    form = CloseYearForm()
    if not form.validate_on_submit():
        abort(400)
    close_year(current_user, year)
    flash(gettext("L'année %(year)s est clôturée : sa facturation est figée.", year=year),
          "success")
    return redirect(url_for("billing.year", year=year))


@bp.route("/<int:year>/reopen", methods=["POST"])
@login_required
@back_to(".year")
def reopen(year: int):
    """The coordinator reopens a closed year, with a reason."""
    form = ReopenYearForm()
    if not form.validate_on_submit():
        if not can(current_user, "billing.reopen"):
            abort(403)
        return _render_year(year, reopen_form=form, status=422)
    try:
        reopen_year(current_user, year, form.reason.data)
    except DomainError as error:
        if error.field != "reason":
            raise  # no form field for it: the app-wide answer (gic.pages.refusal_answer)
        form.reason.errors.append(error.message)
        return _render_year(year, reopen_form=form, status=422)
    flash(gettext("L'année %(year)s est rouverte.", year=year), "success")
    return redirect(url_for("billing.year", year=year))


# --- Documents of the year (issue 15, items 2–5) -------------------------------------

@bp.route("/<int:year>/documents")
@login_required
def documents(year: int):
    """« Documents de l'année »: the numbered statements and credit statements of
    ``year`` with their PDF and Factur-X, and the public creditors' recovery-order
    packs (accountant: the whole groupement; a director: his establishment's)."""
    docs = statements.year_documents(current_user, _plausible(year))
    names = {e.id: e for e in establishments_of(current_user, candidates=True)}
    credits = {d.cancels_id: d for d in docs if d.cancels_id}
    by_id = {d.id: d for d in docs}
    return render_template(
        "billing/documents.html", year=year, docs=docs, names=names, credits=credits,
        by_id=by_id, closed=is_closed(current_user.groupement_id, year),
        creditors=statements.pack_creditors(current_user, year),
        facturx_missing=billing_documents.facturx_missing,
        years=billing_years(current_user.groupement), current_year=_current_year())


def _document_file(statement_id: int, file: str):
    statement, content = statements.download(current_user, statement_id, file)
    name = statements.file_name(statement, file)
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.route("/documents/<int:statement_id>.pdf")
@login_required
def document_pdf(statement_id: int):
    """A statement's PDF as stored: the same bytes at every download (audited)."""
    return _document_file(statement_id, "pdf")


@bp.route("/documents/<int:statement_id>/factur-x.pdf")
@login_required
def document_facturx(statement_id: int):
    """A statement's Factur-X PDF/A-3 (EN 16931), when both parties have a SIRET."""
    return _document_file(statement_id, "facturx")


@bp.route("/<int:year>/recouvrement/<int:establishment_id>.zip")
@login_required
def recovery_pack(year: int, establishment_id: int):
    """A public creditor's pack of the year: the statements' PDFs and the CSV of
    the recovery orders to raise, for the finance software."""
    name, content = statements.recovery_pack(current_user, _plausible(year), establishment_id)
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
