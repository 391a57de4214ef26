"""The ordered-hours year, one function per step (issue 16, items 2, 3 and 5).

1. :func:`save_orders`: before the vote, the coordinator enters each participant's
   hours ordered for the year;
2. :func:`record_vote`: the coordinator records the budget's vote; the rate and the
   budget (Σ hours ordered × rate) are frozen, the orders no longer change;
3. :func:`issue_calls`: the provisional call of the first semester, one numbered
   document per participant and instalment (the series of the settlement
   statements, :func:`gic.billing.statements.next_sequence`), each with its PDF;
4. :func:`save_expenses`: once the year is over, the groupement's real expenses;
5. :func:`regularise`: once the accountant closed the year (every intervention
   validated or cancelled), a regularisation statement per participant: consumed ×
   rate against what was called (a complement or a refund) and, for members, the
   share of the surplus or deficit « à l'euro l'euro »
   (:func:`gic.convention.rules_ordered.regularise`).
   Reopening the year withdraws them (:func:`withdraw_regularisation`).

Only the coordinator writes. Who reads (:func:`reading_scope`): the coordinator
and the accountant, every participant; a director, his establishment; anyone
else 403. Another groupement's object is 404. Every write is audited.
"""

from __future__ import annotations

import hashlib
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import select

from gic import timeutil
from gic.audit.services import record
from gic.billing import documents as billing_documents
from gic.billing.statements import next_sequence
from gic.convention import rules, rules_ordered, years
from gic.convention.history import is_ordered, year_version
from gic.convention.rules import check_year, round_cents
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.models import Establishment, Groupement, Participation, User
from gic.ordered import documents, ledger
from gic.ordered.models import (
    LINE_SIGNS,
    ContributionDocument,
    ContributionLine,
    DocumentKind,
    HourOrder,
    LineKind,
    OrderedYear,
)
from gic.policy import authorize, can

MAX_ORDER_MINUTES = 2000 * 60
MAX_EXPENSES = Decimal("100000000")
REFERENCE_MAX = 500


# --- Who ----------------------------------------------------------------------------------

def reading_scope(user: User) -> int | None:
    """Whose figures ``user`` reads: None (every participant) for the coordinator and
    the accountant, a director's establishment; Forbidden for anyone else."""
    authorize(user, "ordered.read")
    return None if can(user, "ordered.read_all") else user.establishment_id


def _coordinator(actor: User) -> None:
    authorize(actor, "ordered.manage")


def _ordered_year(actor: User, year: int) -> OrderedYear:
    """The year's record (created on first write), after checking the year is an
    ordered-hours one."""
    check_year(year)
    if not is_ordered(actor.groupement_id, year):
        raise RuleRefused(gettext("En %(year)s, la convention du groupement ne suit pas le "
                                  "modèle des heures commandées (version en vigueur au 1er "
                                  "janvier).", year=year), code="wrong_model")
    # Locked until the transaction ends: two writes of the same year (a call and a
    # vote, two calls) follow each other.
    row = db.session.scalars(select(OrderedYear).where(
        OrderedYear.groupement_id == actor.groupement_id, OrderedYear.year == year)
        .with_for_update()).first()
    if row is None:
        row = OrderedYear(groupement_id=actor.groupement_id, year=year)
        db.session.add(row)
        db.session.flush()
    return row


def _today(actor: User) -> date:
    return timeutil.local_today(actor.groupement.timezone)


# --- 1. Orders ------------------------------------------------------------------------------

