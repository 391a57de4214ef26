"""The session ledger: which session time is billable, and how much of a
beneficiary's cap it uses (R1–R5, R8), in grouped SQL.

A session is billable when it is on site, its intervention is not cancelled or
declined, nor under a secondment (R8: billed by it), and its intervention's total
on-site minutes reach the threshold snapshotted on the intervention (R1–R3).
:func:`billable_by_intervention` is the only place that rule is written in SQL;
:func:`gic.convention.rules.billable_by_year` is its pure twin, and the tests check
that both agree. Every query reads the sessions of the years asked for, not the
whole history (the benchmark, bench/, measures them at a million sessions).

Billing (:mod:`gic.billing.queries`: pairs, pending, details), the cap (R5: the
interventions' refusals, :mod:`gic.convention.cap`), the bilan and the ordered-hours
model all read this ledger; amounts follow R6 (:func:`gic.convention.rules.cents_amount`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, Select, cast, func, inspect, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join

from gic.convention import rules
from gic.convention.history import is_ordered
from gic.convention.rules import Mode
from gic.errors import Forbidden
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import User
from gic.policy import authorize, can

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
    cents; in euros by R6: :func:`rules.cents_amount`) and, with ``days``, ``first_day,
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



# --- What an intervention bills, for those who read money -----------------------------

def billing_scope(user: User) -> int | None:
    """Whose billing ``user`` reads: None for an accountant (all of it), a director's
    establishment (its pairs); Forbidden for anyone else. Who reads what work costs,
    on the billing pages, under an intervention and in its e-mails."""
    authorize(user, "billing.read")
    return None if can(user, "billing.read_all") else user.establishment_id


@dataclass(frozen=True)
class BilledYear:
    """One civil year of a validated intervention as the billing counts it (R4):
    its billable minutes and its amount, the one of its line on the billing page
    (rounded on its own: the pair's total is rounded once, R6)."""

    year: int
    minutes: int
    amount: Decimal


def intervention_billing(user: User, i: Intervention) -> list[BilledYear] | None:
    """What a validated intervention bills, per year, for a reader of its billing
    (an accountant; a director of one of its two establishments); None for anyone
    else, before validation and under a secondment (billed by it, R8). The same
    grouped query as the billing page (:func:`billable_by_intervention`),
    no second formula; an empty list when the work stayed free (R1, R2)."""
    if i.state != State.VALIDATED or i.secondment_id is not None:
        return None
    try:
        scope = billing_scope(user)
    except Forbidden:
        return None
    if user.groupement_id != i.groupement_id or scope not in (None, i.provider_id,
                                                              i.beneficiary_id):
        return None
    years = sorted({s.year for s in i.sessions})
    # Issue 16: no pair is billed in a year of the ordered-hours model.
    billed_years = [y for y in years if not is_ordered(i.groupement_id, y)]
    if years and not billed_years:
        return None
    years = billed_years
    if not years:
        return []
    rows = db.session.execute(billable_by_intervention(
        years, Intervention.id == i.id, ids=select(Intervention.id).where(Intervention.id == i.id))
        .order_by(InterventionSession.year))
    return [BilledYear(row.year, int(row.minutes), rules.cents_amount(row.weighted_cents))
            for row in rows]
