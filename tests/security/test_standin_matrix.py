"""A stand-in in force passes exactly where the director he stands in for passes, and
nowhere else (issue 13 item 1): B's technician, named by B's director for today,
against every route of the app. On the routes of
:data:`tests.security.matrix_standins.DIRECTOR_ACTIONS` he gets B's director's
answer; on every other route (audit log, billing, administration, the stand-in page
itself…), a technician's answer. The same technician without a stand-in in force
is the matrix's own ``tech_B`` row (tests/security/test_authorization_matrix.py).
"""

from __future__ import annotations

import pytest

from gic.auth.services import create_token
from gic.extensions import db
from gic.standins import services as standins
from gic.timeutil import local_today
from tests.conftest import login
from tests.security.matrix import MATRIX
from tests.security.matrix_standins import DIRECTOR_ACTIONS
from tests.security.test_authorization_matrix import (
    app_routes,
    build,
    call,
    check_declared,
    order,
    url_of,
    verdict,
)

pytestmark = pytest.mark.slow


def test_director_actions_differ_from_a_technician_s():
    """Each declared director action answers B's director otherwise than B's technician
    (else the row proves nothing about the stand-in)."""
    for key in DIRECTOR_ACTIONS:
        assert MATRIX[key].expect["dir_B"] != MATRIX[key].expect["tech_B"], key


def test_a_stand_in_in_force_gets_the_director_s_answers_there_only(app):
    check_declared(app)
    ctx = build("tech_B")
    today = local_today()
    standins.name_standin(ctx.world.directors["B"], standin_id=ctx.me.id, starts_on=today,
                          ends_on=today)
    client = app.test_client()
    assert login(client, ctx.me).status_code == 302
    token = create_token(ctx.me, "matrice")[1]
    routes = app_routes(app)
    failures = []
    for key in order(routes):
        route = MATRIX[key]
        expected = route.expect["dir_B" if key in DIRECTOR_ACTIONS else "tech_B"]
        url = url_of(app, key, route, ctx, routes[key])
        problem = verdict(key, expected, call(client, key, route, url, ctx, token))
        if problem:
            failures.append(f"{key[1]} {url} ({key[0]}) as B's stand-in: {problem}")
        db.session.rollback()
    assert not failures, f"{len(failures)} cell(s) of {len(routes)}:\n" + "\n".join(failures)