def save_orders(actor: User, year: int, minutes_by_establishment: dict[int, int | None]) -> int:
    """Save the hours ordered for ``year`` (minutes per establishment; None leaves one
    as it is). Before the budget's vote only. Returns how many orders changed."""
    _coordinator(actor)
    year_row = _ordered_year(actor, year)
    if year_row.voted:
        raise RuleRefused(gettext("Le budget %(year)s est voté : les heures commandées ne "
                                  "changent plus.", year=year), code="budget_voted")
    participants = {e.id: e for e in ledger.participants(actor.groupement_id)}
    for establishment_id, minutes in minutes_by_establishment.items():
        if establishment_id not in participants:
            raise NotFound(gettext("Établissement introuvable."))
        if minutes is not None and not 0 <= minutes <= MAX_ORDER_MINUTES:
            raise InvalidField(gettext("Les heures commandées vont de 0 à 2 000 h par "
                                       "établissement."), field=f"order_{establishment_id}")
    existing = {o.establishment_id: o for o in db.session.scalars(select(HourOrder).where(
        HourOrder.groupement_id == actor.groupement_id, HourOrder.year == year))}
    changed = 0
    for establishment_id, minutes in minutes_by_establishment.items():
        if minutes is None:
            continue
        order = existing.get(establishment_id)
        before = order.minutes if order else None
        if before == minutes:
            continue
        if order is None:
            order = HourOrder(groupement_id=actor.groupement_id,
                              establishment_id=establishment_id, year=year, minutes=minutes)
            db.session.add(order)
        order.minutes, order.updated_by_id = minutes, actor.id
        db.session.flush()
        record(actor, "ordered.order", order, before={"year": year, "minutes": before},
               after={"year": year, "minutes": minutes}, establishment_id=establishment_id)
        changed += 1
    db.session.commit()
    return changed


def set_participation(actor: User, establishment_id: int, participation: str) -> Establishment:
    """A participant is a member (votes, shares the result) or a « utilisateur »."""
    _coordinator(actor)
    e = db.session.scalars(select(Establishment).where(
        Establishment.id == establishment_id,
        Establishment.groupement_id == actor.groupement_id)).first()
    if e is None:
        raise NotFound(gettext("Établissement introuvable."))
    try:
        value = Participation(participation)
    except ValueError:
        raise InvalidField(gettext("Choisissez membre ou utilisateur."),
                           field="participation") from None
    if value != e.participation:
        before = str(e.participation)
        e.participation = value
        record(actor, "ordered.participation", e, before={"participation": before},
               after={"participation": str(value)}, establishment_id=e.id)
    db.session.commit()
    return e


# --- 2. The budget's vote ---------------------------------------------------------------------

def record_vote(actor: User, year: int, voted_on: date | None, reference: str) -> OrderedYear:
    """Record that the general assembly voted the budget of ``year`` on ``voted_on``:
    the rate and the budget are frozen (Σ hours ordered × rate, each rounded)."""
    _coordinator(actor)
    year_row = _ordered_year(actor, year)
    if year_row.voted:
        raise RuleRefused(gettext("Le vote du budget %(year)s est déjà enregistré.", year=year),
                          code="budget_voted")
    if voted_on is None:
        raise InvalidField(gettext("Indiquez la date du vote."), field="voted_on")
    if voted_on > _today(actor):
        raise InvalidField(gettext("Le vote ne peut pas être daté dans le futur."),
                           field="voted_on")
    reference = (reference or "").strip()
    if len(reference) > REFERENCE_MAX:
        raise InvalidField(gettext("Référence trop longue (500 caractères au plus)."),
                           field="reference")
    orders = ledger.ordered_minutes(actor.groupement_id, year)
    if not any(orders.values()):
        raise RuleRefused(gettext("Aucune heure commandée pour %(year)s : saisissez les "
                                  "commandes avant le vote du budget.", year=year),
                          code="no_order")
    rate = ledger.year_rate(actor.groupement_id, year)
    year_row.hourly_rate, year_row.ordered_minutes = rate, sum(orders.values())
    year_row.budget = rules_ordered.budget(orders.values(), rate)
    year_row.voted_on, year_row.vote_reference = voted_on, reference or None
    year_row.voted_by_id, year_row.voted_at = actor.id, timeutil.utcnow()
    record(actor, "ordered.vote", year_row,
           after={"year": year, "voted_on": voted_on.isoformat(), "rate": str(rate),
                  "budget": str(year_row.budget), "ordered_minutes": year_row.ordered_minutes})
    db.session.commit()
    return year_row


def cancel_vote(actor: User, year: int) -> OrderedYear:
    """Withdraw a vote recorded by mistake, as long as no call was issued: the orders
    may be changed again, then the vote recorded anew."""
    _coordinator(actor)
    year_row = _ordered_year(actor, year)
    if not year_row.voted:
        raise RuleRefused(gettext("Le budget %(year)s n'a pas été voté.", year=year),
                          code="budget_not_voted")
    if calls_issued(actor.groupement_id, year):
        raise RuleRefused(gettext("Les appels provisionnels %(year)s sont émis : le vote ne se "
                                  "retire plus.", year=year), code="calls_issued")
    before = {"year": year, "voted_on": year_row.voted_on.isoformat(),
              "budget": str(year_row.budget)}
    year_row.hourly_rate = year_row.ordered_minutes = year_row.budget = None
    year_row.voted_on = year_row.vote_reference = None
    year_row.voted_by_id = year_row.voted_at = None
    record(actor, "ordered.vote_cancel", year_row, before=before, after={"year": year})
    db.session.commit()
    return year_row


