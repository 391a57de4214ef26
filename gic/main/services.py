"""The data of each role's dashboard, in a few grouped queries per page.

Every function here reads only (no commit) and issues a fixed number of SQL
queries whatever the amount of data: lists are loaded in one query with their
parties eager-loaded, and sums are grouped SQL from :mod:`gic.billing.queries`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import and_, or_
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.admin.services import establishments_of
from gic.billing import queries
from gic.billing.services import billing_summary
from gic.convention import rules_ordered, years
from gic.convention.history import cap_for_year, is_ordered
from gic.convention.ledger import cap_use
from gic.enums import N_
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.interventions.permissions import next_actions
from gic.interventions.services import visible_interventions, with_sessions
from gic.models import Establishment, Role, User
from gic.ordered import ledger
from gic.ordered.ledger import YearFigures

# What a button would do, for the « next step » column, in the order shown
# (cancelling and declining are possible but never « the next step »).
# Marked for the catalogue (N_), translated when the page is made.
ACTION_LABELS = {
    "activate": N_("activer la demande"),
    "accept": N_("accepter ou refuser"),
    "log_session": N_("saisir le temps passé"),
    "complete": N_("terminer avec un compte rendu"),
    "validate": N_("valider les heures"),
}
# Who the request waits for when the user has nothing to do on it.
WAITING_FOR = {
    State.DRAFT: N_("activation par la direction de l'établissement %(beneficiary)s"),
    State.ACTIVE: N_("réponse de la direction de l'établissement %(provider)s"),
    State.ACCEPTED: N_("intervention de %(technician)s"),
    State.COMPLETED: N_("validation des heures par la direction de l'établissement "
                        "%(beneficiary)s"),
}
CLOSED_STATES = (State.VALIDATED, State.CANCELLED, State.DECLINED)


def today_for(user: User) -> date:
    """Today in the user's groupement time zone (the dashboards' « this month / year »)."""
    return timeutil.local_today(user.groupement.timezone)


def next_step(user: User, i: Intervention) -> str:
    """What happens next to ``i``, from ``user``'s point of view, in his language.

    ``i`` must have its sessions and parties loaded (:func:`with_sessions`).
    """
    allowed = set(next_actions(user, i))
    actions = [gettext(label) for action, label in ACTION_LABELS.items() if action in allowed]
    if actions:
        return gettext("À vous : %(actions)s", actions=", ".join(actions))
    template = WAITING_FOR.get(i.state)
    if template is None:
        return "—"
    technician = i.technician.name if i.technician else "—"
    return gettext("En attente : %(what)s", what=gettext(
        template, beneficiary=i.beneficiary.name, provider=i.provider.name,
        technician=technician))


@dataclass
class TechnicianDashboard:
    """My open interventions and my hours of the month."""

    today: date
    interventions: list[Intervention]
    steps: dict[int, str]
    logged: dict[int, int]
    month_minutes: dict[str, int]

    @property
    def month_total(self) -> int:
        """All minutes of the month, on site and remote."""
        return sum(self.month_minutes.values())


def technician_dashboard(user: User) -> TechnicianDashboard:
    """Interventions assigned to the technician and still open, and his month's minutes."""
    today = today_for(user)
    stmt = with_sessions(visible_interventions(user).where(
        Intervention.technician_id == user.id, Intervention.state.not_in(CLOSED_STATES)))
    interventions = list(db.session.scalars(stmt))
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return TechnicianDashboard(
        today=today,
        interventions=interventions,
        steps={i.id: next_step(user, i) for i in interventions},
        logged=queries.minutes_by_intervention(i.id for i in interventions),
        month_minutes=queries.technician_minutes_by_mode(user.id, first, last),
    )


@dataclass
class DirectorDashboard:
    """What waits for a director, and his establishment's year."""

    year: int
    establishment: Establishment
    to_activate: list[Intervention] = field(default_factory=list)
    to_answer: list[Intervention] = field(default_factory=list)
    to_validate: list[Intervention] = field(default_factory=list)
    cap_used: int = 0
    cap: int = 0
    # Issue 16: in a year of the ordered-hours model, the establishment's hours
    # ordered and consumed instead of the cap (None otherwise).
    ordered: rules_ordered.Consumption | None = None
    given: int = 0
    received: int = 0

    @property
    def waiting_count(self) -> int:
        """How many requests wait for the director."""
        return len(self.to_activate) + len(self.to_answer) + len(self.to_validate)


