"""Page helpers shared by the areas' views: the current user, loading an object
or the error page, a refusal shown on its field, the app-wide answer to a refusal
no page caught, a page of a long list (Jinja filters, such as the bilan partials'
``iso_fr_date``, live in gic/web.py)."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload

from gic.api.errors import domain_error
from gic.errors import DomainError
from gic.extensions import db
from gic.forms import page_arg
from gic.models import User
from gic.web import number

# Translated when formatted (``FORM_ERROR.format(what=gettext("…"))``), in the reader's language.
FORM_ERROR = lazy_gettext("{what} : corrigez les champs signalés.")


def me() -> User:
    """The logged-in user (the real object, for the services)."""
    return current_user._get_current_object()


def load(getter, object_id: int):
    """``getter(user, id)`` (a service's ``get_…``) for the current user; refused, the
    app-wide error page (:func:`refusal_answer`): 404 for what the user may not know
    exists, else the refusal's status with its message."""
    return getter(me(), object_id)


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


def init_app(app: Flask) -> None:
    """Answer every refusal a view does not catch itself with :func:`refusal_answer`."""
    app.register_error_handler(DomainError, refusal_answer)


def back_to(endpoint: str, anchor: str | None = None):
    """Declare the page a refused action of this view goes back to (``".year"``: the
    view's blueprint; the URL's own arguments that the page takes are kept; ``anchor``:
    the part of the page), for :func:`refusal_answer`. Put it under ``@login_required``
    (which keeps it)."""
    def mark(view):
        view.back_to = (endpoint, anchor)
        return view
    return mark


def refusal_answer(error: DomainError):
    """A service's refusal that the view did not catch (a page without a form):
    nothing it began is kept; under /api/ the JSON error of SPEC §8; else 404 is the
    error page (the object is not the user's to know), 403 the error page with its
    French message, any other refusal its message flashed and back to the page the
    action came from (:func:`back_to`, else the same-site page that posted it), or
    the error page with the message when there is no such page."""
    if request.path.startswith("/api/"):
        return domain_error(error)
    db.session.rollback()
    if error.status == 404:
        return render_template("error.html", code=404), 404
    flash(error.message, "error")
    back = _back_url() if error.status != 403 else None
    if back:
        return redirect(back)
    return render_template("error.html", code=error.status), error.status


def _back_url() -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    endpoint, anchor = getattr(view, "back_to", (None, None))
    if endpoint:
        if endpoint.startswith("."):
            endpoint = f"{request.blueprint}{endpoint}"
        takes = {name for rule in current_app.url_map.iter_rules(endpoint)
                 for name in rule.arguments}
        values = {k: v for k, v in (request.view_args or {}).items() if k in takes}
        return url_for(endpoint, _anchor=anchor, **values)
    referrer = request.referrer
    if request.method != "GET" and referrer and urlsplit(referrer).netloc == request.host:
        return referrer
    return None


# --- Long lists ---------------------------------------------------------------

# Lists count their rows up to this many: beyond, « plus de 1 000 ». An exact
# COUNT(*) reads every matching row (a million-session groupement's interventions
# of a year: a third of a second), and nobody pages through thousands of rows:
# they filter. The benchmark (bench/) measures the lists at that scale.
COUNT_LIMIT = 1000


class BoundedPage(SelectPagination):
    """:meth:`db.paginate`'s page whose total is counted up to :data:`COUNT_LIMIT`
    (``more`` is then true). Pages beyond stay reachable one after the other:
    « suivante » is offered while the page is full."""

    param = "page"  # the query parameter of the page number (as ListPage's)

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        bounded = stmt.options(lazyload("*")).order_by(None).limit(COUNT_LIMIT + 1).subquery()
        return self._query_args["session"].scalar(select(func.count()).select_from(bounded))

    @property
    def more(self) -> bool:
        """True when there are more rows than counted."""
        return self.total > COUNT_LIMIT

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and len(self.items) == self.per_page)

    @property
    def total_label(self) -> str:
        """« 1 234 » or « plus de 1 000 » (for « … demandes »)."""
        if self.more:
            return gettext("plus de %(count)s", count=number(COUNT_LIMIT))
        return number(self.total)

    @property
    def position(self) -> str:
        """« page 3 sur 12 », or « page 3 » when the total was not counted to the end."""
        if self.more:
            return gettext("page %(page)s", page=self.page)
        return gettext("page %(page)s sur %(pages)s", page=self.page, pages=self.pages)


def paginate(stmt: Select, per_page: int) -> BoundedPage:
    """The ``?page=`` of ``stmt``, ``per_page`` rows, the total counted up to
    :data:`COUNT_LIMIT` (an empty page past the end, never a 404)."""
    return BoundedPage(select=stmt, session=db.session(), page=page_arg(),
                       per_page=per_page, max_per_page=per_page, error_out=False)


class ListPage:
    """A page of a list already in memory (the year's billing pairs…), under its own
    query parameter so that several lists of one page page independently."""

    more = False  # the whole list is in memory: its total is exact

    def __init__(self, items: Sequence, per_page: int, param: str = "page", *,
                 page: int | None = None, total: int | None = None) -> None:
        """``items`` is the whole list, or, with ``total``, the page alone (read by a
        LIMIT/OFFSET query): then ``page`` is taken as it is."""
        self.per_page, self.param = per_page, param
        self.total = len(items) if total is None else total
        self.pages = max(1, ceil(self.total / per_page))
        if page is None:
            page = request.args.get(param, 1, type=int) or 1
        if total is not None:
            self.page, self.items = page, list(items)
            return
        self.page = min(max(page, 1), self.pages)
        start = (self.page - 1) * per_page
        self.items = list(items[start:start + per_page])

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def total_label(self) -> str:
        """The number of items, in French format."""
        return number(self.total)

    @property
    def position(self) -> str:
        """« page 3 sur 12 »."""
        return gettext("page %(page)s sur %(pages)s", page=self.page, pages=self.pages)

    @property
    def first_index(self) -> int:
        """Position (from 1) of the page's first item."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        """Position of the page's last item."""
        return self.first_index + len(self.items) - 1 if self.total else 0
