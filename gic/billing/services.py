"""Year closing (R9) and the yearly billing summary shared by web and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select, update

from gic import timeutil
from gic.audit.services import record
from gic.billing import queries, statements
from gic.billing.models import YearClosure
from gic.convention import rules
from gic.convention.history import cap_for_year, is_ordered, terms_on
from gic.convention.ledger import billing_scope
from gic.convention.years import is_closed
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import ConventionModel, Establishment, Groupement, User
from gic.ordered import ledger
from gic.ordered.ledger import YearFigures
from gic.policy import authorize
from gic.secondments import queries as secondment_queries


def billing_years(groupement: Groupement) -> range:
    """The civil years the billing pages lead to: from the year the convention
    started (its first version) to the current one."""
    first = terms_on(groupement.id, date.min).start_date.year
    last = timeutil.local_today(groupement.timezone).year
    return range(first, max(first, last) + 1)


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
    """R9: the accountant freezes a year, once every intervention in it is settled;
    each settlement line gets its numbered statement (gic.billing.statements)."""
    authorize(actor, "billing.close")
    rules.check_year(year)
    groupement = db.session.get(Groupement, actor.groupement_id)
    if year >= timeutil.local_today(groupement.timezone).year:
        raise RuleRefused(gettext("L'année %(year)s n'est pas terminée : elle ne peut être "
                                  "clôturée qu'à partir du 1er janvier %(next)s.",
                                  year=year, next=year + 1), code="year_not_ended")
    # First write: the per-beneficiary lock that session changes take
    # (gic.interventions.services._lock), on every establishment. A session
    # being logged in ``year`` right now is either seen below or then refused.
    db.session.execute(
        update(Establishment).where(Establishment.groupement_id == actor.groupement_id)
        .values(lock_version=Establishment.lock_version + 1)
        .execution_options(synchronize_session=False))
    pending = unsettled_interventions(actor.groupement_id, year)
    if pending:
        numbers = ", ".join(gettext("n° %(number)s", number=i) for i in pending)
        raise RuleRefused(
            gettext("Clôture de %(year)s impossible : ces demandes ont des séances en %(year)s "
                    "mais ne sont ni validées ni annulées : %(numbers)s.",
                    year=year, numbers=numbers),
            code="interventions_pending", intervention_ids=pending)
    closure = db.session.scalars(select(YearClosure).where(
        YearClosure.groupement_id == actor.groupement_id, YearClosure.year == year)).first()
    if closure and closure.closed:
        raise RuleRefused(gettext("L'année %(year)s est déjà clôturée.", year=year),
                          code="year_closed")
    if closure is None:
        closure = YearClosure(groupement_id=actor.groupement_id, year=year,
                              closed_by_id=actor.id)
        db.session.add(closure)
    closure.closed, closure.closed_at, closure.closed_by_id = True, timeutil.utcnow(), actor.id
    db.session.flush()
    record(actor, "year.close", closure, after={"year": year, "closed": True})
    # In the same transaction: a closed year always has its numbered statements.
    statements.issue_for_year(actor, closure)
    db.session.commit()
    return closure


def reopen_year(actor: User, year: int, reason: str) -> YearClosure:
    """Only a coordinator reopens a closed year, with a reason kept in the audit log;
    the year's statements are cancelled by credit statements."""
    authorize(actor, "billing.reopen")
    rules.check_year(year)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidField(gettext("Indiquez le motif de la réouverture."), field="reason")
    closure = db.session.scalars(select(YearClosure).where(
        YearClosure.groupement_id == actor.groupement_id, YearClosure.year == year,
        YearClosure.closed.is_(True))).first()
    if closure is None:
        raise RuleRefused(gettext("L'année %(year)s n'est pas clôturée.", year=year),
                          code="wrong_state")
    closure.closed = False
    closure.reopened_at, closure.reopened_by_id = timeutil.utcnow(), actor.id
    closure.reopen_reason = reason
    record(actor, "year.reopen", closure, before={"year": year, "closed": True},
           after={"year": year, "closed": False}, reason=reason[:1000])
    # Its statements are cancelled by credit statements, never renumbered.
    statements.cancel_for_year(actor, closure.groupement_id, year)
    # Issue 16: an ordered-hours year's regularisation is withdrawn, done again later.
    from gic.ordered.services import withdraw_regularisation
    withdraw_regularisation(actor, closure.groupement_id, year)
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
    # R8, apart from the pairs and their settlements: one line per approved
    # secondment meeting the year, each its own settlement (gic.secondments.queries).
    secondments: list[dict] = field(default_factory=list)
    # Issue 16, item 7: the year's convention model; in the ordered-hours model no
    # pair is billed (no lines, settlements, cap): the figures are the participants'
    # hours ordered, consumed, called and regularised (gic.ordered.ledger).
    model: str = ConventionModel.PER_INTERVENTION.value
    ordered: YearFigures | None = None

    @property
    def total_minutes(self) -> int:
        """Billable validated minutes of every pair."""
        return sum(line["billable_minutes"] for line in self.lines)

    @property
    def total_amount(self) -> Decimal:
        """Sum of the pairs' amounts (each rounded once, R6)."""
        return sum((line["amount"] for line in self.lines), Decimal("0.00"))


