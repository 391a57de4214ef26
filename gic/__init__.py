"""GIC: a Flask application for groupements sharing IT technicians."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from gic.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
INSECURE_KEYS = {"", "dev", "change-me", "dev-not-secret"}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults and environment, then ``instance/config.py``, then ``config``."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                instance_relative_config=True, template_folder=str(ROOT / "templates"))
    _configure(app, config)
    app.json.sort_keys = False  # keep the documented key order of API answers
    if app.config["PROXY_FIX_X_FOR"]:  # behind a reverse proxy: the client's real address
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    from gic.forms import BoundedIntConverter
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    _register_blueprints(app)
    from gic import cli, pages, web
    web.init_app(app)
    pages.init_app(app)
    cli.init_app(app)
    return app


def default_public_url() -> str:
    """Where the app answers when ``PUBLIC_URL`` is not set: ``HOST`` and ``PORT``
    as given to ``scripts/run`` (an address of every interface means this machine)."""
    host = os.environ.get("HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('PORT') or 5000}"


def _configure(app: Flask, config: dict[str, Any] | None) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    default_db = "sqlite:///" + str(Path(app.instance_path) / "gic.sqlite3")
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-not-secret"),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", default_db),
        GIC_ENV=os.environ.get("GIC_ENV", "development"),
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        LOGIN_MAX_FAILURES=5,
        LOGIN_MAX_FAILURES_PER_EMAIL=20,
        LOGIN_MAX_FAILURES_PER_ADDRESS=50,
        PROXY_FIX_X_FOR=0,
        LOGIN_WINDOW_MINUTES=15,
        PASSWORD_RESET_HOURS=24,
        PASSWORD_HASH_METHOD="scrypt",
        EMAIL_ACTION_HOURS=72,
        SESSION_BACKDATE_DAYS=30,
        MAIL_SERVER="",
        PUBLIC_URL=os.environ.get("PUBLIC_URL") or default_public_url(),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    if config is None or not config.get("TESTING"):
        app.config.from_pyfile("config.py", silent=True)
    # Every setting also as GIC_<NAME> (containers, systemd units), read as JSON
    # where it parses (GIC_LOGIN_WINDOW_MINUTES=30 is a number).
    app.config.from_prefixed_env("GIC")
    if config:
        app.config.from_mapping(config)
    if app.config["GIC_ENV"] == "production" or \
            str(app.config.get("PUBLIC_URL") or "").lower().startswith("https://"):
        # Served over HTTPS: cookies never travel in clear, whatever config.py says.
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the form some hosts give
        uri = uri.replace("postgres://", "postgresql+psycopg://", 1)
    elif uri.startswith("postgresql://"):
        uri = uri.replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        # Wait for the write lock instead of failing at once (concurrent requests).
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    if app.config["GIC_ENV"] == "production" and app.config["SECRET_KEY"] in INSECURE_KEYS:
        raise RuntimeError("SECRET_KEY manquante : définissez une clé secrète réelle "
                           "(instance/config.py ou variable SECRET_KEY) en production.")


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    from gic import i18n
    from gic.web import select_timezone
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=select_timezone)
    i18n.init_app(app)
    from gic import database
    with app.app_context():
        database.configure_engine(db.engine)
    # Every table, so that Alembic and the app see them all.
    import gic.audit.models  # noqa: F401
    import gic.auth.models  # noqa: F401
    import gic.billing.models  # noqa: F401
    import gic.calendar.models  # noqa: F401
    import gic.equipment.models  # noqa: F401
    import gic.exchanges.models  # noqa: F401
    import gic.governance.models  # noqa: F401
    import gic.interventions.models  # noqa: F401
    import gic.jobs.models  # noqa: F401
    import gic.meetings.models  # noqa: F401
    import gic.models  # noqa: F401
    import gic.notifications.models  # noqa: F401
    import gic.ordered.models  # noqa: F401
    import gic.reports.models  # noqa: F401
    import gic.secondments.models  # noqa: F401
    import gic.standins.models  # noqa: F401
    import gic.techfiles.models  # noqa: F401
    import gic.trainings.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    """Each area's blueprint, with the routes its views modules attach to it (an area's
    pages in a second module, such as the minutes', attach to the same blueprint)."""
    from gic.admin import views as admin
    from gic.api import auth as api_auth  # noqa: F401 - the API's routes, below
    from gic.api import bilan as api_bilan  # noqa: F401
    from gic.api import billing as api_billing  # noqa: F401
    from gic.api import bp as api_bp
    from gic.api import interventions as api_interventions  # noqa: F401
    from gic.api import openapi as api_openapi  # noqa: F401
    from gic.api import views as api_views  # noqa: F401
    from gic.audit import views as audit
    from gic.auth import views as auth
    from gic.billing import views as billing
    from gic.calendar import views as calendar
    from gic.equipment import views as equipment
    from gic.exchanges import views as exchanges
    from gic.governance import views as governance
    from gic.interventions import maillink_views  # noqa: F401 - the e-mail links' page
    from gic.interventions import views as interventions
    from gic.main import views as main
    from gic.meetings import minutes_views  # noqa: F401 - the minutes pages
    from gic.meetings import views as meetings
    from gic.notifications import views as notifications
    from gic.ordered import views as ordered
    from gic.reports import views as reports
    from gic.secondments import views as secondments
    from gic.standins import views as standins
    from gic.techfiles import views as techfiles
    from gic.trainings import views as trainings

    for views in (auth, main, interventions, billing, audit, admin, notifications, reports,
                  meetings, equipment, trainings, exchanges, techfiles, secondments, governance,
                  calendar, standins, ordered):
        app.register_blueprint(views.bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # token-authenticated, no cookies
