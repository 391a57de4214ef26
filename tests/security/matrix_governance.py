"""Authorization rows of the governance area (/groupement).

Everyone of a groupement reads its identity card (page, PDF) and the
convention's versions; only its coordinator edits the card, proposes a
candidate, opens the renewal, withdraws a procedure, closes a weighted vote
and adds or deletes a future version. Procedures are followed by the coordinator and the member
directors (403 for technicians and the accountant); each member director votes
once (every role has its own world); another groupement's procedure or version
is a 404.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from gic.extensions import db
from gic.governance.procedures import propose_member
from gic.governance.versions import create_version
from gic.timeutil import local_today
from tests.security.matrix import Route, coordinator_only, web

MARK = "GIC65-CONFIDENTIEL"


def _readers(ok, other=404) -> dict:
    """The coordinator and the member directors; technicians and the accountant: 403."""
    return web(logged=403, dirs=ok, coordinator=ok, other=other)


def _version_form(ctx) -> dict:
    day = local_today() + timedelta(days=40)
    return {"valid_from": day.isoformat(), "threshold_minutes": "7:00",
            "cap_minutes": "40:00", "hourly_rate": "26,50", "duration_years": "3"}


def _candidate_form(ctx) -> dict:
    return {"name": "EHPAD des Pyrénées", "finess": "650009991",
            "contact": "Mme Durand, directrice", "message": ""}


ROUTES = {
    ("governance.index", "GET"): Route(web(logged=200)),
    ("governance.card_pdf", "GET"): Route(web(logged=200)),
    ("governance.edit_card", "GET"): Route(coordinator_only(200)),
    ("governance.edit_card", "POST"): Route(coordinator_only(302), body={
        "full_name": "Groupement Informatique de Coopération", "department": "65",
        "resource_persons": "4"}),
    ("governance.procedures_index", "GET"): Route(_readers(200, other=200)),
    ("governance.procedure", "GET"): Route(_readers(200), args={"procedure_id": "gov_read"}),
    ("governance.vote", "POST"): Route(web(logged=403, dirs=302, other=404),
                                       args={"procedure_id": "gov_vote"},
                                       body={"choice": "for", "reason": ""}),
    ("governance.withdraw", "POST"): Route(web(logged=403, coordinator=302, other=404),
                                           args={"procedure_id": "gov_withdraw"},
                                           body={"reason": "Candidature retirée par l'IME."}),
    # Issue 16 item 6: closing a weighted vote; the matrix's procedures are unanimity
    # ones (per-intervention model), so the coordinator's answer is the refusal (409).
    ("governance.close_vote", "POST"): Route(web(logged=403, coordinator=409, other=404),
                                             args={"procedure_id": "gov_read"}),
    ("governance.propose", "GET"): Route(coordinator_only(200)),
    ("governance.propose", "POST"): Route(coordinator_only(302), body=_candidate_form),
    # Both worlds' conventions lapsed (see build): the renewal can be opened.
    ("governance.open_renewal", "POST"): Route(coordinator_only(302), body={"message": ""}),
    ("governance.versions_index", "GET"): Route(web(logged=200)),
    ("governance.new_version", "GET"): Route(coordinator_only(200)),
    ("governance.preview_version", "POST"): Route(coordinator_only(200), body=_version_form),
    ("governance.create_version", "POST"): Route(coordinator_only(302), body=_version_form),
    ("governance.delete_version", "POST"): Route(web(logged=403, coordinator=302, other=404),
                                                 args={"version_id": "gov_future_version"}),
}


def build(ctx) -> None:
    """Open candidacies to read, vote on and withdraw, and a future version."""
    world = ctx.world
    for w in (world, ctx.other):  # registered in GIC in 2023: the period ended in 2025
        w.groupement.created_at = datetime(2023, 1, 1)
    db.session.commit()
    for n, name in enumerate(("gov_read", "gov_vote", "gov_withdraw")):
        ctx.ids[name] = propose_member(
            world.coordinator, name=f"IME candidat {n} {MARK}", finess=f"65000990{n}",
            contact=f"Contact {MARK}").id
    ctx.ids["gov_future_version"] = create_version(
        world.coordinator, valid_from=local_today() + timedelta(days=80),
        threshold_minutes=420, cap_minutes=2100, hourly_rate=Decimal("27.00"),
        duration_years=3).id


def owned(tables, gid) -> dict:
    """Ballots belong to their procedure's groupement."""
    procedures = tables["governance_procedure"]
    return {"governance_ballot": tables["governance_ballot"].c.procedure_id.in_(
        select(procedures.c.id).where(procedures.c.groupement_id == gid))}