def waiting_requests(user: User) -> list[Intervention]:
    """What waits for the director, newest first: drafts to activate and completed
    work to validate for his establishment, requests to answer as provider.

    The waiting states are stated on their own too, and the rows are sorted here:
    SQLite then reads the (groupement, state) index rather than every intervention
    of the groupement in id order (200 ms at a million sessions, bench/)."""
    eid = user.establishment_id
    stmt = visible_interventions(user).where(
        Intervention.state.in_((State.DRAFT, State.ACTIVE, State.COMPLETED)),
        or_(and_(Intervention.beneficiary_id == eid,
                 Intervention.state.in_((State.DRAFT, State.COMPLETED))),
            and_(Intervention.provider_id == eid, Intervention.state == State.ACTIVE)),
    ).order_by(None)
    waiting = db.session.scalars(stmt.options(selectinload(Intervention.beneficiary),
                                              selectinload(Intervention.provider)))
    return sorted(waiting, key=lambda i: i.id, reverse=True)


def director_dashboard(user: User) -> DirectorDashboard:
    """Requests waiting for the director, cap use and given/received of this year."""
    year = today_for(user).year
    eid = user.establishment_id
    board = DirectorDashboard(year=year, establishment=user.establishment)
    for i in waiting_requests(user):
        if i.state == State.DRAFT:
            board.to_activate.append(i)
        elif i.state == State.ACTIVE:
            board.to_answer.append(i)
        else:
            board.to_validate.append(i)
    if is_ordered(user.groupement_id, year):
        board.ordered = rules_ordered.consumption(
            ledger.ordered_minutes(user.groupement_id, year).get(eid, 0),
            ledger.consumed_minutes(user.groupement_id, year, beneficiary_id=eid).get(eid, 0))
    else:
        board.cap_used = cap_use(eid, [year]).get(year, 0)
        board.cap = cap_for_year(user.groupement_id, year)
    direction = queries.minutes_by_direction(eid, year)
    board.given, board.received = direction["given"], direction["received"]
    return board


@dataclass
class PairLine:
    """One provider → beneficiary line of the year's billing, with names."""

    provider: Establishment
    beneficiary: Establishment
    minutes: int
    amount: Decimal


@dataclass
class AccountantDashboard:
    """Billable totals of the year per pair (validated interventions only)."""

    year: int
    closed: bool
    lines: list[PairLine]
    pending_count: int
    pending_minutes: int
    total_minutes: int = 0     # of all pairs, ``lines`` showing only the largest
    total_amount: Decimal = Decimal("0.00")  # each pair rounded once (R6)
    pair_count: int = 0
    # Issue 16: a year of the ordered-hours model has no pair: its figures instead.
    ordered: YearFigures | None = None

    @property
    def more_pairs(self) -> int:
        """Pairs left out of ``lines`` (see the billing page)."""
        return self.pair_count - len(self.lines)


# The dashboard shows this many pairs, the largest amounts first when there
# are more (9,900 pairs at 100 establishments: the billing page pages them).
DASHBOARD_PAIRS = 20


def accountant_dashboard(user: User) -> AccountantDashboard:
    """The current year's billing summary of the groupement, with establishment names."""
    year = today_for(user).year
    summary = billing_summary(user, year)
    names = {e.id: e for e in establishments_of(user, candidates=True)}
    shown = summary.lines
    if len(shown) > DASHBOARD_PAIRS:
        shown = sorted(shown, key=lambda line: line["amount"], reverse=True)[:DASHBOARD_PAIRS]
    lines = [PairLine(names[line["provider_id"]], names[line["beneficiary_id"]],
                      line["billable_minutes"], line["amount"]) for line in shown]
    return AccountantDashboard(
        year=year, closed=summary.closed, lines=lines,
        pending_count=len(summary.pending),
        pending_minutes=sum(p["billable_minutes"] for p in summary.pending),
        total_minutes=summary.total_minutes, total_amount=summary.total_amount,
        pair_count=len(summary.lines), ordered=summary.ordered,
    )


@dataclass
class CoordinatorDashboard:
    """The groupement at a glance."""

    year: int
    counts: dict[str, int]
    establishments: list[Establishment]
    closed_years: list[int]

    @property
    def total(self) -> int:
        """All interventions of the groupement."""
        return sum(self.counts.values())


def coordinator_dashboard(user: User) -> CoordinatorDashboard:
    """Interventions per state, the establishments and the closed years."""
    return CoordinatorDashboard(
        year=today_for(user).year,
        counts=queries.intervention_counts_by_state(user.groupement_id),
        establishments=establishments_of(user),
        closed_years=sorted(years.closed_years(user.groupement_id), reverse=True),
    )


BUILDERS = {
    Role.TECHNICIAN: technician_dashboard,
    Role.DIRECTOR: director_dashboard,
    Role.ACCOUNTANT: accountant_dashboard,
    Role.COORDINATOR: coordinator_dashboard,
}


def dashboard(user: User):
    """The dashboard data of the user's role."""
    return BUILDERS[user.role](user)
