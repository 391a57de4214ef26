"""Demo of the ordered-hours model (issue 16), played through the real services.

GCSMS ISI Démo: its six « utilisateurs » are marked as such; every participant
ordered its hours of the current year in November of the previous one, the general
assembly voted the budget on 9 December, and the provisional call is issued (one
instalment); next year's orders are being collected (not voted yet). The sessions
of the year, logged by the stories, consume those hours. Nothing for a groupement
of the per-intervention model. Timestamps and audit entries are moved back to the
days the steps happened (the calls keep the day they are issued: their PDF is
dated with it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import update

from gic.audit.models import AuditEntry
from gic.demo_context import DemoContext
from gic.extensions import db
from gic.models import ConventionModel, Participation
from gic.ordered import services
from gic.ordered.models import HourOrder, OrderedYear

VOTE_DAY = (12, 9)  # the general assembly that votes next year's budget


def load_demo(builder: DemoContext) -> None:
    """Participation, orders, the budget's vote and the provisional call."""
    demo = builder.demo
    if demo.model != ConventionModel.ORDERED_HOURS:
        return
    coordinator, today = builder.coordinator, builder.today
    for place in demo.places:
        if place.participation == Participation.USER:
            services.set_participation(coordinator, builder.places[place.key].id,
                                       Participation.USER)
    orders: dict[int, dict[int, int]] = defaultdict(dict)
    for offset, key, hours in demo.orders:
        orders[today.year + offset][builder.places[key].id] = hours * 60
    for year, minutes in sorted(orders.items()):
        services.save_orders(coordinator, year, minutes)
        ordered_at = builder.at(min(date(year - 1, 11, 20), today - timedelta(days=2)), 10, 0)
        db.session.execute(update(HourOrder).where(
            HourOrder.groupement_id == builder.groupement.id, HourOrder.year == year)
            .values(updated_at=ordered_at))
        _audit_at(builder.groupement.id, "ordered.order", ordered_at, year)
    year = today.year
    if year in orders:
        voted_on = date(year - 1, *VOTE_DAY)
        row = services.record_vote(
            coordinator, year, voted_on,
            f"Assemblée générale ordinaire du {voted_on:%d/%m/%Y}, résolution n° 3 : budget "
            f"{year}")
        voted_at = builder.at(voted_on, 18, 30)
        db.session.execute(update(OrderedYear).where(OrderedYear.id == row.id)
                           .values(voted_at=voted_at))
        _audit_at(builder.groupement.id, "ordered.vote", voted_at)
        services.issue_calls(coordinator, year, instalments=1)
    db.session.commit()


def _audit_at(groupement_id: int, action: str, at, year: int | None = None) -> None:
    stmt = update(AuditEntry).where(AuditEntry.groupement_id == groupement_id,
                                    AuditEntry.action == action)
    if year is not None:
        stmt = stmt.where(AuditEntry.after["year"].as_integer() == year)
    db.session.execute(stmt.values(at=at))
