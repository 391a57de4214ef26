"""Grouped SQL over sessions: cap use, billable totals per pair and year.

A session is billable when it is on site, its intervention is not cancelled or
declined, and its intervention's total on-site minutes reach the threshold
snapshotted on the intervention (R1–R3). These queries are the only place that
rule is written in SQL; :func:`gic.rules.billable_by_year` is its pure twin,
and the tests check that both agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import cast, func, Integer, select, Select

from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import User
from gic.rules import Mode

COUNTED_STATES = (State.ACCEPTED, State.COMPLETED, State.VALIDATED)


def billable_sessions(*filters) -> Select:
    """Billable session rows with their pair, year, minutes and rate.

    ``filters`` restrict the interventions (e.g. by groupement or beneficiary)
    and are applied inside the per-intervention total too, so that the query
    never scans other groupements' sessions.
    """
    onsite_total = (
        select(InterventionSession.intervention_id,
               func.sum(InterventionSession.minutes).label("total"))
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .where(InterventionSession.mode == Mode.ONSITE, *filters)
        .group_by(InterventionSession.intervention_id)
        .subquery()
    )
    return (
        select(
            InterventionSession.id.label("session_id"),
            Intervention.id.label("intervention_id"),
            Intervention.provider_id,
            Intervention.beneficiary_id,
            Intervention.state,
            InterventionSession.year,
            InterventionSession.minutes,
            InterventionSession.hourly_rate,
            # The rate in whole cents, so that sums are exact integers on every
            # database (SQLite has no decimal type: its sums would be floats).
            cast(func.round(InterventionSession.hourly_rate * 100), Integer).label("rate_cents"),
        )
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .join(onsite_total, onsite_total.c.intervention_id == Intervention.id)
        .where(
            InterventionSession.mode == Mode.ONSITE,
            onsite_total.c.total >= Intervention.threshold_minutes,
            Intervention.state.in_(COUNTED_STATES),
            # R8: an intervention under a secondment is billed by it (gic/secondments)
            # and never counts toward the cap.
            Intervention.secondment_id.is_(None),
            *filters,
        )
    )


def cap_use(beneficiary_id: int, years: Iterable[int], *,
            exclude_intervention_id: int | None = None) -> dict[int, int]:
    """Billable minutes (pending and validated) of a beneficiary per year (R5)."""
    years = sorted(set(years))
    if not years:
        return {}
    filters = [Intervention.beneficiary_id == beneficiary_id]
    if exclude_intervention_id is not None:
        filters.append(Intervention.id != exclude_intervention_id)
    rows = billable_sessions(*filters).subquery()
    stmt = (
        select(rows.c.year, func.sum(rows.c.minutes))
        .where(rows.c.year.in_(years))
        .group_by(rows.c.year)
    )
    return {year: int(total) for year, total in db.session.execute(stmt)}


def cap_use_by_beneficiary(groupement_id: int, year: int) -> dict[int, int]:
    """Billable minutes of the year for every beneficiary of a groupement."""
    rows = billable_sessions(Intervention.groupement_id == groupement_id).subquery()
    stmt = (
        select(rows.c.beneficiary_id, func.sum(rows.c.minutes))
        .where(rows.c.year == year)
        .group_by(rows.c.beneficiary_id)
    )
    return {b: int(total) for b, total in db.session.execute(stmt)}


def pair_totals(groupement_id: int, year: int, *, validated_only: bool = True,
                establishment_id: int | None = None) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """Per pair (provider, beneficiary): billable minutes and Σ minutes × rate.

    The amount is rounded by the caller with :func:`gic.rules.round_cents`
    after dividing by 60 (R6: once per pair and year).
    """
    filters = [Intervention.groupement_id == groupement_id]
    if validated_only:
        filters.append(Intervention.state == State.VALIDATED)
    rows = billable_sessions(*filters).subquery()
    stmt = (
        select(rows.c.provider_id, rows.c.beneficiary_id,
               func.sum(rows.c.minutes), func.sum(rows.c.minutes * rows.c.rate_cents))
        .where(rows.c.year == year)
        .group_by(rows.c.provider_id, rows.c.beneficiary_id)
    )
    if establishment_id is not None:
        stmt = stmt.where((rows.c.provider_id == establishment_id)
                          | (rows.c.beneficiary_id == establishment_id))
    result: dict[tuple[int, int], tuple[int, Decimal]] = {}
    for provider, beneficiary, minutes, weighted_cents in db.session.execute(stmt):
        result[(provider, beneficiary)] = (int(minutes), Decimal(int(weighted_cents)) / 100)
    return result


def pending_interventions(groupement_id: int, year: int,
                          establishment_id: int | None = None) -> list[tuple[int, int, int, int]]:
    """Billable but not yet validated: (intervention, provider, beneficiary, minutes)."""
    filters = [Intervention.groupement_id == groupement_id,
               Intervention.state != State.VALIDATED]
    rows = billable_sessions(*filters).subquery()
    stmt = (
        select(rows.c.intervention_id, rows.c.provider_id, rows.c.beneficiary_id,
               func.sum(rows.c.minutes))
        .where(rows.c.year == year)
        .group_by(rows.c.intervention_id, rows.c.provider_id, rows.c.beneficiary_id)
        .order_by(rows.c.intervention_id)
    )
    if establishment_id is not None:
        stmt = stmt.where((rows.c.provider_id == establishment_id)
                          | (rows.c.beneficiary_id == establishment_id))
    return [(i, p, b, int(m)) for i, p, b, m in db.session.execute(stmt)]


def minutes_by_direction(establishment_id: int, year: int) -> dict[str, int]:
    """All session minutes of the year the establishment gave and received."""
    totals: dict[str, int] = defaultdict(int)
    for column, key in ((Intervention.provider_id, "given"),
                        (Intervention.beneficiary_id, "received")):
        stmt = (
            select(func.coalesce(func.sum(InterventionSession.minutes), 0))
            .join(Intervention, Intervention.id == InterventionSession.intervention_id)
            .where(column == establishment_id, InterventionSession.year == year)
        )
        totals[key] = int(db.session.scalar(stmt))
    return dict(totals)


# --- Dashboards (grouped counts and sums; one query each) ---------------------

def technician_minutes_by_mode(technician_id: int, start: date, end: date) -> dict[str, int]:
    """Minutes a technician logged between ``start`` and ``end`` (inclusive), per mode.

    Every mode is present (0 when nothing was logged), keyed by its value.
    """
    stmt = (
        select(InterventionSession.mode, func.sum(InterventionSession.minutes))
        .where(InterventionSession.technician_id == technician_id,
               InterventionSession.date >= start, InterventionSession.date <= end)
        .group_by(InterventionSession.mode)
    )
    totals = {str(mode): 0 for mode in Mode}
    for mode, minutes in db.session.execute(stmt):
        totals[str(mode)] = int(minutes)
    return totals


def minutes_by_intervention(intervention_ids: Iterable[int]) -> dict[int, int]:
    """Total session minutes (all modes) of each given intervention."""
    ids = sorted(set(intervention_ids))
    if not ids:
        return {}
    stmt = (
        select(InterventionSession.intervention_id, func.sum(InterventionSession.minutes))
        .where(InterventionSession.intervention_id.in_(ids))
        .group_by(InterventionSession.intervention_id)
    )
    return {i: int(minutes) for i, minutes in db.session.execute(stmt)}


def intervention_counts_by_state(groupement_id: int) -> dict[str, int]:
    """How many interventions of the groupement are in each state (every state listed)."""
    stmt = (
        select(Intervention.state, func.count(Intervention.id))
        .where(Intervention.groupement_id == groupement_id)
        .group_by(Intervention.state)
    )
    counts = {str(state): 0 for state in State}
    for state, count in db.session.execute(stmt):
        counts[str(state)] = int(count)
    return counts


# --- Detailed billing (one row per billable intervention) ---------------------

def billable_interventions(groupement_id: int, year: int,
                           establishment_id: int | None = None) -> list:
    """Every billable intervention of ``year`` (validated and pending), one row each.

    Columns: ``intervention_id, provider_id, beneficiary_id, state, description,
    technician_name, first_day, last_day, minutes, weighted_cents`` where the days
    are the first and last dates of the intervention's billable (on-site) sessions
    of the year and ``weighted_cents`` is Σ minutes × rate in cents (divide by
    6000 for euros). One grouped query over :func:`billable_sessions`, ordered by
    pair then intervention number. ``establishment_id`` keeps the pairs where
    that establishment is provider or beneficiary (a director's scope).
    """
    rows = (billable_sessions(Intervention.groupement_id == groupement_id)
            .add_columns(InterventionSession.date.label("day"))
            .subquery())
    per_intervention = (
        select(rows.c.intervention_id,
               func.min(rows.c.day).label("first_day"),
               func.max(rows.c.day).label("last_day"),
               func.sum(rows.c.minutes).label("minutes"),
               func.sum(rows.c.minutes * rows.c.rate_cents).label("weighted_cents"))
        .where(rows.c.year == year)
        .group_by(rows.c.intervention_id)
        .subquery()
    )
    stmt = (
        select(Intervention.id.label("intervention_id"), Intervention.provider_id,
               Intervention.beneficiary_id, Intervention.state, Intervention.description,
               User.name.label("technician_name"), per_intervention.c.first_day,
               per_intervention.c.last_day, per_intervention.c.minutes,
               per_intervention.c.weighted_cents)
        .join(per_intervention, per_intervention.c.intervention_id == Intervention.id)
        .outerjoin(User, User.id == Intervention.technician_id)
        .order_by(Intervention.provider_id, Intervention.beneficiary_id, Intervention.id)
    )
    if establishment_id is not None:
        stmt = stmt.where((Intervention.provider_id == establishment_id)
                          | (Intervention.beneficiary_id == establishment_id))
    return list(db.session.execute(stmt))
