"""Home: the dashboard of the current user's role; the service worker and the web
app manifest, served at the root so that they cover every page."""

from pathlib import Path

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from gic.main import bp, services


@bp.route("/")
@login_required
def index():
    """The role's dashboard (a few grouped queries, whatever the data's size)."""
    board = services.dashboard(current_user)
    return render_template(f"main/{current_user.role}.html", board=board)


def _root_file(name: str, mimetype: str):
    """A small file of gic/static served at the root, revalidated at each visit
    (``no-cache`` with an ETag), so that a new version is picked up at once."""
    body = (Path(current_app.static_folder) / name).read_bytes()
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/sw.js")
def service_worker():
    """The service worker (gic/static/sw.js) at the root: its scope is every page."""
    response = _root_file("sw.js", "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: GIC can be installed on a phone's home screen."""
    return _root_file("manifest.webmanifest", "application/manifest+json")
