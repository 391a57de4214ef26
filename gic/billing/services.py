"""Year closing (R9) and the yearly billing summary shared by web and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, update

from gic import rules
from gic.audit.services import record
from gic.billing import queries
from gic.billing.models import YearClosure
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import Establishment, Groupement, Role, User
from gic.timeutil import local_today, utcnow

MIN_YEAR, MAX_YEAR = 2000, 2100


def check_year(year: int) -> int:
    """A plausible civil year, else 422."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidField("Année invalide.", field="year")
    return year


def closed_years(groupement_id: int) -> set[int]:
    """Years whose billing is frozen."""
    return set(db.session.scalars(
        select(YearClosure.year).where(YearClosure.groupement_id == groupement_id,
                                       YearClosure.closed.is_(True))))


def is_closed(groupement_id: int, year: int) -> bool:
    """True when ``year`` is closed for the groupement."""
    return year in closed_years(groupement_id)


def unsettled_interventions(groupement_id: int, year: int) -> list[int]:
    """Interventions with sessions in ``year`` that are neither validated nor cancelled."""
    stmt = (
        select(Intervention.id).distinct()
        .join(InterventionSession, InterventionSession.intervention_id == Intervention.id)
        .where(Intervention.groupement_id == groupement_id,
               InterventionSession.year == year,
               Intervention.state.not_in((State.VALIDATED, State.CANCELLED)))
        .order_by(Intervention.id)
    )
    return list(db.session.scalars(stmt))


def close_year(actor: User, year: int) -> YearClosure:
    """R9: the accountant freezes a year, once every intervention in it is settled."""
    if actor.role != Role.ACCOUNTANT:
        raise Forbidden("Seul un comptable peut clôturer une année.")
    check_year(year)
    groupement = db.session.get(Groupement, actor.groupement_id)
    if year >= local_today(groupement.timezone).year:
        raise RuleRefused(f"L'année {year} n'est pas terminée : elle ne peut être clôturée "
                          f"qu'à partir du 1er janvier {year + 1}.", code="year_not_ended")
    # First write: the per-beneficiary lock that session changes take
    # (gic.interventions.services._lock), on every establishment. A session
    # being logged in ``year`` right now is either seen below or then refused.
    db.session.execute(
        update(Establishment).where(Establishment.groupement_id == actor.groupement_id)
        .values(lock_version=Establishment.lock_version + 1)
        .execution_options(synchronize_session=False))
    pending = unsettled_interventions(actor.groupement_id, year)
    if pending:
        numbers = ", ".join(f"n° {i}" for i in pending)
        raise RuleRefused(
            f"Clôture de {year} impossible : ces demandes ont des séances en {year} mais ne "
            f"sont ni validées ni annulées : {numbers}.",
            code="interventions_pending", intervention_ids=pending)
    closure = db.session.scalars(select(YearClosure).where(
        YearClosure.groupement_id == actor.groupement_id, YearClosure.year == year)).first()
    if closure and closure.closed:
        raise RuleRefused(f"L'année {year} est déjà clôturée.", code="year_closed")
    if closure is None:
        closure = YearClosure(groupement_id=actor.groupement_id, year=year,
                              closed_by_id=actor.id)
        db.session.add(closure)
    closure.closed, closure.closed_at, closure.closed_by_id = True, utcnow(), actor.id
    db.session.flush()
    record(actor, "year.close", closure, after={"year": year, "closed": True})
    db.session.commit()
    return closure


def reopen_year(actor: User, year: int, reason: str) -> YearClosure:
    """Only a coordinator reopens a closed year, with a reason kept in the audit log."""
    if actor.role != Role.COORDINATOR:
        raise Forbidden("Seul un coordinateur peut rouvrir une année clôturée.")
    check_year(year)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidField("Indiquez le motif de la réouverture.", field="reason")
    closure = db.session.scalars(select(YearClosure).where(
        YearClosure.groupement_id == actor.groupement_id, YearClosure.year == year,
        YearClosure.closed.is_(True))).first()
    if closure is None:
        raise RuleRefused(f"L'année {year} n'est pas clôturée.", code="wrong_state")
    closure.closed = False
    closure.reopened_at, closure.reopened_by_id, closure.reopen_reason = utcnow(), actor.id, reason
    record(actor, "year.reopen", closure, before={"year": year, "closed": True},
           after={"year": year, "closed": False}, reason=reason[:1000])
    db.session.commit()
    return closure


@dataclass
class BillingSummary:
    """The year's billing as SPEC §8 describes it (ids, minutes, Decimal amounts)."""

    year: int
    closed: bool
    lines: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)
    beneficiaries: list[dict] = field(default_factory=list)
    settlements: list[dict] = field(default_factory=list)


def billing_summary(user: User, year: int) -> BillingSummary:
    """Billing of a year: all of it for an accountant, a director's own pairs only."""
    check_year(year)
    if user.role == Role.ACCOUNTANT:
        scope = None
    elif user.role == Role.DIRECTOR and user.establishment_id:
        scope = user.establishment_id
    else:
        raise Forbidden("La facturation est réservée aux comptables et aux directions.")
    gid = user.groupement_id
    groupement = db.session.get(Groupement, gid)
    summary = BillingSummary(year=year, closed=is_closed(gid, year))
    amounts: dict[tuple[int, int], Decimal] = {}
    for (provider, beneficiary), (minutes, weighted) in sorted(
            queries.pair_totals(gid, year, establishment_id=scope).items()):
        value = rules.round_cents(weighted / 60)
        amounts[(provider, beneficiary)] = value
        summary.lines.append({"provider_id": provider, "beneficiary_id": beneficiary,
                              "billable_minutes": minutes, "amount": value})
    for intervention, provider, beneficiary, minutes in queries.pending_interventions(
            gid, year, establishment_id=scope):
        summary.pending.append({"intervention_id": intervention, "provider_id": provider,
                                "beneficiary_id": beneficiary, "billable_minutes": minutes})
    cap = groupement.cap_for_year(year)
    use = queries.cap_use_by_beneficiary(gid, year)
    establishments = db.session.scalars(
        select(Establishment.id).where(Establishment.groupement_id == gid)
        .order_by(Establishment.id))
    for eid in establishments:
        if scope is not None and eid != scope:
            continue
        used = use.get(eid, 0)
        summary.beneficiaries.append({"beneficiary_id": eid, "billable_minutes": used,
                                      "cap_minutes": cap,
                                      "remaining_minutes": max(0, cap - used)})
    for payer, payee, value in rules.settlements(amounts):
        summary.settlements.append({"from_id": payer, "to_id": payee, "amount": value})
    return summary