def billing_summary(user: User, year: int) -> BillingSummary:
    """Billing of a year: all of it for an accountant, a director's own pairs only."""
    rules.check_year(year)
    return summary_for(user.groupement_id, year, billing_scope(user))


def summary_for(gid: int, year: int, scope: int | None = None) -> BillingSummary:
    """The year's billing of a groupement, or of the pairs of establishment ``scope``.

    No permission check: callers are :func:`billing_summary` (per user) and the
    bilan, computed by a scheduled job for the whole groupement.
    """
    groupement = db.session.get(Groupement, gid)
    summary = BillingSummary(year=year, closed=is_closed(gid, year))
    if is_ordered(gid, year):
        summary.model = ConventionModel.ORDERED_HOURS.value
        summary.ordered = ledger.year_figures(gid, year)
        if scope is not None:  # a director: his establishment's row
            summary.ordered.rows = [r for r in summary.ordered.rows
                                    if r.establishment_id == scope]
        summary.secondments = secondment_queries.billing_lines(gid, year,
                                                               establishment_id=scope)
        return summary
    # Pairs, pending and cap use from one pass over the year's sessions.
    billed = queries.year_billing(gid, year, establishment_id=scope)
    amounts: dict[tuple[int, int], Decimal] = {}
    for (provider, beneficiary), (minutes, weighted) in sorted(billed.pairs.items()):
        value = rules.weighted_amount(weighted)
        amounts[(provider, beneficiary)] = value
        summary.lines.append({"provider_id": provider, "beneficiary_id": beneficiary,
                              "billable_minutes": minutes, "amount": value})
    for intervention, provider, beneficiary, minutes in billed.pending:
        summary.pending.append({"intervention_id": intervention, "provider_id": provider,
                                "beneficiary_id": beneficiary, "billable_minutes": minutes})
    cap = cap_for_year(groupement.id, year)
    use = billed.cap_use
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
    summary.secondments = secondment_queries.billing_lines(gid, year, establishment_id=scope)
    return summary



# --- Detailed billing: per pair, each billable intervention ---------------------

# Read in the reader's language (str() them where a plain string is needed).
ROUNDING_NOTE = lazy_gettext(
    "Le montant de chaque paire est calculé sur l'ensemble de ses heures et arrondi une seule "
    "fois au centime (R6) : les montants par intervention, arrondis séparément, sont "
    "indicatifs et leur somme peut différer d'un centime du total de la paire.")
