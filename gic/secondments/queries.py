"""Grouped SQL over the secondments (R8): their minutes per year and what they bill.

No permission check here: callers scope (the billing by user, the bilan for a
whole groupement). Every function issues a fixed number of queries whatever the
number of secondments, interventions or sessions.

Billing of a secondment (decided for GIC, stated on the secondment page):

- only validated interventions are billed, like the rest of the billing;
- agreed hourly rate: every minute of the attached interventions' sessions of
  the civil year, on site AND remote (the convention's free threshold and « remote
  is free » do not apply: the directors agreed on a price for the project's time),
  × the rate / 60, rounded once per secondment and year, half-up
  (:func:`gic.convention.rules.secondment_amount`);
- lump sum: the whole sum in the civil year the period ends, once approved.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from gic.convention import rules
from gic.convention.ledger import COUNTED_STATES
from gic.convention.rules import Mode
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import Establishment
from gic.secondments.models import Pricing, Secondment, SecondmentStatus


def approved_in_year(groupement_id: int, year: int,
                     establishment_id: int | None = None) -> list[Secondment]:
    """Approved secondments whose period meets ``year`` (one query), by start date.

    ``establishment_id`` keeps those where it is provider or beneficiary.
    """
    stmt = select(Secondment).where(
        Secondment.groupement_id == groupement_id,
        Secondment.status == SecondmentStatus.APPROVED,
        Secondment.start_date <= date(year, 12, 31), Secondment.end_date >= date(year, 1, 1))
    if establishment_id is not None:
        stmt = stmt.where(or_(Secondment.provider_id == establishment_id,
                              Secondment.beneficiary_id == establishment_id))
    return list(db.session.scalars(stmt.order_by(Secondment.start_date, Secondment.id)))


def minutes_of_year(groupement_id: int, year: int) -> dict[int, dict[str, int]]:
    """Minutes of ``year`` of every secondment of the groupement, in one grouped query:
    ``{secondment_id: {"validated", "pending", "onsite", "remote"}}`` where
    validated + pending = onsite + remote (sessions of accepted, completed and
    validated interventions; the others have none)."""
    stmt = (
        select(Intervention.secondment_id, Intervention.state, InterventionSession.mode,
               func.sum(InterventionSession.minutes))
        .join(InterventionSession, InterventionSession.intervention_id == Intervention.id)
        .where(Intervention.groupement_id == groupement_id,
               Intervention.secondment_id.is_not(None),
               Intervention.state.in_(COUNTED_STATES), InterventionSession.year == year)
        .group_by(Intervention.secondment_id, Intervention.state, InterventionSession.mode)
    )
    result: dict[int, dict[str, int]] = defaultdict(
        lambda: {"validated": 0, "pending": 0, "onsite": 0, "remote": 0})
    for secondment_id, state, mode, minutes in db.session.execute(stmt):
        totals = result[secondment_id]
        totals["validated" if state == State.VALIDATED else "pending"] += int(minutes)
        totals["onsite" if mode == Mode.ONSITE else "remote"] += int(minutes)
    return dict(result)


def minutes_by_year(secondment_id: int) -> dict[int, dict[str, int]]:
    """One secondment's minutes per civil year: ``{year: {"validated", "pending"}}``."""
    stmt = (
        select(InterventionSession.year, Intervention.state,
               func.sum(InterventionSession.minutes))
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .where(Intervention.secondment_id == secondment_id,
               Intervention.state.in_(COUNTED_STATES))
        .group_by(InterventionSession.year, Intervention.state)
    )
    result: dict[int, dict[str, int]] = defaultdict(lambda: {"validated": 0, "pending": 0})
    for year, state, minutes in db.session.execute(stmt):
        result[year]["validated" if state == State.VALIDATED else "pending"] += int(minutes)
    return dict(result)


