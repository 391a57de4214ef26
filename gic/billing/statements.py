"""Numbered settlement statements of a closed year (issue 15, items 2, 4 and 5).

When the accountant closes a year, :func:`issue_for_year` gives each settlement
line (the net amount one establishment pays another, R6) a statement with the
next number of the groupement's series for that year (``GIC65-2025-0001``), in
the close's transaction: a closed year always has its documents. Reopening the
year cancels them with credit statements, numbered in the same series
(:func:`cancel_for_year`); the next close issues new statements with new
numbers: a number is never given twice nor skipped.

Who reads them: the accountant, every document of the groupement; a director,
those where his establishment is a party (others 404); anyone else 403.
Generation, downloads and cancellations are written to the audit log.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload, undefer

from gic import timeutil
from gic.audit.services import record
from gic.billing import documents
from gic.billing.models import DocumentCounter, SettlementStatement, StatementKind, YearClosure
from gic.convention.history import is_ordered
from gic.errors import NotFound
from gic.extensions import db
from gic.i18n import in_french
from gic.models import Establishment, Groupement, PayerKind, User
from gic.policy import authorize, can

# --- Numbering ----------------------------------------------------------------------

def _counter(groupement_id: int, year: int) -> DocumentCounter:
    """The counter row of the groupement's series for ``year``, locked (FOR UPDATE;
    SQLite serialises writers) until the transaction ends; created at the first
    close of the year."""
    counter = db.session.scalars(
        select(DocumentCounter).where(DocumentCounter.groupement_id == groupement_id,
                                      DocumentCounter.year == year)
        .with_for_update()).first()
    if counter is None:
        # Only under close_year's lock on the groupement's establishments: no one
        # else creates this row at the same time.
        counter = DocumentCounter(groupement_id=groupement_id, year=year, last_sequence=0)
        db.session.add(counter)
        db.session.flush()
    return counter


def next_sequence(groupement_id: int, year: int) -> int:
    """The next number of the groupement's series for ``year``: the counter stays
    locked until the transaction ends, so two closes or reopenings at once never
    take the same number, and a rolled back one gives its numbers back."""
    counter = _counter(groupement_id, year)
    counter.last_sequence += 1
    db.session.flush()
    return counter.last_sequence


# --- Issuing and cancelling -----------------------------------------------------------

def _store(statement: SettlementStatement, *, cancels: dict | None = None) -> None:
    """Render the statement's PDF (and its Factur-X when both parties have a SIRET),
    in French whoever closes or reopens the year (a document of record)."""
    with in_french():
        _render(statement, cancels)


def _render(statement: SettlementStatement, cancels: dict | None) -> None:
    kind = statement.kind
    html = documents.render_html(statement.data, number=statement.number, kind=kind,
                                 issued_on=statement.issued_on,
                                 issued_at=statement.issued_at, cancels=cancels)
    title = f"{statement.kind.label} {statement.number}"
    pdf = documents.render_pdf(html, title, statement.issued_at)
    statement.pdf, statement.pdf_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    statement.facturx_missing = documents.facturx_missing(statement.data)
    if statement.facturx_missing is None:
        xml = documents.facturx_xml(statement.data, number=statement.number, kind=kind,
                                    issued_on=statement.issued_on, cancels=cancels)
        statement.facturx = documents.facturx_pdf(pdf, xml, title)


def _audit_sides(statement: SettlementStatement) -> dict:
    """Both parties, so that each one's director reads the entry."""
    return {"establishment_id": statement.payer_id,
            "other_establishment_id": statement.payee_id}


def issue_for_year(actor: User, closure: YearClosure) -> list[SettlementStatement]:
    """One numbered statement per settlement line of the closed year, rendered and
    stored now (in the close's transaction), dated the close's day."""
    from gic.billing.services import summary_for  # services calls this module

    gid, year = closure.groupement_id, closure.year
    groupement = db.session.get(Groupement, gid)
    _counter(gid, year)  # locked first: the numbers below follow each other
    if is_ordered(gid, year):
        # Issue 16: in the ordered-hours model the participants pay the groupement
        # (calls and regularisation, gic.ordered.services), not one another.
        return []
    summary = summary_for(gid, year)
    if not summary.settlements:
        return []
    establishments = {e.id: e for e in db.session.scalars(
        select(Establishment).where(Establishment.groupement_id == gid)
        .options(selectinload(Establishment.engagements)))}
    pair_amounts = {(line["provider_id"], line["beneficiary_id"]):
                    (line["billable_minutes"], line["amount"]) for line in summary.lines}
    lines = documents.pair_lines(gid, year)
    convention = documents.convention_mention(groupement, year)
    issued_at = closure.closed_at.replace(microsecond=0)
    issued_on = timeutil.local_today(groupement.timezone)
    issued = []
    for settlement in summary.settlements:
        payer, payee = establishments[settlement["from_id"]], establishments[settlement["to_id"]]
        sequence = next_sequence(gid, year)
        statement = SettlementStatement(
            groupement_id=gid, year=year, sequence=sequence,
            number=documents.document_number(groupement, year, sequence),
            kind=StatementKind.STATEMENT, payer_id=payer.id, payee_id=payee.id,
            amount=settlement["amount"], issued_on=issued_on, issued_at=issued_at,
            data=documents.statement_data(
                groupement=groupement, year=year, payer=payer, payee=payee,
                amount=settlement["amount"], pair_amounts=pair_amounts, lines=lines,
                convention=convention))
        _store(statement)
        db.session.add(statement)
        db.session.flush()
        record(actor, "statement.issue", statement,
               after={"number": statement.number, "year": year,
                      "amount": str(statement.amount), "payer_id": payer.id,
                      "payee_id": payee.id, "pdf_sha256": statement.pdf_sha256},
               **_audit_sides(statement))
        issued.append(statement)
    return issued


