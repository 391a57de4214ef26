"""Authorization rows of the exchanges and advice log (see tests/security/matrix.py).

Objects: advice given by A's technician to B. Staff of A and B and the
coordinator read it; the accountant has no access to the log (403); C's people
and other groupements do not know it (404); only its author changes it.
"""

from __future__ import annotations

from datetime import date

from tests.security.matrix import Route, web

XID = "exchange_id"


def _author_only(ok):
    return web(tech_A=ok, dir_A=403, tech_B=403, dir_B=403, coordinator=403, accountant=403,
               tech_C=404, dir_C=404, other_coord=404, other_dir=404)


def _exchange_form(ctx) -> dict:
    mine = getattr(ctx.me, "establishment_id", None)
    letter = "B" if mine == ctx.world.establishments["A"].id else "A"
    return {"recipient_id": str(ctx.world.establishments[letter].id), "date": "2026-10-05",
            "topic": "Certificat expiré", "minutes": "0:30", "notes": ""}


ROUTES = {
    ("exchanges.index", "GET"): Route(web(logged=200, accountant=403)),
    ("exchanges.new", "GET"): Route(web(logged=403, techs=200, dirs=200, other_dir=200)),
    # Another groupement's director names an establishment of the first: refused.
    ("exchanges.new", "POST"): Route(web(logged=403, techs=302, dirs=302, other_dir=422),
                                     body=_exchange_form),
    ("exchanges.edit", "GET"): Route(_author_only(200), args={XID: "exchange_view"}),
    ("exchanges.edit", "POST"): Route(_author_only(302), args={XID: "exchange_edit"},
                                      body=lambda ctx: dict(_exchange_form(ctx), recipient_id=str(
                                          ctx.world.establishments["B"].id))),
    ("exchanges.delete", "POST"): Route(_author_only(302), args={XID: "exchange_delete"}),
}


def build(ctx) -> None:
    """Advice from A's technician to B, one per state-changing cell and one to read."""
    from gic.exchanges.services import log_exchange
    from tests.security.test_authorization_matrix import MARK
    world = ctx.world
    for name in ("exchange_view", "exchange_edit", "exchange_delete"):
        ctx.ids[name] = log_exchange(world.technicians["A"],
                                     recipient_id=world.establishments["B"].id,
                                     day=date(2026, 10, 1), topic=f"Pare-feu {MARK}",
                                     minutes=45, notes=MARK).id
