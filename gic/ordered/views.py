"""The « Heures commandées » pages (issue 16): one page per year for the coordinator
(orders, the budget's vote, provisional calls, real expenses, regularisation), read
by the accountant (every participant) and a director (his establishment); the
documents' PDFs; a participant's kind set from the establishments' admin page.

Thin handlers: load or 404, check the form's shape, call one service, flash,
redirect; a refusal is shown on its field with its status and changes nothing.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from gic import timeutil
from gic.convention.history import history, is_ordered, year_version
from gic.convention.rules import check_year
from gic.convention.years import is_closed
from gic.errors import DomainError, Forbidden, InvalidField
from gic.models import ConventionModel, User
from gic.ordered import bp, ledger, services
from gic.ordered.forms import (
    ButtonForm,
    CallsForm,
    ExpensesForm,
    OrdersForm,
    ParticipationForm,
    VoteForm,
)
from gic.pages import load, me, refused
from gic.policy import can, refusal_message
from gic.web import money


@bp.app_template_global("ordered_menu")
def ordered_menu(user: User) -> bool:
    """True when the menu leads to « Heures commandées »: a coordinator, accountant or
    director of a groupement that has a version of the ordered-hours model (from the
    versions the request reads anyway: no query of its own on most pages)."""
    if not can(user, "ordered.read"):
        return False
    return any(v.is_ordered_hours for v in history(user.groupement_id).versions)


@bp.app_template_global("uses_ordered_hours")
def uses_ordered_hours(groupement_id: int) -> bool:
    """True when one of the groupement's versions uses the ordered-hours model."""
    return ledger.uses_ordered_hours(groupement_id)


def _year_or_404(year: int) -> int:
    try:
        return check_year(year)
    except InvalidField:
        abort(404)


def _scope_or_403() -> int | None:
    try:
        return services.reading_scope(me())
    except Forbidden as error:
        flash(error.message, "error")
        abort(403)


def _coordinator_or_403() -> User:
    user = me()
    if not can(user, "ordered.manage"):
        flash(refusal_message("ordered.manage"), "error")
        abort(403)
    return user


def _years(groupement_id: int, today: date) -> list[int]:
    """The years the page leads to: those of the ordered-hours versions, up to next year."""
    versions = history(groupement_id).versions
    ordered = [v.valid_from.year for v in versions if v.is_ordered_hours]
    first = min(ordered) if ordered else today.year
    return list(range(min(first, today.year), today.year + 2))


@bp.route("/")
@login_required
def index():
    """The current year's page (next year's from the moment its orders are open)."""
    _scope_or_403()
    today = timeutil.local_today(current_user.groupement.timezone)
    year = today.year
    if not is_ordered(current_user.groupement_id, year) and is_ordered(
            current_user.groupement_id, year + 1):
        year += 1
    return redirect(url_for("ordered.year_page", year=year))


def _page(year: int, status: int = 200, **forms):
    """The year's page with the given forms (their errors kept)."""
    user = me()
    scope = _scope_or_403()
    gid = user.groupement_id
    today = timeutil.local_today(user.groupement.timezone)
    ordered = is_ordered(gid, year)
    figures = ledger.year_figures(gid, year) if ordered else None
    rows = figures.rows if figures else []
    if scope is not None:
        rows = [r for r in rows if r.establishment_id == scope]
    year_row = ledger.ordered_year(gid, year)
    docs = services.year_documents(user, year) if ordered else []
    editor = can(user, "ordered.manage")
    preview = (services.regularisation_preview(gid, year)
               if ordered and scope is None and year < today.year else None)
    version = year_version(gid, year)
    forms.setdefault("orders_form", OrdersForm(formdata=None))
    forms.setdefault("vote_form", VoteForm(formdata=None, voted_on=today))
    forms.setdefault("calls_form", CallsForm(formdata=None, instalments=version.instalments))
    forms.setdefault("expenses_form", ExpensesForm(
        formdata=None, real_expenses=year_row.real_expenses if year_row else None,
        note=year_row.expenses_note if year_row else None))
    forms.setdefault("button", ButtonForm(formdata=None))
    forms.setdefault("order_errors", {})
    forms.setdefault("order_values", {})
    return render_template(
        "ordered/year.html", year=year, years=_years(gid, today), ordered=ordered,
        figures=figures, rows=rows, scope=scope, year_row=year_row, version=version,
        calls=[d for d in docs if d.kind == "call"],
        regularisations=[d for d in docs if d.kind == "regularisation"],
        editor=editor, preview=preview, ended=year < today.year,
        closed=is_closed(gid, year), calls_issued=services.calls_issued(gid, year),
        names={r.establishment_id: r.name for r in (figures.rows if figures else [])},
        ORDERED_HOURS=ConventionModel.ORDERED_HOURS, **forms), status


