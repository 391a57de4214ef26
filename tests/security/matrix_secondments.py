"""Authorization matrix rows of the secondments area (SPEC §4 R8, §1).

Both establishments' staff, the coordinator and the accountant read an A -> B
secondment (the « viewers »); C and the other groupement get 404. Technicians and
directors propose (between their establishment and another); only the two
directors approve or refuse; only the proposer (B's technician) cancels.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tests.security.matrix import Route, web

SID = "secondment_id"


def _proposal(ctx) -> dict:
    """Between the caller's establishment and A (or B for A's people); another
    groupement's caller names an establishment of the first (refused: 422)."""
    mine = getattr(ctx.me, "establishment_id", None)
    a, b = ctx.world.establishments["A"].id, ctx.world.establishments["B"].id
    other = b if mine == a else a
    return {"provider_id": str(mine or a), "beneficiary_id": str(other),
            "project": "Projet de la matrice", "description": "Détachement de test.",
            "start_date": "2026-01-01", "end_date": "2026-12-31", "pricing": "hourly",
            "hourly_rate": "30,00", "lump_sum": ""}


ROUTES = {
    ("secondments.index", "GET"): Route(web(logged=200)),
    ("secondments.new", "GET"): Route(web(logged=403, techs=200, dirs=200, other_dir=200)),
    ("secondments.new", "POST"): Route(web(logged=403, techs=302, dirs=302, other_dir=422),
                                       body=_proposal),
    ("secondments.detail", "GET"): Route(web(viewers=200, outsiders=404),
                                         args={SID: "secondment_view"}),
    ("secondments.approve", "POST"): Route(
        web(viewers=403, outsiders=404, dir_A=302, dir_B=302), args={SID: "secondment_approve"}),
    ("secondments.refuse", "POST"): Route(
        web(viewers=403, outsiders=404, dir_A=302, dir_B=302), args={SID: "secondment_refuse"},
        body={"reason": "Pas de budget."}),
    ("secondments.cancel", "POST"): Route(web(viewers=403, outsiders=404, tech_B=302),
                                          args={SID: "secondment_cancel"}),
}


def build(ctx) -> None:
    """An approved A -> B secondment to read, and one proposed by B's technician per action."""
    from gic.secondments import services
    from tests.security.test_authorization_matrix import MARK

    w = ctx.world

    def propose():
        return services.propose(
            w.technicians["B"], provider_id=w.establishments["A"].id,
            beneficiary_id=w.establishments["B"].id, project=f"Messagerie {MARK}",
            description=f"Migration {MARK}", start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31), pricing="hourly", hourly_rate=Decimal("30.00"),
            technician_ids=[w.technicians["A"].id])

    view = propose()
    services.approve(view, w.directors["A"])
    services.approve(view, w.directors["B"])
    ctx.ids["secondment_view"] = view.id
    for action in ("approve", "refuse", "cancel"):
        ctx.ids[f"secondment_{action}"] = propose().id


def owned(tables, gid) -> dict:
    """The seconded technicians' rows of the groupement's secondments."""
    secondments = select(tables["secondment"].c.id).where(
        tables["secondment"].c.groupement_id == gid)
    return {"secondment_technician":
            tables["secondment_technician"].c.secondment_id.in_(secondments)}
