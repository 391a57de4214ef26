"""Grouped SQL over sessions: cap use, billable totals per pair and year.

A session is billable when it is on site, its intervention is not cancelled or
declined, and its intervention's total on-site minutes reach the threshold
snapshotted on the intervention (R1–R3). :func:`billable_by_intervention` is
the only place that rule is written in SQL; :func:`gic.convention.rules.billable_by_year`
is its pure twin, and the tests check that both agree. Every query reads the
sessions of the years asked for, not the whole history (the benchmark, bench/,
measures them at a million sessions).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join

from gic.convention.rules import Mode
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import User

COUNTED_STATES = (State.ACCEPTED, State.COMPLETED, State.VALIDATED)


class SessionsFirst(Join):
    """``sessions JOIN intervention``, read in that order on SQLite (a CROSS JOIN).

    SQLite keeps no statistics unless analysed, and then may start a groupement's
    yearly pass from the groupement's interventions (every one of them, all
    years) and look up the year's sessions of each: at a million sessions that is
    seconds instead of a fraction. Its CROSS JOIN fixes the order (the year's
    sessions by index, then each intervention by its primary key); other
    databases plan the plain JOIN from their statistics.
    """

    inherit_cache = True


@compiles(SessionsFirst, "sqlite")
def _sessions_first_sqlite(join, compiler, **kw):
    kw["asfrom"] = True
    return (f"{compiler.process(join.left, **kw)} CROSS JOIN "
            f"{compiler.process(join.right, **kw)} ON "
            f"{compiler.process(join.onclause, **kw)}")


def sessions_first(sessions=InterventionSession) -> SessionsFirst:
    """The sessions joined to their intervention, sessions read first (see above)."""
    table = inspect(sessions).selectable
    return SessionsFirst(table, Intervention.__table__,
                         Intervention.id == sessions.intervention_id)


def rate_cents(rate):
    """The hourly rate in whole cents, so that sums are exact integers on every
    database (SQLite has no decimal type: its sums would be floats)."""
    return cast(func.round(rate * 100), Integer)


@functools.cache
def _every_session() -> type[InterventionSession]:
    """Made once (on first use: the mappers are then complete); a new alias per call
    costs more to build than the query it serves."""
    return aliased(InterventionSession, name="every_session")


def billable_by_intervention(years: Iterable[int], *filters, ids: Select | None = None,
                             days: bool = False) -> Select:
    """Billable on-site minutes of each intervention in each of ``years`` (R1–R4).

    One row per intervention and year: ``intervention_id, provider_id,
    beneficiary_id, state, year, minutes, weighted_cents`` (Σ minutes × rate in
    cents; divide by 6000 for euros) and, with ``days``, ``first_day,
    last_day`` of those sessions. One grouped pass over the on-site sessions of
    ``years`` only, never over the whole history: an intervention is billable
    when its on-site minutes of *all* years reach its threshold (R3), which its
    minutes of ``years`` alone usually show (the HAVING's first term); for the
    others one correlated sum over the intervention's sessions decides.

    ``filters`` restrict the interventions (groupement, beneficiary…); ``ids``,
    a select of intervention ids, makes the pass start from those interventions
    (an establishment's: without it SQLite, which keeps no statistics unless
    analysed, would read every session of the year of the whole instance first).
    """
    years = sorted(set(years))
    sessions = InterventionSession
    every = _every_session()
    onsite_total = (select(func.sum(every.minutes))
                    .where(every.intervention_id == Intervention.id, every.mode == Mode.ONSITE)
                    .scalar_subquery())
    minutes = func.sum(sessions.minutes)
    columns = [Intervention.id.label("intervention_id"), Intervention.provider_id,
               Intervention.beneficiary_id, Intervention.state, sessions.year,
               minutes.label("minutes"),
               func.sum(sessions.minutes * rate_cents(sessions.hourly_rate)).label(
                   "weighted_cents")]
    if days:
        columns += [func.min(sessions.date).label("first_day"),
                    func.max(sessions.date).label("last_day")]
    stmt = (
        select(*columns)
        .select_from(sessions_first() if ids is None else sessions.__table__.join(
            Intervention.__table__, Intervention.id == sessions.intervention_id))
        .where(
            sessions.year == years[0] if len(years) == 1 else sessions.year.in_(years),
            sessions.mode == Mode.ONSITE,
            Intervention.state.in_(COUNTED_STATES),
            # R8: an intervention under a secondment is billed by it (gic/secondments)
            # and never counts toward the cap.
            Intervention.secondment_id.is_(None),
            *filters,
        )
        # Grouped by the intervention's primary key: its other columns are known.
        .group_by(Intervention.id, sessions.year)
        .having(or_(minutes >= Intervention.threshold_minutes,
                    onsite_total >= Intervention.threshold_minutes))
    )
    if ids is not None:
        stmt = stmt.where(sessions.intervention_id.in_(ids))
    return stmt


def _scope(establishment_id: int | None) -> list:
    """The pairs of an establishment (a director's scope), as intervention filters."""
    if establishment_id is None:
        return []
    return [or_(Intervention.provider_id == establishment_id,
                Intervention.beneficiary_id == establishment_id)]


def cap_use(beneficiary_id: int, years: Iterable[int], *,
            exclude_intervention_id: int | None = None) -> dict[int, int]:
    """Billable minutes (pending and validated) of a beneficiary per year (R5)."""
    years = sorted(set(years))
    if not years:
        return {}
    filters = [Intervention.beneficiary_id == beneficiary_id]
    if exclude_intervention_id is not None:
        filters.append(Intervention.id != exclude_intervention_id)
    rows = billable_by_intervention(years, *filters, ids=select(Intervention.id).where(
        Intervention.beneficiary_id == beneficiary_id)).subquery()
    stmt = select(rows.c.year, func.sum(rows.c.minutes)).group_by(rows.c.year)
    return {year: int(total) for year, total in db.session.execute(stmt)}


def cap_use_by_beneficiary(groupement_id: int, year: int) -> dict[int, int]:
    """Billable minutes of the year for every beneficiary of a groupement."""
    rows = billable_by_intervention([year], Intervention.groupement_id == groupement_id).subquery()
    stmt = select(rows.c.beneficiary_id, func.sum(rows.c.minutes)).group_by(rows.c.beneficiary_id)
    return {b: int(total) for b, total in db.session.execute(stmt)}


def pair_totals(groupement_id: int, year: int, *, validated_only: bool = True,
                establishment_id: int | None = None) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """Per pair (provider, beneficiary): billable minutes and Σ minutes × rate.

    The amount is rounded by the caller with :func:`gic.convention.rules.round_cents`
    after dividing by 60 (R6: once per pair and year).
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
    of the year and ``weighted_cents`` is Σ minutes × rate in cents (divide by
    6000 for euros). One grouped query (:func:`billable_by_intervention`), ordered
    by pair then intervention number. ``establishment_id`` keeps the pairs where
    that establishment is provider or beneficiary (a director's scope).

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