SECONDMENTS_NOTE = lazy_gettext(
    "Détachements temporaires (R8), hors convention : ni seuil de gratuité ni plafond. Au "
    "taux horaire convenu, toutes les minutes des interventions validées de l'année (sur "
    "site et à distance) × le taux, arrondi une fois par détachement et par année ; un "
    "forfait est facturé en entier l'année où la période se termine. Chaque ligne est un "
    "règlement à part : le bénéficiaire paie le prestataire.")


def secondments_note(year: int, count: int) -> str:
    """The note under the « Détachements » part (its rule, or that there is none)."""
    if count:
        return str(SECONDMENTS_NOTE)
    return gettext("Aucun détachement temporaire en %(year)s.", year=year)


@dataclass(slots=True)
class InterventionLine:
    """One billable intervention of the year: its billable on-site minutes of that
    year and the first and last dates of those sessions. ``amount`` is informative
    (rounded on its own); the billed amount is the pair's (R6)."""

    intervention_id: int
    provider_id: int
    beneficiary_id: int
    state: State
    description: str
    technician: str
    first_day: date
    last_day: date
    minutes: int
    amount: Decimal
    # The beneficiary's own reference for the request (its ticket number…), or "".
    reference: str = ""


@dataclass
class PairDetail:
    """A pair provider → beneficiary: its validated interventions and its total,
    the one of :func:`billing_summary` (rounded once for the pair)."""

    provider_id: int
    beneficiary_id: int
    minutes: int
    amount: Decimal
    interventions: list[InterventionLine] = field(default_factory=list)
    # All of the pair's interventions, when ``interventions`` holds only some
    # (a page: :func:`pair_details`).
    count: int = 0

    @property
    def more(self) -> int:
        """How many of the pair's interventions ``interventions`` leaves out."""
        return max(0, self.count - len(self.interventions))


@dataclass
class BillingDetail:
    """The yearly billing detailed per intervention, for the page and the exports."""

    year: int
    closed: bool
    closed_at: datetime | None
    groupement_name: str
    names: dict[int, str]
    summary: BillingSummary
    pairs: list[PairDetail] = field(default_factory=list)
    pending: list[InterventionLine] = field(default_factory=list)
    # The establishment whose pairs only are shown (a director's), None for all.
    scope: int | None = None

    @property
    def scope_name(self) -> str | None:
        """The name of :attr:`scope`'s establishment (file names, titles)."""
        return self.names.get(self.scope) if self.scope is not None else None

    @property
    def total_minutes(self) -> int:
        """Billable validated minutes of every pair (the summary's)."""
        return self.summary.total_minutes

    @property
    def total_amount(self) -> Decimal:
        """Sum of the pairs' amounts, each rounded once (the summary's)."""
        return self.summary.total_amount

    @property
    def secondments_note(self) -> str:
        """How the « Détachements » part is billed (or that there is none)."""
        return secondments_note(self.year, len(self.summary.secondments))


def billing_detail(user: User, year: int) -> BillingDetail:
    """The year's billing with each billable intervention, scoped like
    :func:`billing_summary` (accountant: everything; director: his pairs; others
    Forbidden). Validated interventions are grouped by pair under the pair total;
    pending ones (billable, not yet validated) are listed apart. A constant
    number of queries: the summary's, one grouped query for the interventions,
    the names and the closure."""
    summary = billing_summary(user, year)  # checks the year and the role
    gid = user.groupement_id
    scope = billing_scope(user)
    groupement = db.session.get(Groupement, gid)
    names = {eid: name for eid, name in db.session.execute(
        select(Establishment.id, Establishment.name).where(Establishment.groupement_id == gid))}
    closed_at = None
    if summary.closed:
        closed_at = db.session.scalar(select(YearClosure.closed_at).where(
            YearClosure.groupement_id == gid, YearClosure.year == year,
            YearClosure.closed.is_(True)))
    detail = BillingDetail(year=year, closed=summary.closed, closed_at=closed_at,
                           groupement_name=groupement.name, names=names, summary=summary,
                           scope=scope)
    if summary.ordered is not None:  # issue 16: no pair billed in the ordered-hours model
        return detail
    pairs: dict[tuple[int, int], PairDetail] = {}
    for line in summary.lines:
        pair = PairDetail(line["provider_id"], line["beneficiary_id"],
                          line["billable_minutes"], line["amount"])
        pairs[(pair.provider_id, pair.beneficiary_id)] = pair
        detail.pairs.append(pair)
    for row in queries.billable_interventions(gid, year, establishment_id=scope):
        line = _line(row)
        if row.state == State.VALIDATED:
            pair = pairs.get((line.provider_id, line.beneficiary_id))
            if pair is not None:  # always, unless a write slipped between the two queries
                pair.interventions.append(line)
                pair.count += 1
        else:
            detail.pending.append(line)
    return detail


