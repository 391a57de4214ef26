"""Authorization rows of the calendar feed (issue 14, item 4; see tests/security/matrix.py).

The feed needs no login: its token is the only key, whoever presents it (here a
live token of another groupement's technician: 200 for anyone, and nothing of
the first groupement in it; unknown, revoked and deactivated tokens answer 404,
tests/views/test_calendar_feed.py). Everyone logged in makes, regenerates and
disables his own address on his profile.
"""

from __future__ import annotations

from tests.security.matrix import Route, web, who

ROUTES = {
    ("calendar.feed", "GET"): Route(who(anon=200, logged=200), args={"token": "calendar_token"}),
    ("auth.calendar_feed", "POST"): Route(web(logged=200)),
    ("auth.disable_calendar_feed", "POST"): Route(web(logged=302)),
}


def build(ctx) -> None:
    """A live feed of another groupement's technician."""
    from gic.calendar.services import generate
    ctx.ids["calendar_token"] = generate(ctx.other.technicians["X"])[1]


def owned(tables, gid) -> dict:
    """The calendar addresses of the groupement's people."""
    from sqlalchemy import select
    users = select(tables["user"].c.id).where(tables["user"].c.groupement_id == gid)
    return {"calendar_feed": tables["calendar_feed"].c.user_id.in_(users)}
