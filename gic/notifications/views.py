"""The in-app notifications: one's own list, mark read, and the nav badge's count."""

from __future__ import annotations

from flask import (
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import ngettext
from flask_login import current_user, login_required

from gic.forms import MAX_PAGE
from gic.notifications import bp
from gic.notifications.services import (
    mark_all_read,
    mark_read,
    notifications_of,
    unread_count,
)
from gic.pages import paginate

PER_PAGE = 30


@bp.app_context_processor
def _unread_notifications() -> dict[str, int]:
    """``unread_notifications`` for the nav badge: one COUNT, for logged-in users only."""
    if has_request_context() and current_user.is_authenticated:
        return {"unread_notifications": unread_count(current_user)}
    return {"unread_notifications": 0}


@bp.route("/")
@login_required
def index():
    """The user's notifications, newest first, unread ones in bold."""
    page = paginate(notifications_of(current_user), PER_PAGE)
    return render_template("notifications/index.html", page=page)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one's own notification read; with ``open``, then follow its link."""
    n = mark_read(current_user, notification_id)
    if request.form.get("open") and _is_local_path(n.link):
        return redirect(n.link)
    return redirect(url_for(".index", page=_form_page()))


@bp.post("/read-all")
@login_required
def read_all():
    """Mark all one's notifications read."""
    count = mark_all_read(current_user)
    if count:
        flash(ngettext("%(num)d notification marquée comme lue.",
                       "%(num)d notifications marquées comme lues.", count), "success")
    return redirect(url_for(".index"))


def _is_local_path(link: str | None) -> bool:
    """Links are paths written by the app; never follow anything else (open redirect)."""
    return bool(link) and link.startswith("/") and not link.startswith("//") \
        and "\\" not in link


def _form_page() -> int | None:
    """The list page to go back to, clamped; None for the first page."""
    page = request.form.get("page", type=int) or 1
    return min(max(page, 1), MAX_PAGE) if page > 1 else None
