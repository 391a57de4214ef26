"""Home: the dashboard of the current user's role (filled in by the web UI work)."""

from flask import render_template
from flask_login import login_required

from gic.main import bp


@bp.route("/")
@login_required
def index():
    """The role's dashboard."""
    return render_template("main/dashboard.html")
