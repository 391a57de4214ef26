"""The ordered-hours model's figures, read for every area (issue 16).

Item 4 (consumption, hours left, alerts), item 6 (vote weights) and item 7 (bilan,
billing page, exports, API) read these functions; they only read, never write.
Every figure is grouped SQL over one year, the same on SQLite and PostgreSQL
(money summed in whole cents, as :mod:`gic.billing.queries` does).

Which version governs a year: the one in force on 1 January (as for the cap:
:mod:`gic.convention.history`), so a year has one model and one rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from gic.convention import rules_ordered
from gic.convention.history import model_of_year, year_version
from gic.convention.ledger import COUNTED_STATES, sessions_first
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import (
    ConventionModel,
    ConventionVersion,
    Establishment,
    MembershipStatus,
    Participation,
)
from gic.ordered.models import (
    LINE_SIGNS,
    ContributionDocument,
    ContributionLine,
    HourOrder,
    LineKind,
    OrderedYear,
)

ZERO = Decimal("0.00")


# --- The model ---------------------------------------------------------------------------
# Which version and model govern a year: gic.convention.history.

def uses_ordered_hours(groupement_id: int) -> bool:
    """True when one of the groupement's versions (past, current or future) uses the
    ordered-hours model. One small query, the same on every page (the menu asks)."""
    return db.session.scalar(select(ConventionVersion.id).where(
        ConventionVersion.groupement_id == groupement_id,
        ConventionVersion.model == ConventionModel.ORDERED_HOURS).limit(1)) is not None


def ordered_year(groupement_id: int, year: int) -> OrderedYear | None:
    """The year's budget and expenses record, if any."""
    return db.session.scalars(select(OrderedYear).where(
        OrderedYear.groupement_id == groupement_id, OrderedYear.year == year)).first()


def year_rate(groupement_id: int, year: int) -> Decimal:
    """The year's hourly rate: the one the budget's vote froze, else the version's."""
    record = ordered_year(groupement_id, year)
    if record is not None and record.hourly_rate is not None:
        return Decimal(record.hourly_rate)
    return Decimal(year_version(groupement_id, year).hourly_rate)


# --- Orders and consumption ---------------------------------------------------------------

def ordered_minutes(groupement_id: int, year: int) -> dict[int, int]:
    """Minutes ordered for ``year`` per establishment (those with an order)."""
    rows = db.session.execute(select(HourOrder.establishment_id, HourOrder.minutes).where(
        HourOrder.groupement_id == groupement_id, HourOrder.year == year))
    return {e: int(m) for e, m in rows}


def consumed_minutes(groupement_id: int, year: int, *, beneficiary_id: int | None = None,
                     validated_only: bool = False) -> dict[int, int]:
    """Minutes of ``year`` counted against each beneficiary's order.

    Every session of the year, remote and on site alike, of an intervention that is
    accepted, completed or validated (``validated_only``: validated), not under a
    secondment (billed by it); an intervention counts once its total time (all
    years) reaches the threshold it snapshotted from its version (0 = always,
    :func:`gic.convention.rules_ordered.counted_minutes`). One grouped query.
    """
    sessions = InterventionSession
    every = aliased(InterventionSession)
    total = (select(func.sum(every.minutes)).where(every.intervention_id == Intervention.id)
             .scalar_subquery())
    minutes = func.sum(sessions.minutes)
    states = (State.VALIDATED,) if validated_only else COUNTED_STATES
    filters = [sessions.year == year, Intervention.groupement_id == groupement_id,
               Intervention.state.in_(states), Intervention.secondment_id.is_(None)]
    if beneficiary_id is not None:
        filters.append(Intervention.beneficiary_id == beneficiary_id)
    per_intervention = (
        select(Intervention.beneficiary_id.label("beneficiary_id"),
               minutes.label("minutes"))
        .select_from(sessions_first())
        .where(*filters)
        .group_by(Intervention.id, Intervention.beneficiary_id)
        .having(or_(minutes >= Intervention.threshold_minutes,
                    total >= Intervention.threshold_minutes))
    ).subquery()
    stmt = (select(per_intervention.c.beneficiary_id, func.sum(per_intervention.c.minutes))
            .group_by(per_intervention.c.beneficiary_id))
    return {b: int(m) for b, m in db.session.execute(stmt)}


# --- Money -----------------------------------------------------------------------------------

def _signed_cents():
    """Σ of a line's amount in cents, negative for what the groupement pays back."""
    sign = case(*[(ContributionLine.kind == kind.value, s) for kind, s in LINE_SIGNS.items()],
                else_=0)
    return func.sum(sign * cast(func.round(ContributionLine.amount * 100), Integer))


def document_totals(groupement_id: int, year: int) -> dict[int, dict[str, Decimal]]:
    """Per establishment: ``called`` (provisional lines) and ``regularised`` (the
    others, signed) of the documents in force of ``year``. One grouped query."""
    provisional = ContributionLine.kind == LineKind.PROVISIONAL.value
    stmt = (
        select(ContributionDocument.establishment_id, provisional.label("provisional"),
               _signed_cents())
        .join(ContributionLine, ContributionLine.document_id == ContributionDocument.id)
        .where(ContributionDocument.groupement_id == groupement_id,
               ContributionDocument.year == year,
               ContributionDocument.cancelled_at.is_(None))
        .group_by(ContributionDocument.establishment_id, provisional)
    )
    totals: dict[int, dict[str, Decimal]] = {}
    for establishment_id, is_provisional, cents in db.session.execute(stmt):
        entry = totals.setdefault(establishment_id, {"called": ZERO, "regularised": ZERO})
        entry["called" if is_provisional else "regularised"] += Decimal(int(cents or 0)) / 100
    return totals


