"""Home: the dashboard of the current user's role."""

from flask import render_template
from flask_login import current_user, login_required

from gic.main import bp, services


@bp.route("/")
@login_required
def index():
    """The role's dashboard (a few grouped queries, whatever the data's size)."""
    board = services.dashboard(current_user)
    return render_template(f"main/{current_user.role}.html", board=board)
