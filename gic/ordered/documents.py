"""What a contribution document shows, frozen when it is issued, and its PDF.

A provisional call (:func:`call_data`) or a participant's regularisation statement
(:func:`regularisation_data`, with the year's summary :func:`summary_data` that
reconciles the budget, the calls, the regularisation and the real expenses). The
PDF is rendered once through a Jinja template and WeasyPrint, like the settlement
statements (:func:`gic.billing.documents.render_pdf`): the same bytes at every
download.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import render_template

from gic.billing import documents as billing_documents
from gic.convention import rules_ordered
from gic.i18n import in_french
from gic.models import Establishment, Groupement
from gic.ordered.models import ContributionDocument, OrderedYear

TEMPLATE = "ordered/document_pdf.html"


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _vote(year_row: OrderedYear) -> dict:
    return {"voted_on": year_row.voted_on.isoformat() if year_row.voted_on else None,
            "reference": year_row.vote_reference or "",
            "rate": _money(year_row.hourly_rate), "budget": _money(year_row.budget),
            "ordered_minutes": year_row.ordered_minutes}


def call_data(*, groupement: Groupement, establishment: Establishment, year: int,
              minutes: int, rate: Decimal, total: Decimal, amount: Decimal, instalment: int,
              instalments: int, due_on: date, year_row: OrderedYear) -> dict:
    """The frozen content of one provisional call (one instalment of ``total``), in
    French whoever issues it."""
    with in_french():
        participation_label = establishment.participation.label
    return {"groupement": groupement.name, "year": year,
            "participant": billing_documents.party(establishment, year),
            "participation": str(establishment.participation),
            "participation_label": participation_label,
            "ordered_minutes": minutes, "rate": _money(rate), "ordered": _money(total),
            "amount": _money(amount), "instalment": instalment, "instalments": instalments,
            "due_on": due_on.isoformat(), "vote": _vote(year_row)}


def summary_data(reg: rules_ordered.Regularisation, year_row: OrderedYear) -> dict:
    """The year's summary, the same on every participant's statement: budget → calls
    → consumption → result → final contributions = real expenses."""
    return {"rate": _money(reg.rate), "budget": _money(reg.budget),
            "called": _money(reg.called), "income": _money(reg.income),
            "adjustments": _money(reg.adjustments), "expenses": _money(reg.expenses),
            "result": _money(reg.result), "shares": _money(reg.shares),
            "contributed": _money(reg.contributed),
            "expenses_note": year_row.expenses_note or "", "vote": _vote(year_row)}


def regularisation_data(*, groupement: Groupement, establishment: Establishment, year: int,
                        line: rules_ordered.RegularisationLine,
                        reg: rules_ordered.Regularisation, summary: dict) -> dict:
    """The frozen content of one participant's regularisation statement."""
    base = sum((x.due for x in reg.lines if x.member), Decimal(0))
    return {"groupement": groupement.name, "year": year,
            "participant": billing_documents.party(establishment, year),
            "participation": "member" if line.member else "user",
            "participation_label": "Membre" if line.member else "Utilisateur",
            "ordered_minutes": line.ordered_minutes, "consumed_minutes": line.consumed_minutes,
            "rate": _money(reg.rate), "ordered": _money(line.ordered),
            "called": _money(line.called), "due": _money(line.due),
            "adjustment": _money(line.adjustment), "share": _money(line.share),
            "share_base": _money(base), "net": _money(line.net),
            "contributed": _money(line.contributed), "summary": summary,
            "vote": summary["vote"]}


def render(doc: ContributionDocument) -> bytes:
    """The document's PDF/A-3b, dated its issue."""
    with in_french():
        html = render_template(TEMPLATE, doc=doc, data=doc.data, lines=doc.lines)
        title = f"{doc.kind.label} {doc.number}"
    return billing_documents.render_pdf(html, title, doc.issued_at)