@bp.route("/<int:year>")
@login_required
def year_page(year: int):
    """The year: orders and consumption, the budget, the calls, the regularisation."""
    return _page(_year_or_404(year))


def _refused(year: int, error: DomainError, form=None, form_name: str | None = None,
             **forms):
    status = refused(error, form)
    if form is None or not (error.field and error.field in form):
        flash(error.message, "error")
    if form is not None and form_name:
        forms[form_name] = form
    return _page(year, status, **forms)


@bp.route("/<int:year>/commandes", methods=["POST"])
@login_required
def save_orders(year: int):
    """Save the hours ordered by each participant (before the vote)."""
    year = _year_or_404(year)
    user = _coordinator_or_403()
    form = OrdersForm()
    ids = [e.id for e in ledger.participants(user.groupement_id)]
    if not form.validate_on_submit():
        flash(gettext("Commandes non enregistrées : la page a expiré, recommencez."), "error")
        return _page(year, 400)
    orders, errors = form.orders(request.form, ids)
    values = {name: request.form.get(name, "") for name in (f"order_{i}" for i in ids)}
    if errors:
        flash(gettext("Commandes non enregistrées : corrigez les heures signalées."), "error")
        return _page(year, 422, order_errors=errors, order_values=values)
    try:
        changed = services.save_orders(user, year, orders)
    except DomainError as error:
        status = refused(error)
        flash(error.message, "error")
        errors = {error.field: error.message} if error.field else {}
        return _page(year, status, order_errors=errors, order_values=values)
    # French: « 0 modifiée », « 1 modifiée », « 2 modifiées ».
    flash(ngettext("Heures commandées %(year)s enregistrées (%(count)s modifiée).",
                   "Heures commandées %(year)s enregistrées (%(count)s modifiées).",
                   changed if changed > 1 else 1, year=year, count=changed), "success")
    return redirect(url_for("ordered.year_page", year=year))


@bp.route("/<int:year>/vote", methods=["POST"])
@login_required
def record_vote(year: int):
    """Record the budget's vote (freezes the rate, the budget and the orders)."""
    year = _year_or_404(year)
    user = _coordinator_or_403()
    form = VoteForm()
    if not form.validate_on_submit():
        flash(gettext("Vote non enregistré : corrigez les champs signalés."), "error")
        return _page(year, 422, vote_form=form)
    try:
        row = services.record_vote(user, year, form.voted_on.data, form.reference.data)
    except DomainError as error:
        return _refused(year, error, form, "vote_form")
    flash(gettext("Vote du budget %(year)s enregistré : %(budget)s.", year=year,
                  budget=money(row.budget)), "success")
    return redirect(url_for("ordered.year_page", year=year))


@bp.route("/<int:year>/vote/retirer", methods=["POST"])
@login_required
def cancel_vote(year: int):
    """Withdraw a vote recorded by mistake (before any call)."""
    year = _year_or_404(year)
    user = _coordinator_or_403()
    if not ButtonForm().validate_on_submit():
        flash(gettext("Vote non retiré : la page a expiré, recommencez."), "error")
        return _page(year, 400)
    try:
        services.cancel_vote(user, year)
    except DomainError as error:
        return _refused(year, error)
    flash(gettext("Vote du budget %(year)s retiré : les commandes peuvent de nouveau changer.",
                  year=year), "success")
    return redirect(url_for("ordered.year_page", year=year))