def contributions(groupement_id: int, year: int) -> dict[int, Decimal]:
    """What each participant has contributed for ``year``: its documents in force
    (calls net of refunds and shares); before any document, hours ordered × the
    year's rate. The weights of the general assembly's votes read this (item 6)."""
    rate = year_rate(groupement_id, year)
    documents = document_totals(groupement_id, year)
    orders = ordered_minutes(groupement_id, year)
    result = {}
    for establishment_id in set(orders) | set(documents):
        if establishment_id in documents:
            entry = documents[establishment_id]
            result[establishment_id] = entry["called"] + entry["regularised"]
        else:
            result[establishment_id] = rules_ordered.ordered_amount(orders[establishment_id],
                                                                    rate)
    return result


# --- The year's figures ------------------------------------------------------------------------

@dataclass
class ParticipantFigures:
    """One participant's year (or the totals, with ``establishment_id`` None)."""

    establishment_id: int | None
    name: str
    participation: Participation | None
    ordered_minutes: int = 0
    consumed_minutes: int = 0
    ordered_amount: Decimal = ZERO  # ordered × rate
    consumed_amount: Decimal = ZERO  # consumed × rate
    called: Decimal = ZERO  # provisional calls in force
    regularised: Decimal = ZERO  # complements − refunds + deficit − surplus shares

    @property
    def contributed(self) -> Decimal:
        """Called plus regularised: the participant's contribution so far."""
        return self.called + self.regularised

    @property
    def balance(self) -> Decimal:
        """Consumed × rate minus called: > 0 a complement is to come, < 0 a refund
        (the position the year-end regularisation settles)."""
        return self.consumed_amount - self.called

    @property
    def left_minutes(self) -> int:
        """Hours ordered not consumed (never below 0)."""
        return max(0, self.ordered_minutes - self.consumed_minutes)

    @property
    def consumption(self) -> rules_ordered.Consumption:
        """Percent, alert level, overrun."""
        return rules_ordered.consumption(self.ordered_minutes, self.consumed_minutes)

    @property
    def is_member(self) -> bool:
        """True for a member (votes, shares the result)."""
        return self.participation == Participation.MEMBER


@dataclass
class YearFigures:
    """The ordered-hours year of a groupement, per participant and in total."""

    groupement_id: int
    year: int
    model: ConventionModel
    rate: Decimal
    budget: Decimal  # voted, else Σ ordered × rate
    voted: bool
    voted_on: date | None
    real_expenses: Decimal | None
    regularised: bool
    rows: list[ParticipantFigures] = field(default_factory=list)

    @property
    def totals(self) -> ParticipantFigures:
        """The rows summed."""
        total = ParticipantFigures(None, "Total", None)
        for row in self.rows:
            total.ordered_minutes += row.ordered_minutes
            total.consumed_minutes += row.consumed_minutes
            total.ordered_amount += row.ordered_amount
            total.consumed_amount += row.consumed_amount
            total.called += row.called
            total.regularised += row.regularised
        return total

    def row(self, establishment_id: int) -> ParticipantFigures | None:
        """The row of one establishment."""
        return next((r for r in self.rows if r.establishment_id == establishment_id), None)


def participants(groupement_id: int) -> list[Establishment]:
    """The groupement's establishments that take part (members and « utilisateurs »,
    not candidates), by name."""
    return list(db.session.scalars(select(Establishment).where(
        Establishment.groupement_id == groupement_id,
        Establishment.status == MembershipStatus.MEMBER).order_by(Establishment.name)))


def year_figures(groupement_id: int, year: int) -> YearFigures:
    """Per participant: participation, ordered and consumed minutes (and × rate),
    called, regularised, balance; the budget and the year's state. A few grouped
    queries, whatever the number of participants."""
    rate = year_rate(groupement_id, year)
    record = ordered_year(groupement_id, year)
    orders = ordered_minutes(groupement_id, year)
    consumed = consumed_minutes(groupement_id, year)
    documents = document_totals(groupement_id, year)
    rows = []
    for e in participants(groupement_id):
        entry = documents.get(e.id, {})
        rows.append(ParticipantFigures(
            establishment_id=e.id, name=e.name, participation=e.participation,
            ordered_minutes=orders.get(e.id, 0), consumed_minutes=consumed.get(e.id, 0),
            ordered_amount=rules_ordered.ordered_amount(orders.get(e.id, 0), rate),
            consumed_amount=rules_ordered.ordered_amount(consumed.get(e.id, 0), rate),
            called=entry.get("called", ZERO), regularised=entry.get("regularised", ZERO)))
    voted = record is not None and record.voted
    return YearFigures(
        groupement_id=groupement_id, year=year, model=model_of_year(groupement_id, year),
        rate=rate,
        budget=(Decimal(record.budget) if voted
                else rules_ordered.budget((r.ordered_minutes for r in rows), rate)),
        voted=voted, voted_on=record.voted_on if record else None,
        real_expenses=(Decimal(record.real_expenses)
                       if record is not None and record.real_expenses is not None else None),
        regularised=record is not None and record.regularised_at is not None, rows=rows)
