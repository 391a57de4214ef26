"""The feed itself: no login, the token in the address is the only key."""

from flask import Response, abort, request

from gic.calendar import bp, services
from gic.calendar.feed import build_feed


@bp.route("/<token>.ics")
def feed(token: str):
    """The user's iCalendar feed; 404 for any token that is not live (unknown,
    regenerated, disabled, a deactivated account), the same page each time."""
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    response = Response(build_feed(user), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # Personal data: a shared cache (proxy) keeps none of it; the user's own
    # calendar asks again each time with the ETag (304 when nothing changed), so a
    # revoked address stops at once there too.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.add_etag()
    return response.make_conditional(request)
