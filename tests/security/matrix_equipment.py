"""Authorization rows of the equipment register (see tests/security/matrix.py).

Objects: loans A -> B recorded by A's technician (A lends, B borrows). Staff of
both establishments and the coordinator read them; the accountant has no access
to the register (403); C's people and other groupements do not know them (404).
Only A's staff changes them or records the return.
"""

from __future__ import annotations

from datetime import date

from tests.security.matrix import Route, web

MID = "movement_id"


def _lender_only(ok):
    """A change on the A -> B loan: A's staff passes, the others that see it get 403."""
    return web(tech_A=ok, dir_A=ok, tech_B=403, dir_B=403, coordinator=403, accountant=403,
               tech_C=404, dir_C=404, other_coord=404, other_dir=404)


def _other_establishment(ctx) -> str:
    """An establishment of the first groupement other than the caller's."""
    mine = getattr(ctx.me, "establishment_id", None)
    letter = "B" if mine == ctx.world.establishments["A"].id else "A"
    return str(ctx.world.establishments[letter].id)


def _movement_form(ctx) -> dict:
    return {"kind": "loan", "to_id": _other_establishment(ctx), "item": "Commutateur 24 ports",
            "category": "network", "serial_number": "CN52", "date": "2026-10-02",
            "expected_return": "2026-12-15", "condition_out": "Bon état", "notes": ""}


def _edit_form(ctx) -> dict:
    return dict(_movement_form(ctx), to_id=str(ctx.world.establishments["B"].id))


ROUTES = {
    # Staff of an establishment and the coordinator read; the accountant is refused.
    ("equipment.index", "GET"): Route(web(logged=200, accountant=403)),
    ("equipment.out", "GET"): Route(web(logged=200, accountant=403)),
    ("equipment.new", "GET"): Route(web(logged=403, techs=200, dirs=200, other_dir=200)),
    # Another groupement's director names an establishment of the first: refused.
    ("equipment.new", "POST"): Route(web(logged=403, techs=302, dirs=302, other_dir=422),
                                     body=_movement_form),
    ("equipment.detail", "GET"): Route(
        web(tech_A=200, dir_A=200, tech_B=200, dir_B=200, coordinator=200, accountant=403,
            tech_C=404, dir_C=404, other_coord=404, other_dir=404), args={MID: "loan_view"}),
    ("equipment.edit", "GET"): Route(_lender_only(200), args={MID: "loan_view"}),
    ("equipment.edit", "POST"): Route(_lender_only(302), args={MID: "loan_edit"},
                                      body=_edit_form),
    ("equipment.record_return", "POST"): Route(_lender_only(302), args={MID: "loan_return"},
                                         body={"returned_on": "2026-11-02",
                                               "condition_back": "Bon état"}),
    ("equipment.delete", "POST"): Route(_lender_only(302), args={MID: "loan_delete"}),
}


def build(ctx) -> None:
    """One A -> B loan per state-changing cell, and one to read."""
    from gic.equipment.services import record_movement
    from tests.security.test_authorization_matrix import MARK
    world = ctx.world
    for name in ("loan_view", "loan_edit", "loan_return", "loan_delete"):
        ctx.ids[name] = record_movement(
            world.technicians["A"], kind="loan", to_id=world.establishments["B"].id,
            item=f"Onduleur {MARK}", category="other", day=date(2026, 10, 1),
            expected_return=date(2026, 11, 1), notes=MARK).id