@bp.route("/<int:year>/appels", methods=["POST"])
@login_required
def issue_calls(year: int):
    """Issue the provisional calls (numbered documents with their PDF)."""
    year = _year_or_404(year)
    user = _coordinator_or_403()
    form = CallsForm()
    if not form.validate_on_submit():
        flash(gettext("Appels non émis : corrigez les champs signalés."), "error")
        return _page(year, 422, calls_form=form)
    try:
        docs = services.issue_calls(user, year, form.instalments.data)
    except DomainError as error:
        return _refused(year, error, form, "calls_form")
    flash(ngettext("%(count)s appel de contribution provisionnel émis : n° %(first)s à "
                   "n° %(last)s.",
                   "%(count)s appels de contribution provisionnels émis : n° %(first)s à "
                   "n° %(last)s.", len(docs) if len(docs) > 1 else 1, count=len(docs),
                   first=docs[0].number, last=docs[-1].number), "success")
    return redirect(url_for("ordered.year_page", year=year))


@bp.route("/<int:year>/depenses", methods=["POST"])
@login_required
def save_expenses(year: int):
    """Save the groupement's real expenses of the year."""
    year = _year_or_404(year)
    user = _coordinator_or_403()
    form = ExpensesForm()
    if not form.validate_on_submit():
        flash(gettext("Dépenses non enregistrées : corrigez les champs signalés."), "error")
        return _page(year, 422, expenses_form=form)
    try:
        services.save_expenses(user, year, form.real_expenses.data, form.note.data or "")
    except DomainError as error:
        return _refused(year, error, form, "expenses_form")
    flash(gettext("Dépenses réelles %(year)s enregistrées.", year=year), "success")
    return redirect(url_for("ordered.year_page", year=year))


@bp.route("/<int:year>/regularisation", methods=["POST"])
@login_required
def regularise(year: int):
    """Issue the year-end regularisation statements."""
    year = _year_or_404(year)
    user = _coordinator_or_403()
    form = ButtonForm()
    if not form.validate_on_submit():
        flash(gettext("Régularisation non émise : la page a expiré, recommencez."), "error")
        return _page(year, 400)
    try:
        docs = services.regularise(user, year)
    except DomainError as error:
        return _refused(year, error)
    flash(ngettext("Régularisation %(year)s émise : %(count)s relevé.",
                   "Régularisation %(year)s émise : %(count)s relevés.",
                   len(docs) if len(docs) > 1 else 1, year=year, count=len(docs)), "success")
    return redirect(url_for("ordered.year_page", year=year))


@bp.route("/documents/<int:document_id>.pdf")
@login_required
def document_pdf(document_id: int):
    """A contribution document's PDF as stored (audited)."""
    doc, content = load(services.download, document_id)
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{services.file_name(doc)}"'})


@bp.route("/etablissements/<int:establishment_id>/participation", methods=["POST"])
@login_required
def set_participation(establishment_id: int):
    """Member or « utilisateur » (from the establishments' admin page)."""
    user = me()
    form = ParticipationForm()
    if not form.validate_on_submit():
        flash(gettext("Participation non enregistrée : la page a expiré, recommencez."),
              "error")
        return redirect(url_for("admin.index"))
    try:
        e = services.set_participation(user, establishment_id, form.participation.data)
    except DomainError as error:
        status = refused(error)
        flash(error.message, "error")
        if status == 403:
            abort(403)
        return redirect(url_for("admin.index"))
    flash(gettext("« %(name)s » : %(participation)s.", name=e.name,
                  participation=e.participation.label.lower()), "success")
    return redirect(url_for("admin.index"))