def cancel_for_year(actor: User, groupement_id: int, year: int) -> list[SettlementStatement]:
    """The year is reopened: each statement still in force is cancelled by a credit
    statement of the same amount, with the next number of the series, which names
    the statement it cancels. Nothing is renumbered nor deleted."""
    _counter(groupement_id, year)  # locked first: a reopening at the same time waits
    in_force = list(db.session.scalars(
        select(SettlementStatement).where(
            SettlementStatement.groupement_id == groupement_id,
            SettlementStatement.year == year,
            SettlementStatement.kind == StatementKind.STATEMENT,
            SettlementStatement.cancelled_at.is_(None))
        .order_by(SettlementStatement.sequence)))
    if not in_force:
        return []
    groupement = db.session.get(Groupement, groupement_id)
    now = timeutil.utcnow().replace(microsecond=0)
    today = timeutil.local_today(groupement.timezone)
    credits = []
    for original in in_force:
        sequence = next_sequence(groupement_id, year)
        cancels = {"id": original.id, "number": original.number,
                   "issued_on": original.issued_on.isoformat()}
        credit = SettlementStatement(
            groupement_id=groupement_id, year=year, sequence=sequence,
            number=documents.document_number(groupement, year, sequence),
            kind=StatementKind.CREDIT, payer_id=original.payer_id,
            payee_id=original.payee_id, amount=original.amount, issued_on=today,
            issued_at=now, cancels_id=original.id,
            data={**original.data, "cancels": cancels})
        _store(credit, cancels=cancels)
        original.cancelled_at = now
        db.session.add(credit)
        db.session.flush()
        record(actor, "statement.cancel", original,
               before={"number": original.number, "cancelled": False},
               after={"number": original.number, "cancelled": True,
                      "credit_number": credit.number, "credit_id": credit.id},
               **_audit_sides(original))
        credits.append(credit)
    return credits


# --- Reading ----------------------------------------------------------------------------

def documents_scope(user: User) -> int | None:
    """Whose documents ``user`` reads: None for an accountant (all of the
    groupement), a director's establishment; Forbidden for anyone else."""
    authorize(user, "billing.read_documents")
    return None if can(user, "billing.read_all") else user.establishment_id


def _scoped(stmt, scope: int | None):
    if scope is None:
        return stmt
    return stmt.where(or_(SettlementStatement.payer_id == scope,
                          SettlementStatement.payee_id == scope))


def year_documents(user: User, year: int) -> list[SettlementStatement]:
    """The documents of ``year`` that ``user`` reads, in number order. One query."""
    scope = documents_scope(user)
    stmt = select(SettlementStatement).where(
        SettlementStatement.groupement_id == user.groupement_id,
        SettlementStatement.year == year).order_by(SettlementStatement.sequence)
    return list(db.session.scalars(_scoped(stmt, scope)))


def get_document(user: User, statement_id: int) -> SettlementStatement:
    """One document ``user`` reads: 404 when it is unknown or another groupement's,
    403 for a role that reads none, 404 for a director whose establishment is not
    a party."""
    statement = db.session.scalars(select(SettlementStatement).where(
        SettlementStatement.id == statement_id,
        SettlementStatement.groupement_id == user.groupement_id)).first()
    if statement is None:
        raise NotFound(gettext("Document introuvable."))
    scope = documents_scope(user)
    if scope is not None and scope not in (statement.payer_id, statement.payee_id):
        raise NotFound(gettext("Document introuvable."))
    return statement


FILES = {"pdf": "PDF", "facturx": "Factur-X"}


