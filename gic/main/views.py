"""Home: the dashboard of the current user's role; the service worker and the web
app manifest, served at the root so that they cover every page."""

from flask import current_app, render_template, send_from_directory
from flask_login import current_user, login_required

from gic.main import bp, services


@bp.route("/")
@login_required
def index():
    """The role's dashboard (a few grouped queries, whatever the data's size)."""
    board = services.dashboard(current_user)
    return render_template(f"main/{current_user.role}.html", board=board)


@bp.route("/sw.js")
def service_worker():
    """The service worker (gic/static/sw.js) at the root: its scope is every page.
    Never cached by the browser, so that a new version is picked up at the next visit."""
    response = send_from_directory(current_app.static_folder, "sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: GIC can be installed on a phone's home screen."""
    response = send_from_directory(current_app.static_folder, "manifest.webmanifest",
                                   mimetype="application/manifest+json", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