def amount_of_year(s: Secondment, year: int, validated_minutes: int) -> Decimal:
    """What ``s`` bills in ``year`` given its validated minutes of that year (R8)."""
    return rules.secondment_amount(
        minutes=validated_minutes, hourly_rate=s.hourly_rate if s.pricing == Pricing.HOURLY
        else None, lump_sum=s.lump_sum if s.pricing == Pricing.LUMP_SUM else None,
        year=year, end_year=s.end_date.year)


def billing_lines(groupement_id: int, year: int,
                  establishment_id: int | None = None) -> list[dict[str, Any]]:
    """The « Détachements » part of the yearly billing: one line per approved
    secondment whose period meets ``year`` (two queries).

    Each line is its own settlement (the beneficiary pays the provider), apart
    from the convention's pairs and net settlements. Amounts are ``Decimal``.
    """
    secondments = approved_in_year(groupement_id, year, establishment_id)
    if not secondments:
        return []
    minutes = minutes_of_year(groupement_id, year)
    lines = []
    for s in secondments:
        used = minutes.get(s.id, {"validated": 0, "pending": 0})
        lines.append({
            "secondment_id": s.id, "project": s.project, "provider_id": s.provider_id,
            "beneficiary_id": s.beneficiary_id, "pricing": str(s.pricing),
            "hourly_rate": s.hourly_rate, "lump_sum": s.lump_sum,
            "start_date": s.start_date, "end_date": s.end_date,
            "billable_minutes": used["validated"], "pending_minutes": used["pending"],
            "amount": amount_of_year(s, year, used["validated"]),
        })
    return lines


def _side() -> dict[str, Any]:
    return {"secondments": 0, "minutes": 0, "amount": Decimal("0.00")}


def bilan_section(groupement_id: int, year: int) -> dict[str, Any]:
    """The bilan's « Détachements temporaires » section of ``year`` (JSON-ready).

    ``secondments``: each approved secondment whose period meets the year, with
    its minutes of the year (on site, remote, validated) and the amount billed;
    ``totals`` for the groupement; ``per_establishment``: what each establishment
    gave (as provider) and received (as beneficiary). Money as ``"183.33"``
    strings, dates ISO. Three queries, whatever the data.
    """
    establishment_ids = list(db.session.scalars(
        select(Establishment.id).where(Establishment.groupement_id == groupement_id)
        .order_by(Establishment.id)))
    secondments = approved_in_year(groupement_id, year)
    minutes = minutes_of_year(groupement_id, year) if secondments else {}
    given: dict[int, dict[str, Any]] = defaultdict(_side)
    received: dict[int, dict[str, Any]] = defaultdict(_side)
    rows = []
    total = {**_side(), "onsite_minutes": 0, "remote_minutes": 0}
    for s in secondments:
        used = minutes.get(s.id, {"validated": 0, "pending": 0, "onsite": 0, "remote": 0})
        value = amount_of_year(s, year, used["validated"])
        all_minutes = used["onsite"] + used["remote"]
        rows.append({
            "secondment_id": s.id, "project": s.project, "provider_id": s.provider_id,
            "beneficiary_id": s.beneficiary_id, "pricing": str(s.pricing),
            "hourly_rate": _money(s.hourly_rate), "lump_sum": _money(s.lump_sum),
            "start_date": s.start_date.isoformat(), "end_date": s.end_date.isoformat(),
            "minutes": all_minutes, "onsite_minutes": used["onsite"],
            "remote_minutes": used["remote"], "validated_minutes": used["validated"],
            "amount": str(value)})
        for side in (given[s.provider_id], received[s.beneficiary_id], total):
            side["secondments"] += 1
            side["minutes"] += all_minutes
            side["amount"] += value
        total["onsite_minutes"] += used["onsite"]
        total["remote_minutes"] += used["remote"]
    return {
        "year": year,
        "secondments": rows,
        "totals": {**total, "amount": str(total["amount"])},
        "per_establishment": [
            {"establishment_id": eid,
             "given": {**given[eid], "amount": str(given[eid]["amount"])},
             "received": {**received[eid], "amount": str(received[eid]["amount"])}}
            for eid in establishment_ids],
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(rules.round_cents(value))
