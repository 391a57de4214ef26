"""The audit log page: who did what, when, before → after, in French.

Coordinators read the whole groupement's log, directors the entries of their
establishment (:func:`visible_entries` decides; anyone else gets 403). How an
entry reads is :mod:`gic.audit.present`'s.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from gic.audit import bp, present
from gic.audit.models import AuditEntry
from gic.audit.services import visible_entries, with_standin
from gic.pages import paginate

PER_PAGE = 50


@bp.route("/")
@login_required
def index():
    """The visible entries, newest first, 50 per page."""
    stmt = visible_entries(current_user)  # Forbidden: the app-wide 403 page
    page = paginate(stmt.options(selectinload(AuditEntry.actor), *with_standin()), PER_PAGE)
    rows = present.rows(current_user.groupement_id, page.items)
    return render_template("audit/index.html", page=page, rows=rows)
