"""Authorization rows of the « Heures commandées » area (/ordered, issue 16; see
tests/security/matrix.py).

The first groupement uses the ordered-hours model from 2027 (a version from
1 January 2027) and again from 2028: 2027 has A's and B's orders, not voted yet,
so that the coordinator saves orders, records the vote and issues the calls
(302, in that order); 2028 is voted and called, its call to A is the document
read. Only the coordinator writes (everyone else 403; another groupement's
coordinator acts on his own groupement, which does not use the model: 409, and
an establishment of the first groupement is 404 to him). The coordinator and
the accountant read every participant, a director his establishment's (another's
document is 404), technicians 403. Expenses and regularisation of 2027 wait for
the year's end (409 for the coordinator).
"""

from __future__ import annotations

from datetime import date

from gic.timeutil import local_today
from tests.security.matrix import Route, coordinator_only, web

Y2027 = {"year": 2027}
READERS = {"logged": 403, "dirs": 200, "accountant": 200, "coordinator": 200, "other": 200}


def _orders(ctx) -> dict:
    e = ctx.world.establishments
    return {f"order_{e['A'].id}": "12", f"order_{e['B'].id}": "8"}


def _vote(ctx) -> dict:
    return {"voted_on": local_today().isoformat(), "reference": "AG"}


ROUTES = {
    ("ordered.index", "GET"): Route(web(**{**READERS, "dirs": 302, "accountant": 302,
                                           "coordinator": 302, "other": 302})),
    ("ordered.year_page", "GET"): Route(web(**READERS), args=Y2027),
    ("ordered.save_orders", "POST"): Route(coordinator_only(302, 409), args=Y2027,
                                           body=_orders),
    ("ordered.record_vote", "POST"): Route(coordinator_only(302, 409), args=Y2027,
                                           body=_vote),
    ("ordered.issue_calls", "POST"): Route(coordinator_only(302, 409), args=Y2027,
                                           body={"instalments": "2"}),
    # after the calls: the vote no longer withdraws
    ("ordered.cancel_vote", "POST"): Route(coordinator_only(409), args=Y2027, body={}),
    ("ordered.save_expenses", "POST"): Route(coordinator_only(409), args=Y2027,
                                             body={"real_expenses": "1000,00", "note": ""}),
    ("ordered.regularise", "POST"): Route(coordinator_only(409), args=Y2027, body={}),
    ("ordered.document_pdf", "GET"): Route(
        web(logged=403, accountant=200, coordinator=200, dir_A=200, dir_B=404, dir_C=404,
            other=404), args={"document_id": "ordered_call_A"}),
    ("ordered.set_participation", "POST"): Route(
        coordinator_only(302, 404), args={"establishment_id": "establishment_C"},
        body={"participation": "user"}),
}


def build(ctx) -> None:
    """Ordered-hours versions from 2027 and 2028; 2027's orders; 2028 voted and called."""
    from decimal import Decimal

    from gic.extensions import db
    from gic.models import ConventionModel, ConventionVersion
    from gic.ordered import services

    world = ctx.world
    for year in (2027, 2028):
        db.session.add(ConventionVersion(
            groupement_id=world.groupement.id, valid_from=date(year, 1, 1),
            start_date=date(2019, 9, 30), duration_years=3, threshold_minutes=0,
            cap_minutes=2100, hourly_rate=Decimal("45.00"),
            model=ConventionModel.ORDERED_HOURS))
    db.session.commit()
    e = world.establishments
    for year in (2027, 2028):
        services.save_orders(world.coordinator, year, {e["A"].id: 600, e["B"].id: 360})
    services.record_vote(world.coordinator, 2028, local_today(), "AG")
    calls = services.issue_calls(world.coordinator, 2028, 1)
    ctx.ids["ordered_call_A"] = next(d.id for d in calls if d.establishment_id == e["A"].id)
    ctx.ids["establishment_C"] = e["C"].id


def owned(tables, gid) -> dict:
    """Contribution lines belong to their document's groupement."""
    from sqlalchemy import select

    documents = tables["contribution_document"]
    return {"contribution_line": tables["contribution_line"].c.document_id.in_(
        select(documents.c.id).where(documents.c.groupement_id == gid))}
