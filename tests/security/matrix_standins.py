"""Authorization rows of the stand-ins area (/standins, issue 13 item 1).

Only a director opens his establishment's « Suppléance » page, names a stand-in
among its people and ends one early (technicians, the accountant and the
coordinator: 403, the coordinator cannot name one for him). Ending another
establishment's stand-in, or another groupement's, is a 404. Each role has its own
world: B's director ends (withdraws) the stand-in he named for B's technician from
tomorrow: today that technician has none of the director's rights, so every row of
the matrix holds for him as for any technician.

:data:`DIRECTOR_ACTIONS` are the routes where a stand-in in force gets the answer of
the director he stands in for; everywhere else, his own role's answer
(tests/security/test_standin_matrix.py).
"""

from __future__ import annotations

from datetime import timedelta

from gic.timeutil import local_today
from tests.security.matrix import Route, web

SID = "standin_id"


def _naming(ctx) -> dict:
    """A technician of the caller's own establishment, for a week next month (after
    B's stand-in of the coming week: no overlap)."""
    start = local_today() + timedelta(days=30)
    mine = [t for t in (*ctx.world.technicians.values(), *ctx.other.technicians.values())
            if ctx.me is not None and t.establishment_id == ctx.me.establishment_id]
    return {"standin_id": str(mine[0].id if mine else ctx.world.technicians["A"].id),
            "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=6)).isoformat()}


# B's technician standing in for B's director today: these routes answer him as they
# answer B's director (A -> B requests: B activates, validates, cancels; B approves
# or refuses the secondments and votes on the procedures, which he then reads).
# Cancelling is one too, but the matrix's request to cancel is that technician's own
# draft, which he cancels as its drafter anyway (tests/services/test_standins.py
# cancels an active request through a stand-in).
DIRECTOR_ACTIONS = {
    ("interventions.activate", "POST"), ("api.activate", "POST"),
    ("interventions.validate", "POST"), ("api.validate", "POST"),
    ("secondments.approve", "POST"), ("secondments.refuse", "POST"),
    ("governance.procedures_index", "GET"), ("governance.procedure", "GET"),
    ("governance.vote", "POST"),
}

ROUTES = {
    ("standins.index", "GET"): Route(web(logged=403, dirs=200, other_dir=200)),
    ("standins.index", "POST"): Route(web(logged=403, dirs=302, other_dir=302), body=_naming),
    ("standins.end", "POST"): Route(web(logged=403, dirs=404, dir_B=302, other_dir=404),
                                    args={SID: "standin_end"}),
}


def build(ctx) -> None:
    """B's director names B's technician from tomorrow, for a week (to be withdrawn)."""
    from gic.standins import services

    w = ctx.world
    tomorrow = local_today() + timedelta(days=1)
    ctx.ids["standin_end"] = services.name_standin(
        w.directors["B"], standin_id=w.technicians["B"].id, starts_on=tomorrow,
        ends_on=tomorrow + timedelta(days=6)).id
