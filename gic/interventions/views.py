"""Views (placeholder index until the web UI work fills this blueprint)."""

from flask import render_template
from flask_login import login_required

from gic.interventions import bp


@bp.route("/")
@login_required
def index():
    """Placeholder."""
    return render_template("main/dashboard.html")
