"""The queries as they were before the benchmark's fixes (commit ebe528e), kept here
only to time « before » and « after » in the same run (machines are noisy:
figures of two runs are not comparable, ratios within one run are).

- ``summary_before``: the yearly billing as ``summary_for`` computed it: three
  grouped queries (pairs, pending, cap use), each recomputing every
  intervention's on-site total over the groupement's WHOLE history;
- ``bilan_activity_before``: the bilan's two activity queries (per pair, axis,
  mode and month; interventions per pair and axis) and its two extra billing
  passes (cap use, pending), on top of the summary;
- ``cap_use_before`` / ``minutes_by_direction_before``: the session creation's
  cap check and the director's dashboard, joined from the sessions of the year.

And as they were before the second round (commit 75c10d1):

- ``year_billing_python_fold``: the one pass of ``year_billing``, one row per
  billable intervention folded in Python (now summed per pair in SQL);
- ``exact_count``: the exact COUNT(*) of a list's pagination (now counted up
  to ``gic.pages.COUNT_LIMIT``);
- ``director_waiting_before``: the director's waiting requests in id order (now
  through the (groupement, state) index, sorted in Python).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Integer, Select, and_, case, cast, extract, func, or_, select
from sqlalchemy.orm import selectinload

from gic.convention.rules import Mode
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State

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


def cap_use_before(beneficiary_id: int, years: Iterable[int], *,
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


def _cap_use_by_beneficiary(groupement_id: int, year: int) -> dict[int, int]:
    """Billable minutes of the year for every beneficiary of a groupement."""
    rows = billable_sessions(Intervention.groupement_id == groupement_id).subquery()
    stmt = (
        select(rows.c.beneficiary_id, func.sum(rows.c.minutes))
        .where(rows.c.year == year)
        .group_by(rows.c.beneficiary_id)
    )
    return {b: int(total) for b, total in db.session.execute(stmt)}


def _pair_totals(groupement_id: int, year: int, *, validated_only: bool = True,
                establishment_id: int | None = None) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """Per pair (provider, beneficiary): billable minutes and Σ minutes × rate.

    The amount is rounded by the caller with :func:`gic.convention.rules.round_cents`
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


def _pending_interventions(groupement_id: int, year: int,
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


def minutes_by_direction_before(establishment_id: int, year: int) -> dict[str, int]:
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


def _year_sessions(groupement_id: int, year: int) -> list:
    return [Intervention.groupement_id == groupement_id,
            InterventionSession.year == year,
            Intervention.state.in_(COUNTED_STATES)]


def minutes_by_pair_axis_mode_month(groupement_id: int, year: int) -> list[tuple]:
    """Session minutes of the year: (provider, beneficiary, axis, mode, month 1–12, minutes).

    One pass gives the per-pair, per-axis, per-mode and per-month totals alike.
    """
    month = extract("month", InterventionSession.date)
    stmt = (
        select(Intervention.provider_id, Intervention.beneficiary_id, Intervention.axis,
               InterventionSession.mode, month, func.sum(InterventionSession.minutes))
        .join(Intervention, Intervention.id == InterventionSession.intervention_id)
        .where(*_year_sessions(groupement_id, year))
        .group_by(Intervention.provider_id, Intervention.beneficiary_id, Intervention.axis,
                  InterventionSession.mode, month)
    )
    return [(p, b, axis, str(mode), int(m), int(total))
            for p, b, axis, mode, m, total in db.session.execute(stmt)]


def interventions_by_pair_axis(groupement_id: int,
                               year: int) -> list[tuple[int, int, int, int, int]]:
    """Interventions with work in the year: (provider, beneficiary, axis, count, not validated).

    An intervention has one pair and one axis, so these counts add up across rows.
    """
    pending = case((Intervention.state != State.VALIDATED, Intervention.id))
    stmt = (
        select(Intervention.provider_id, Intervention.beneficiary_id, Intervention.axis,
               func.count(func.distinct(Intervention.id)), func.count(func.distinct(pending)))
        .join(InterventionSession, InterventionSession.intervention_id == Intervention.id)
        .where(*_year_sessions(groupement_id, year))
        .group_by(Intervention.provider_id, Intervention.beneficiary_id, Intervention.axis)
    )
    return [(p, b, axis, int(n), int(k)) for p, b, axis, n, k in db.session.execute(stmt)]


def summary_before(gid: int, year: int) -> tuple:
    """The three billing passes of the former ``summary_for``."""
    return (_pair_totals(gid, year), _pending_interventions(gid, year),
            _cap_use_by_beneficiary(gid, year))


def bilan_activity_before(gid: int, year: int) -> tuple:
    """The former bilan's own passes (the summary's three come on top)."""
    return (minutes_by_pair_axis_mode_month(gid, year), interventions_by_pair_axis(gid, year),
            _cap_use_by_beneficiary(gid, year), _pending_interventions(gid, year))


def year_billing_python_fold(groupement_id: int, year: int) -> tuple:
    """The former ``year_billing``: every billable intervention of the year brought
    back and folded here (pairs, pending, cap use)."""
    from gic.convention.ledger import billable_by_intervention
    stmt = billable_by_intervention([year], Intervention.groupement_id == groupement_id)
    weighted: dict[tuple[int, int], list[int]] = {}
    pending, use = [], defaultdict(int)
    for intervention, provider, beneficiary, state, _, minutes, cents in db.session.execute(
            stmt.order_by(Intervention.id)):
        minutes = int(minutes)
        use[beneficiary] += minutes
        if state == State.VALIDATED:
            pair = weighted.setdefault((provider, beneficiary), [0, 0])
            pair[0] += minutes
            pair[1] += int(cents)
        else:
            pending.append((intervention, provider, beneficiary, minutes))
    return {pair: (m, Decimal(c) / 100) for pair, (m, c) in weighted.items()}, pending, use


def exact_count(stmt: Select) -> int:
    """The pagination's former total: COUNT(*) over every matching row."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def director_waiting_before(user) -> list:
    """The director's dashboard's waiting requests as they were read, in id order."""
    from gic.interventions.services import visible_interventions
    eid = user.establishment_id
    stmt = visible_interventions(user).where(or_(
        and_(Intervention.beneficiary_id == eid,
             Intervention.state.in_((State.DRAFT, State.COMPLETED))),
        and_(Intervention.provider_id == eid, Intervention.state == State.ACTIVE)))
    return list(db.session.scalars(stmt.options(selectinload(Intervention.beneficiary),
                                                selectinload(Intervention.provider))))