# --- 3. Provisional calls ----------------------------------------------------------------------

def default_due_dates(year: int, count: int) -> list[date]:
    """Instalments spread over the first semester: the i-th of n falls on the last
    day of month ⌈6 i / n⌉ (one: 30 June; two: 31 March and 30 June…)."""
    days = []
    for i in range(1, count + 1):
        month = -(-6 * i // count)
        days.append(date(year, month, monthrange(year, month)[1]))
    return days


def calls_issued(groupement_id: int, year: int) -> bool:
    """True once the year's provisional calls are issued."""
    return db.session.scalar(select(ContributionDocument.id).where(
        ContributionDocument.groupement_id == groupement_id,
        ContributionDocument.year == year, ContributionDocument.kind == DocumentKind.CALL,
        ContributionDocument.cancelled_at.is_(None)).limit(1)) is not None


def issue_calls(actor: User, year: int,
                instalments: int | None = None) -> list[ContributionDocument]:
    """The provisional call of ``year``: for each participant with hours ordered, its
    order × the voted rate, in ``instalments`` (the version's by default), each a
    numbered document with its PDF, dated today, due in the first semester (or 30
    days from today when that is past)."""
    _coordinator(actor)
    year_row = _ordered_year(actor, year)
    if not year_row.voted:
        raise RuleRefused(gettext("Enregistrez d'abord le vote du budget %(year)s.", year=year),
                          code="budget_not_voted")
    if calls_issued(actor.groupement_id, year):
        raise RuleRefused(gettext("Les appels provisionnels %(year)s sont déjà émis.",
                                  year=year), code="calls_issued")
    years.check_open(actor.groupement_id, [year], message=rules.YEAR_CLOSED_CALLS)
    count = instalments or year_version(actor.groupement_id, year).instalments
    rate = Decimal(year_row.hourly_rate)
    today = _today(actor)
    dues = [max(d, today + timedelta(days=30))
            for d in default_due_dates(year, _check_instalments(count))]
    groupement = db.session.get(Groupement, actor.groupement_id)
    orders = ledger.ordered_minutes(actor.groupement_id, year)
    issued_at = timeutil.utcnow().replace(microsecond=0)
    issued = []
    for e in ledger.participants(actor.groupement_id):
        minutes = orders.get(e.id, 0)
        if not minutes:
            continue
        total = rules_ordered.ordered_amount(minutes, rate)
        parts = rules_ordered.instalments(total, count)
        for n, (part, due_on) in enumerate(zip(parts, dues, strict=True), start=1):
            doc = _new_document(
                actor, groupement, e, year, DocumentKind.CALL, issued_at=issued_at,
                issued_on=today, lines=[(LineKind.PROVISIONAL, part)], instalment=n,
                instalments=count, due_on=due_on,
                data=documents.call_data(groupement=groupement, establishment=e, year=year,
                                         minutes=minutes, rate=rate, total=total,
                                         amount=part, instalment=n, instalments=count,
                                         due_on=due_on, year_row=year_row))
            issued.append(doc)
    if not issued:
        raise RuleRefused(gettext("Aucune heure commandée pour %(year)s : aucun appel à "
                                  "émettre.", year=year), code="no_order")
    db.session.commit()
    return issued


def _check_instalments(count: int) -> int:
    if not 1 <= count <= rules_ordered.MAX_INSTALMENTS:
        raise InvalidField(gettext("Le nombre d'échéances va de 1 à %(max)s.",
                                   max=rules_ordered.MAX_INSTALMENTS), field="instalments")
    return count


def _new_document(actor: User, groupement: Groupement, e: Establishment, year: int,
                  kind: DocumentKind, *, issued_at, issued_on: date,
                  lines: list[tuple[LineKind, Decimal]], data: dict, instalment=None,
                  instalments=None, due_on=None) -> ContributionDocument:
    """Number, render and store one document, audited."""
    sequence = next_sequence(groupement.id, year)
    number = billing_documents.document_number(groupement, year, sequence)
    net = sum((LINE_SIGNS[k] * Decimal(a) for k, a in lines), Decimal("0.00"))
    doc = ContributionDocument(
        groupement_id=groupement.id, establishment_id=e.id, year=year, sequence=sequence,
        number=number, kind=kind, amount=net, instalment=instalment, instalments=instalments,
        due_on=due_on, issued_on=issued_on, issued_at=issued_at, issued_by_id=actor.id,
        data=data)
    doc.lines = [ContributionLine(kind=k, amount=abs(a)) for k, a in lines]
    pdf = documents.render(doc)
    doc.pdf, doc.pdf_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    db.session.add(doc)
    db.session.flush()
    record(actor, "ordered.call" if kind == DocumentKind.CALL else "ordered.regularise", doc,
           after={"number": number, "year": year, "amount": str(net),
                  "pdf_sha256": doc.pdf_sha256}, establishment_id=e.id)
    return doc


# --- 4 and 5. The year's end ---------------------------------------------------------------------

def save_expenses(actor: User, year: int, amount: Decimal | None, note: str = "") -> OrderedYear:
    """The groupement's real expenses of ``year``, once the year is over and until it
    is regularised."""
    _coordinator(actor)
    year_row = _ordered_year(actor, year)
    if year >= _today(actor).year:
        raise RuleRefused(gettext("L'année %(year)s n'est pas terminée : ses dépenses réelles "
                                  "se saisissent à partir du 1er janvier %(next)s.",
                                  year=year, next=year + 1), code="year_not_ended")
    if year_row.regularised_at is not None:
        raise RuleRefused(gettext("L'année %(year)s est régularisée : ses dépenses ne changent "
                                  "plus.", year=year), code="regularised")
    if amount is None:
        raise InvalidField(gettext("Indiquez le montant des dépenses réelles."),
                           field="real_expenses")
    if not Decimal(0) <= amount <= MAX_EXPENSES or amount != round_cents(amount):
        raise InvalidField(gettext("Le montant va de 0 à 100 000 000 €, au centime."),
                           field="real_expenses")
    before = str(year_row.real_expenses) if year_row.real_expenses is not None else None
    year_row.real_expenses = round_cents(amount)
    year_row.expenses_note = (note or "").strip()[:REFERENCE_MAX] or None
    record(actor, "ordered.expenses", year_row, before={"year": year, "real_expenses": before},
           after={"year": year, "real_expenses": str(year_row.real_expenses)})
    db.session.commit()
    return year_row


def regularisation_preview(groupement_id: int, year: int) -> rules_ordered.Regularisation | None:
    """What the regularisation gives with the figures of now (None before the vote):
    the participants' validated consumption, their calls, the real expenses if
    entered (else no result to share)."""
    year_row = ledger.ordered_year(groupement_id, year)
    if year_row is None or not year_row.voted:
        return None
    figures = ledger.year_figures(groupement_id, year)
    consumed = ledger.consumed_minutes(groupement_id, year, validated_only=True)
    people = [rules_ordered.Participant(
        key=row.establishment_id, member=row.participation == Participation.MEMBER,
        ordered_minutes=row.ordered_minutes,
        consumed_minutes=consumed.get(row.establishment_id, 0), called=row.called)
        for row in figures.rows]
    return rules_ordered.regularise(people, Decimal(year_row.hourly_rate),
                                    None if year_row.real_expenses is None
                                    else Decimal(year_row.real_expenses))


def regularise(actor: User, year: int) -> list[ContributionDocument]:
    """Issue the year's regularisation: one numbered statement per participant that
    ordered, was called or consumed, with its complement or refund and, for a
    member, its share of the surplus or deficit; the year is marked regularised."""
    _coordinator(actor)
    year_row = _ordered_year(actor, year)
    if year_row.regularised_at is not None:
        raise RuleRefused(gettext("L'année %(year)s est déjà régularisée.", year=year),
                          code="regularised")
    if not year_row.voted:
        raise RuleRefused(gettext("Le budget %(year)s n'a pas été voté.", year=year),
                          code="budget_not_voted")
    if not years.is_closed(actor.groupement_id, year):
        raise RuleRefused(gettext("La régularisation suit la clôture : l'année %(year)s doit "
                                  "d'abord être clôturée par la comptabilité (toutes ses "
                                  "interventions validées ou annulées).", year=year),
                          code="year_not_closed")
    if year_row.real_expenses is None:
        raise RuleRefused(gettext("Saisissez d'abord les dépenses réelles %(year)s du "
                                  "groupement.", year=year), code="expenses_missing")
    reg = regularisation_preview(actor.groupement_id, year)
    groupement = db.session.get(Groupement, actor.groupement_id)
    establishments = {e.id: e for e in ledger.participants(actor.groupement_id)}
    issued_at, today = timeutil.utcnow().replace(microsecond=0), _today(actor)
    summary = documents.summary_data(reg, year_row)
    issued = []
    for line in reg.lines:
        if not (line.ordered_minutes or line.consumed_minutes or line.called):
            continue
        lines = []
        if line.adjustment:
            lines.append((LineKind.COMPLEMENT if line.adjustment > 0 else LineKind.REFUND,
                          abs(line.adjustment)))
        if line.share:
            lines.append((LineKind.DEFICIT_SHARE if line.share > 0 else LineKind.SURPLUS_SHARE,
                          abs(line.share)))
        e = establishments[line.key]
        issued.append(_new_document(
            actor, groupement, e, year, DocumentKind.REGULARISATION, issued_at=issued_at,
            issued_on=today, lines=lines,
            data=documents.regularisation_data(groupement=groupement, establishment=e,
                                               year=year, line=line, reg=reg, summary=summary)))
    year_row.regularised_at = issued_at
    db.session.commit()
    return issued


def withdraw_regularisation(actor: User, groupement_id: int, year: int) -> int:
    """The year is reopened: its regularisation statements are withdrawn (they keep
    their numbers, marked cancelled) and the year may be regularised again after its
    next close. Called in the reopening's transaction; returns how many."""
    year_row = ledger.ordered_year(groupement_id, year)
    if year_row is None or year_row.regularised_at is None:
        return 0
    now = timeutil.utcnow()
    docs = list(db.session.scalars(select(ContributionDocument).where(
        ContributionDocument.groupement_id == groupement_id, ContributionDocument.year == year,
        ContributionDocument.kind == DocumentKind.REGULARISATION,
        ContributionDocument.cancelled_at.is_(None))))
    for doc in docs:
        doc.cancelled_at = now
        record(actor, "ordered.withdraw", doc, before={"number": doc.number, "cancelled": False},
               after={"number": doc.number, "cancelled": True},
               establishment_id=doc.establishment_id)
    year_row.regularised_at = None
    return len(docs)


# --- Reading ---------------------------------------------------------------------------------

def year_documents(user: User, year: int) -> list[ContributionDocument]:
    """The contribution documents of ``year`` ``user`` reads, in number order."""
    scope = reading_scope(user)
    stmt = select(ContributionDocument).where(
        ContributionDocument.groupement_id == user.groupement_id,
        ContributionDocument.year == year).order_by(ContributionDocument.sequence)
    if scope is not None:
        stmt = stmt.where(ContributionDocument.establishment_id == scope)
    return list(db.session.scalars(stmt))


def get_document(user: User, document_id: int) -> ContributionDocument:
    """One document ``user`` reads: 404 when unknown, another groupement's, or (for a
    director) another establishment's; 403 for a role that reads none."""
    doc = db.session.scalars(select(ContributionDocument).where(
        ContributionDocument.id == document_id,
        ContributionDocument.groupement_id == user.groupement_id)).first()
    if doc is None:
        raise NotFound(gettext("Document introuvable."))
    scope = reading_scope(user)
    if scope is not None and scope != doc.establishment_id:
        raise NotFound(gettext("Document introuvable."))
    return doc


def download(user: User, document_id: int) -> tuple[ContributionDocument, bytes]:
    """The stored PDF of a document, the same bytes at every download (audited)."""
    doc = get_document(user, document_id)
    content = db.session.scalar(select(ContributionDocument.pdf).where(
        ContributionDocument.id == doc.id))
    record(user, "ordered.download", doc, after={"number": doc.number},
           establishment_id=doc.establishment_id)
    db.session.commit()
    return doc, content


def file_name(doc: ContributionDocument) -> str:
    """« appel-GIC65-2026-0001.pdf », « regularisation-… »."""
    word = "appel" if doc.kind == DocumentKind.CALL else "regularisation"
    return f"{word}-{doc.number}.pdf"