def _line(row) -> InterventionLine:
    """A row of :func:`gic.billing.queries.billable_interventions` as a line."""
    return InterventionLine(
        intervention_id=row.intervention_id, provider_id=row.provider_id,
        beneficiary_id=row.beneficiary_id, state=row.state,
        description=row.description or "", technician=row.technician_name or "",
        first_day=row.first_day, last_day=row.last_day, minutes=int(row.minutes),
        amount=rules.cents_amount(row.weighted_cents), reference=row.beneficiary_reference or "")


# --- The billing page at scale: a page of pairs, a page of one pair -------------
# A year of a large groupement bills ~100,000 interventions (bench/): the page
# shows the pairs' totals, a few interventions per pair and the pending ones a
# page at a time; the exports keep every line (:func:`export_detail`).

def pair_details(user: User, year: int, pairs: list[tuple[int, int]], *,
                 per_pair: int, skip: int = 0) -> list[PairDetail]:
    """The validated billable interventions of ``pairs`` (provider, beneficiary) in
    ``year``, after the first ``skip`` of each pair at most ``per_pair``, with each
    pair's total (R6: rounded once) and count. Pairs outside the user's scope, or
    with nothing validated, are left out. One query."""
    rules.check_year(year)
    scope = billing_scope(user)
    if is_ordered(user.groupement_id, year):  # issue 16: no pair billed that year
        return []
    found: dict[tuple[int, int], PairDetail] = {}
    for row in queries.billable_interventions(
            user.groupement_id, year, establishment_id=scope, pairs=pairs,
            validated_only=True, per_pair=per_pair, skip=skip):
        key = (row.provider_id, row.beneficiary_id)
        if key not in found:
            found[key] = PairDetail(
                row.provider_id, row.beneficiary_id, int(row.pair_minutes),
                rules.cents_amount(row.pair_cents),
                count=int(row.pair_count))
        found[key].interventions.append(_line(row))
    return [found[pair] for pair in pairs if pair in found]


def pending_lines(user: User, year: int, intervention_ids: list[int]) -> list[InterventionLine]:
    """The billing lines (days, technician, minutes) of these pending interventions
    of the summary, in their order; those outside the user's scope left out."""
    rules.check_year(year)
    scope = billing_scope(user)
    rows = {row.intervention_id: _line(row) for row in queries.billable_interventions(
        user.groupement_id, year, establishment_id=scope, intervention_ids=intervention_ids)}
    return [rows[i] for i in intervention_ids if i in rows]


def export_detail(user: User, year: int) -> BillingDetail:
    """The detailed billing for the CSV and XLSX exports, scoped like the page: the
    whole groupement for an accountant, a director's own pairs (and their
    settlements, secondments) for a director; Forbidden for anyone else."""
    try:
        return billing_detail(user, year)
    except Forbidden:
        raise Forbidden(gettext("Les exports de la facturation sont réservés aux comptables "
                                "et aux directions (pour leurs paires).")) from None
