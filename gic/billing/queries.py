"""Grouped SQL for the billing: totals per pair and year, pending interventions,
the detailed billing, dashboards.

Which session time is billable is the session ledger's
(:func:`gic.convention.ledger.billable_by_intervention`, the only place that rule
is written in SQL); these queries group its rows. Every query reads the sessions
of the years asked for, not the whole history (the benchmark, bench/, measures
them at a million sessions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, false, func, literal, or_, select, union_all

from gic.convention.ledger import billable_by_intervention
from gic.convention.rules import Mode
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import User


def _scope(establishment_id: int | None) -> list:
    """The pairs of an establishment (a director's scope), as intervention filters."""
    if establishment_id is None:
        return []
    return [or_(Intervention.provider_id == establishment_id,
                Intervention.beneficiary_id == establishment_id)]


def pair_totals(groupement_id: int, year: int, *, validated_only: bool = True,
                establishment_id: int | None = None) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """Per pair (provider, beneficiary): billable minutes and Σ minutes × rate.

    The caller turns it into the amount with :func:`gic.convention.rules.weighted_amount`
    (R6: once per pair and year).
    """
    filters = [Intervention.groupement_id == groupement_id, *_scope(establishment_id)]
    if validated_only:
        filters.append(Intervention.state == State.VALIDATED)
    rows = billable_by_intervention([year], *filters).subquery()
    stmt = (
        select(rows.c.provider_id, rows.c.beneficiary_id,
               func.sum(rows.c.minutes), func.sum(rows.c.weighted_cents))
        .group_by(rows.c.provider_id, rows.c.beneficiary_id)
    )
    result: dict[tuple[int, int], tuple[int, Decimal]] = {}
    for provider, beneficiary, minutes, weighted_cents in db.session.execute(stmt):
        result[(provider, beneficiary)] = (int(minutes), Decimal(int(weighted_cents)) / 100)
    return result


def pending_interventions(groupement_id: int, year: int,
                          establishment_id: int | None = None) -> list[tuple[int, int, int, int]]:
    """Billable but not yet validated: (intervention, provider, beneficiary, minutes)."""
    stmt = billable_by_intervention(
        [year], Intervention.groupement_id == groupement_id,
        Intervention.state != State.VALIDATED, *_scope(establishment_id),
    ).order_by(Intervention.id)
    return [(row.intervention_id, row.provider_id, row.beneficiary_id, int(row.minutes))
            for row in db.session.execute(stmt)]


@dataclass
class YearBilling:
    """The year's billable work of a groupement folded once (R4–R6), for the billing
    summary: per pair the validated minutes and Σ minutes × rate (euros, unrounded),
    the billable interventions not yet validated, and every beneficiary's cap use."""

    pairs: dict[tuple[int, int], tuple[int, Decimal]]
    pending: list[tuple[int, int, int, int]]
    cap_use: dict[int, int]


def year_billing(groupement_id: int, year: int,
                 establishment_id: int | None = None) -> YearBilling:
    """:func:`pair_totals`, :func:`pending_interventions` (both scoped to the pairs of
    ``establishment_id`` if given) and :func:`cap_use_by_beneficiary` (all
    beneficiaries) from ONE pass over the year's sessions: the billable
    interventions are computed once (a CTE, which both databases materialise when
    it is read twice), then summed per pair and state in SQL, the pending ones
    listed one by one. At 100,000 billable interventions in a year, folding them
    here in Python took as long as the pass itself (bench/)."""
    billable = billable_by_intervention(
        [year], Intervention.groupement_id == groupement_id).cte("billable")
    validated = billable.c.state == State.VALIDATED
    groups = (
        select(literal(0).label("kind"), billable.c.provider_id, billable.c.beneficiary_id,
               billable.c.state, literal(0).label("intervention_id"),
               func.sum(billable.c.minutes).label("minutes"),
               func.sum(billable.c.weighted_cents).label("cents"))
        .group_by(billable.c.provider_id, billable.c.beneficiary_id, billable.c.state))
    pending_rows = (
        select(literal(1).label("kind"), billable.c.provider_id, billable.c.beneficiary_id,
               billable.c.state, billable.c.intervention_id, billable.c.minutes,
               billable.c.weighted_cents)
        .where(~validated, *([] if establishment_id is None else [or_(
            billable.c.provider_id == establishment_id,
            billable.c.beneficiary_id == establishment_id)])))
    both = union_all(groups, pending_rows).subquery()
    weighted: dict[tuple[int, int], list[int]] = {}
    pending, use = [], defaultdict(int)
    for kind, provider, beneficiary, state, intervention, minutes, cents in db.session.execute(
            select(both).order_by(both.c.kind, both.c.intervention_id)):
        minutes = int(minutes)
        if kind == 1:
            pending.append((intervention, provider, beneficiary, minutes))
            continue
        use[beneficiary] += minutes
        if state != State.VALIDATED:
            continue
        if establishment_id is not None and establishment_id not in (provider, beneficiary):
            continue
        pair = weighted.setdefault((provider, beneficiary), [0, 0])
        pair[0] += minutes
        pair[1] += int(cents)
    pairs = {pair: (m, Decimal(c) / 100) for pair, (m, c) in weighted.items()}
    return YearBilling(pairs=pairs, pending=pending, cap_use=dict(use))


def minutes_by_direction(establishment_id: int, year: int) -> dict[str, int]:
    """All session minutes of the year the establishment gave and received.

    The sessions are reached from the establishment's interventions (the
    (intervention, year) index), not from all of the year's sessions of the
    instance. SQLite does so from an IN list of them, one query per direction.
    PostgreSQL, given that IN list, hashes every session of the year instead
    (45 ms a direction at a million sessions, bench/): there one query sums a
    correlated subquery per intervention, both directions at once (40 ms).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        minutes = (select(func.sum(InterventionSession.minutes))
                   .where(InterventionSession.intervention_id == Intervention.id,
                          InterventionSession.year == year)
                   .scalar_subquery())
        per_intervention = (
            select(Intervention.provider_id, Intervention.beneficiary_id,
                   minutes.label("minutes"))
            .where(or_(Intervention.provider_id == establishment_id,
                       Intervention.beneficiary_id == establishment_id))
            .subquery())
        rows = per_intervention.c
        given, received = db.session.execute(select(
            func.coalesce(func.sum(case((rows.provider_id == establishment_id, rows.minutes),
                                        else_=0)), 0),
            func.coalesce(func.sum(case((rows.beneficiary_id == establishment_id,
                                         rows.minutes), else_=0)), 0))).one()
        return {"given": int(given), "received": int(received)}
    totals: dict[str, int] = defaultdict(int)
    for column, key in ((Intervention.provider_id, "given"),
                        (Intervention.beneficiary_id, "received")):
        stmt = (
            select(func.coalesce(func.sum(InterventionSession.minutes), 0))
            .where(InterventionSession.intervention_id.in_(
                       select(Intervention.id).where(column == establishment_id)),
                   InterventionSession.year == year)
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
                           establishment_id: int | None = None, *,
                           pairs: Iterable[tuple[int, int]] | None = None,
                           intervention_ids: Iterable[int] | None = None,
                           validated_only: bool = False,
                           per_pair: int | None = None, skip: int = 0) -> list:
    """Every billable intervention of ``year`` (validated and pending), one row each.

    Columns: ``intervention_id, provider_id, beneficiary_id, state, description,
    beneficiary_reference, technician_name, first_day, last_day, minutes,
    weighted_cents`` where the days are the first and last dates of the
    intervention's billable (on-site) sessions
    of the year and ``weighted_cents`` is Σ minutes × rate in cents (in euros by
    R6: :func:`gic.convention.rules.cents_amount`). One grouped query
    (:func:`billable_by_intervention`), ordered by pair then intervention number.
    ``establishment_id`` keeps the pairs where that establishment is provider or
    beneficiary (a director's scope).

    For a page rather than an export: ``pairs`` (provider, beneficiary) or
    ``intervention_ids`` restrict the interventions (the pass then starts from
    them, not from the year's sessions of the groupement); ``per_pair`` keeps,
    after the first ``skip`` of each pair, at most that many rows per pair and
    adds ``pair_count``, ``pair_minutes`` and ``pair_cents``: the pair's number of
    rows, minutes and Σ minutes × rate in cents before that cut.
    """
    filters = [Intervention.groupement_id == groupement_id, *_scope(establishment_id)]
    if validated_only:
        filters.append(Intervention.state == State.VALIDATED)
    # The groupement is checked by ``filters``; ``ids`` only chooses where the pass
    # starts (with the groupement in it too, SQLite reads all its interventions).
    ids = None
    if pairs is not None:
        by_provider: dict[int, set[int]] = defaultdict(set)
        for provider, beneficiary in pairs:
            by_provider[provider].add(beneficiary)
        wanted = [and_(Intervention.provider_id == provider,
                       Intervention.beneficiary_id.in_(sorted(beneficiaries)))
                  for provider, beneficiaries in sorted(by_provider.items())]
        ids = select(Intervention.id).where(or_(*wanted) if wanted else false())
    if intervention_ids is not None:
        ids = select(Intervention.id).where(Intervention.id.in_(sorted(set(intervention_ids))))
    per_intervention = billable_by_intervention([year], *filters, ids=ids, days=True).subquery()
    columns = [Intervention.id.label("intervention_id"), Intervention.provider_id,
               Intervention.beneficiary_id, Intervention.state, Intervention.description,
               Intervention.beneficiary_reference,
               User.name.label("technician_name"), per_intervention.c.first_day,
               per_intervention.c.last_day, per_intervention.c.minutes,
               per_intervention.c.weighted_cents]
    if per_pair is not None:
        pair = (Intervention.provider_id, Intervention.beneficiary_id)
        columns += [func.count().over(partition_by=pair).label("pair_count"),
                    func.sum(per_intervention.c.minutes).over(partition_by=pair)
                    .label("pair_minutes"),
                    func.sum(per_intervention.c.weighted_cents).over(partition_by=pair)
                    .label("pair_cents"),
                    func.row_number().over(partition_by=pair, order_by=Intervention.id)
                    .label("pair_rank")]
    stmt = (
        select(*columns)
        .join(per_intervention, per_intervention.c.intervention_id == Intervention.id)
        .outerjoin(User, User.id == Intervention.technician_id)
    )
    if per_pair is None:
        stmt = stmt.order_by(Intervention.provider_id, Intervention.beneficiary_id,
                             Intervention.id)
    else:
        ranked = stmt.subquery()
        stmt = (select(ranked)
                .where(ranked.c.pair_rank > skip, ranked.c.pair_rank <= skip + per_pair)
                .order_by(ranked.c.provider_id, ranked.c.beneficiary_id,
                          ranked.c.intervention_id))
    return list(db.session.execute(stmt))