def download(user: User, statement_id: int, file: str = "pdf") -> tuple[SettlementStatement,
                                                                            bytes]:
    """The stored bytes of a document's PDF (or Factur-X PDF), the same at every
    download; the download is written to the audit log (and committed)."""
    statement = get_document(user, statement_id)
    column = SettlementStatement.facturx if file == "facturx" else SettlementStatement.pdf
    content = db.session.scalar(select(column).where(SettlementStatement.id == statement.id))
    if content is None:
        # Why, in the reader's language (the stored reason is the French one).
        raise NotFound(documents.facturx_missing(statement.data) if statement.facturx_missing
                       else gettext("Fichier introuvable."))
    record(user, "statement.download", statement,
           after={"number": statement.number, "file": file}, **_audit_sides(statement))
    db.session.commit()
    return statement, content


def file_name(statement: SettlementStatement, file: str = "pdf") -> str:
    """« releve-GIC65-2025-0001.pdf », « avoir-…-facturx.pdf »."""
    word = "avoir" if statement.is_credit else "releve"
    return f"{word}-{statement.number}{'-facturx' if file == 'facturx' else ''}.pdf"


# --- The public creditor's recovery-order pack (item 4) -------------------------------

PACK_COLUMNS = ("Débiteur", "SIRET", "Montant", "Objet", "Référence")


def pack_creditors(user: User, year: int) -> list[Establishment]:
    """The public establishments ``user`` may get a pack for in ``year``: those paid
    by a statement in force (a director: his own establishment only)."""
    scope = documents_scope(user)
    payees = select(SettlementStatement.payee_id).where(
        SettlementStatement.groupement_id == user.groupement_id,
        SettlementStatement.year == year,
        SettlementStatement.kind == StatementKind.STATEMENT,
        SettlementStatement.cancelled_at.is_(None))
    stmt = select(Establishment).where(Establishment.id.in_(payees),
                                       Establishment.payer_kind == PayerKind.PUBLIC)
    if scope is not None:
        stmt = stmt.where(Establishment.id == scope)
    return list(db.session.scalars(stmt.order_by(Establishment.name)))


def recovery_pack(user: User, year: int, establishment_id: int) -> tuple[str, bytes]:
    """One ZIP for a public creditor's year: the PDFs of the statements in force that
    pay it, and a CSV of the recovery orders to raise (debtor, SIRET, amount,
    object, reference) for the finance software. Built from the stored documents
    with fixed dates: the same bytes at each download (audited). 404 for another
    groupement's establishment (whoever asks), then 403 for a role without
    documents, 404 when it is no public creditor of the year the user may see."""
    if db.session.scalar(select(Establishment.id).where(
            Establishment.id == establishment_id,
            Establishment.groupement_id == user.groupement_id)) is None:
        raise NotFound(gettext("Établissement introuvable."))
    creditor = next((e for e in pack_creditors(user, year) if e.id == establishment_id), None)
    if creditor is None:
        raise NotFound(gettext("Aucun ordre de recouvrement pour cet établissement cette "
                               "année."))
    statements = list(db.session.scalars(
        select(SettlementStatement).options(undefer(SettlementStatement.pdf)).where(
            SettlementStatement.groupement_id == user.groupement_id,
            SettlementStatement.year == year, SettlementStatement.payee_id == creditor.id,
            SettlementStatement.kind == StatementKind.STATEMENT,
            SettlementStatement.cancelled_at.is_(None))
        .order_by(SettlementStatement.sequence)))
    rows = io.StringIO()
    writer = csv.writer(rows, delimiter=";", lineterminator="\r\n")
    writer.writerow(PACK_COLUMNS)
    for s in statements:
        debtor = s.data["payer"]
        writer.writerow([
            debtor["legal_name"], debtor["siret"] or documents.NO_SIRET,
            f"{Decimal(s.amount):.2f}".replace(".", ","),
            f"Convention de partenariat {s.data['groupement']} : interventions "
            f"informatiques du 01/01/{year} au 31/12/{year}", s.number])
    stamp = (max(s.issued_at for s in statements).timetuple()[:6] if statements
             else (year + 1, 1, 1, 0, 0, 0))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        def add(name: str, content: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            pack.writestr(info, content)

        add(f"ordres-de-recouvrement-{year}.csv", ("\ufeff" + rows.getvalue()).encode())
        for s in statements:
            add(file_name(s), s.pdf)
    record(user, "statement.pack", creditor,
           after={"year": year, "numbers": [s.number for s in statements]},
           establishment_id=creditor.id)
    db.session.commit()
    slug = documents.number_prefix(db.session.get(Groupement, user.groupement_id))
    return f"recouvrement-{slug}-{year}-{creditor.finess}.zip", buffer.getvalue()
