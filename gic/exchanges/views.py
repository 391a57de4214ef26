"""Pages of the exchanges and advice log: the list, note an exchange, correct it,
remove it.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. A refusal is rolled back and shown in French on its field,
with its status (403, 409, 422), what the user typed kept.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from gic.admin.services import establishments_of
from gic.errors import DomainError, Forbidden
from gic.exchanges import bp, services
from gic.exchanges.forms import ButtonForm, ExchangeForm
from gic.exchanges.models import Exchange
from gic.pages import load, me, paginate, refusal_page, refused
from gic.policy import authorize
from gic.registers import today_of

PER_PAGE = 25


def _load(exchange_id: int) -> Exchange:
    return load(services.get_exchange, exchange_id)


def _index_page(status: int = 200, error: str | None = None):
    user = me()
    try:
        stmt = services.with_parties(services.visible_exchanges(user))
    except DomainError as refusal:
        return refusal_page(refusal)
    page = paginate(stmt, PER_PAGE)
    editable = services.editable_ids(user, page.items)
    return render_template("exchanges/index.html", page=page, editable=editable,
                           error=error,
                           button=ButtonForm(formdata=None)), status


@bp.route("/")
@login_required
def index():
    """Exchanges the user may read, newest first (25 a page)."""
    return _index_page()


def _form(exchange: Exchange | None) -> ExchangeForm:
    user = me()
    data = None
    if exchange is not None:
        data = {"recipient_id": exchange.recipient_id, "date": exchange.date,
                "topic": exchange.topic, "minutes": exchange.minutes, "notes": exchange.notes}
    form = ExchangeForm(data=data)
    form.set_choices([e for e in establishments_of(user) if e.id != user.establishment_id])
    return form


def _form_page(form: ExchangeForm, exchange: Exchange | None, status: int = 200,
               error: str | None = None):
    return render_template("exchanges/form.html", form=form, exchange=exchange,
                           error=error), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A technician or director notes advice he gave to another establishment."""
    user = me()
    try:
        authorize(user, "exchange.log")
    except Forbidden as refusal:
        return refusal_page(refusal)
    form = _form(None)
    if not form.is_submitted():
        form.date.data = today_of(user.groupement_id)
        return _form_page(form, None)
    if not form.validate():
        return _form_page(form, None, 422,
                          gettext("Échange non enregistré : corrigez les champs signalés."))
    try:
        e = services.log_exchange(user, **form.values())
    except DomainError as error:
        return _form_page(form, None, refused(error, form), error.message)
    flash(gettext("Échange enregistré : conseil à l'établissement %(name)s, gratuit.",
                  name=e.recipient.name), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:exchange_id>/edit", methods=["GET", "POST"])
@login_required
def edit(exchange_id: int):
    """The author corrects his exchange (while its year is open)."""
    e = _load(exchange_id)
    try:
        services.authorize_change(e, me())
    except DomainError as error:
        return refusal_page(error)
    form = _form(e)
    if not form.is_submitted():
        return _form_page(form, e)
    if not form.validate():
        return _form_page(form, e, 422,
                          gettext("Échange non modifié : corrigez les champs signalés."))
    try:
        services.update_exchange(e, me(), **form.values())
    except DomainError as error:
        return _form_page(form, e, refused(error, form), error.message)
    flash(gettext("Échange modifié."), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:exchange_id>/delete")
@login_required
def delete(exchange_id: int):
    """The author removes his exchange."""
    e = _load(exchange_id)
    if not ButtonForm().validate_on_submit():
        return _index_page(400, gettext("Le formulaire a expiré : rechargez la page."))
    try:
        services.delete_exchange(e, me())
    except DomainError as error:
        return _index_page(refused(error), error.message)
    flash(gettext("Échange supprimé."), "success")
    return redirect(url_for(".index"))
