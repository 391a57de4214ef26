"""What every page shares: user loading, locale, French formats, headers, errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency, format_decimal
from flask import Flask, abort, current_app, render_template, request, url_for
from flask_babel import format_datetime, get_locale, gettext, to_user_timezone
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache, pass_context
from markupsafe import Markup, escape

from gic.convention.weights import percent_text
from gic.enums import N_
from gic.extensions import db, login_manager
from gic.formatting import (
    NBSP,
    french_spacing,
    hours_minutes,
    long_date,
    long_datetime,
    numero,
    quoted,
)
from gic.models import User
from gic.policy import can

LOCALES = ("fr", "en")

# Menu pages that not every member may open: endpoint -> the action (gic.policy) it needs.
# The menu shows a link only to a page that answers 200 (tests/views/test_menu.py).
MENU_GATES: dict[str, str] = {
    "reports.index": "report.read",
    "equipment.index": "equipment.read",
    "exchanges.index": "exchange.read",
}


@pass_context
def openable(context, endpoint: str) -> bool:
    """Whether the current user may open the menu page ``endpoint`` (Jinja test
    ``is openable``): registered, and its gate (:data:`MENU_GATES`) lets him in.

    ``pass_context`` keeps Jinja from deciding it once when it compiles a template
    (a test of a constant is folded then, outside any request: for every user)."""
    if endpoint not in current_app.view_functions or not current_user.is_authenticated:
        return False
    gate = MENU_GATES.get(endpoint)
    return gate is None or can(current_user, gate)


def select_timezone() -> str:
    """Everyone works in the groupement's time zone."""
    if current_user and current_user.is_authenticated:
        return current_user.groupement.timezone
    return "Europe/Paris"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Session ids are ``"<id>:<session_token>"``: a changed token logs the session out."""
    ident, _, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def fr_date(value: date | datetime | None, fmt: str = "long") -> str:
    """« 14 mars 2025 » (format ``long``) or « 14/03/2025 » (``short``), in the
    reader's language: "14 March 2025" in English (the name is kept: every template
    uses it). Callable from Python for a text in the current language."""
    if value is None:
        return ""
    locale = str(get_locale())
    if isinstance(value, datetime):
        if fmt != "long":
            return format_datetime(value, "dd/MM/y HH:mm")
        return long_datetime(to_user_timezone(value).replace(tzinfo=None), locale)
    if fmt != "long":
        return _babel_date(value, "dd/MM/y", locale=locale)
    return long_date(value, locale)


def iso_fr_date(value: str | date | None, fmt: str = "long") -> str:
    """:func:`fr_date` for the ISO dates of JSON data (bilan sections, minutes snapshots)."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return fr_date(value, fmt)


def money(value: Decimal | None) -> str:
    """« 183,33 € »."""
    if value is None:
        return ""
    return format_currency(Decimal(value), "EUR", locale=str(get_locale()))


def number(value) -> str:
    """A number in the user's locale (« 1 234,5 »)."""
    return format_decimal(value, locale=str(get_locale()))


def hm(minutes: int) -> str:
    """« 51 h 30 » with no-break spaces: a duration never breaks across lines
    (thousands grouped as the reader's language does)."""
    return hours_minutes(minutes, NBSP, str(get_locale()))


def plural(count: int) -> int:
    """The count that picks a message's plural form (``ngettext(…, n|plural)``):
    French writes 0 and 1 in the singular (« 0 demande »), English 1 only; the
    French messages are the msgids, read with gettext's rule (plural unless 1)."""
    return 1 if str(get_locale()).startswith("fr") and count <= 1 else count


def nbsp(value) -> Markup:
    """French no-break spaces in a text (a service's message, a flash, a label
    built in Python): before « h », after « n° », inside « ». Escapes a plain text."""
    return Markup(french_spacing(escape(value)))


def numero_filter(value) -> Markup:
    """``{{ i.id|numero }}`` -> « n° 12 » (« No. 12 » in English), no-break space."""
    # TRANSLATORS: the sign before a number (« n° 12 »).
    return Markup(numero(escape(value)))


def quoted_filter(value) -> Markup:
    """``{{ s.project|quoted }}`` -> « Projet », no-break spaces inside the quotes."""
    return Markup(quoted(escape(value)))


def page_url(param: str, page: int) -> str:
    """This page's URL with ``?<param>=page``, its other query arguments kept
    (filters, another list's page): the links of the ``pager`` macro."""
    # url_for reads « _external », « _scheme »… as options: never from the visitor.
    # The path's own arguments win over a query argument of the same name.
    args = {k: v for k, v in request.args.items() if not k.startswith("_")}
    args.update(request.view_args or {})
    args[param] = page
    return url_for(request.endpoint, **args)


def init_app(app: Flask) -> None:
    """Register filters, context, security headers and error pages."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Connectez-vous pour accéder à cette page.")
    login_manager.localize_callback = gettext  # flashed in the visitor's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.jinja_env.filters.update(fr_date=fr_date, iso_fr_date=iso_fr_date, money=money,
                                 hm=hm, number=number, nbsp=nbsp, numero=numero_filter,
                                 plural=plural, quoted=quoted_filter, percent=percent_text)
    # can(current_user, "area.action", obj): templates ask the policy, never the role.
    app.jinja_env.globals.update(hm=hm, page_url=page_url, can=can,
                                 has_endpoint=lambda name: name in app.view_functions,
                                 available_endpoints=app.view_functions)
    app.jinja_env.tests["openable"] = openable
    if app.config.get("TEMPLATE_CACHE_DIR"):
        # Compiled templates kept on disk (checked against their source): a new
        # process renders its first pages without compiling them again.
        Path(app.config["TEMPLATE_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(app.config["TEMPLATE_CACHE_DIR"])

    @app.context_processor
    def _labels():
        from gic.convention.rules import AXES
        from gic.interventions.models import State
        return {"STATES": list(State), "AXES": AXES, "current_locale": str(get_locale())}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        return response

    @app.before_request
    def _refuse_nul_bytes():
        """A NUL byte is never meant (and PostgreSQL text refuses it): a clean 400
        for any page, before a form or a service sees it. The API checks its JSON."""
        if request.path.startswith("/api/"):
            return None
        values = list(request.args.values())
        if request.method == "POST" and request.mimetype != "application/json":
            values += list(request.form.values())
        if any("\x00" in value for value in values):
            abort(400)
        return None

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    db.session.rollback()  # the page itself reads the user; a failed transaction would crash it
    if request.path.startswith("/api/"):
        from gic.api.errors import json_error
        response, status = json_error(code)
        if getattr(error, "valid_methods", None):  # 405 keeps its Allow header
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, status
    return render_template("error.html", code=code), code
