"""The ordered-hours year as plain, JSON-ready data (issue 16, item 7).

What the billing page, the exports, the API and the bilan show instead of the cap
and the threshold in a year of the ordered-hours model: per participant the hours
ordered, consumed and left (minutes as integers), what was called and regularised
and the balance (money as strings like ``"183.33"``), and the totals. Built from
:func:`gic.ordered.ledger.year_figures`; the bilan stores it in its snapshot.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gic.convention.rules import round_cents
from gic.ordered.ledger import ParticipantFigures, YearFigures


def _money(value: Decimal) -> str:
    return str(round_cents(value))


def row_json(row: ParticipantFigures) -> dict[str, Any]:
    """One participant's figures (or the totals: no id, no participation)."""
    consumption = row.consumption
    return {"establishment_id": row.establishment_id,
            "participation": str(row.participation) if row.participation else None,
            "ordered_minutes": row.ordered_minutes, "consumed_minutes": row.consumed_minutes,
            "remaining_minutes": consumption.left_minutes,
            "over_minutes": consumption.over_minutes, "percent": consumption.percent,
            "ordered_amount": _money(row.ordered_amount),
            "consumed_amount": _money(row.consumed_amount),
            "called": _money(row.called), "regularised": _money(row.regularised),
            "balance": _money(row.balance)}


def figures_json(figures: YearFigures) -> dict[str, Any]:
    """The year's figures: rate, budget (voted or Σ ordered × rate), whether it is
    voted and regularised, each participant and the totals."""
    return {"rate": _money(figures.rate), "budget": _money(figures.budget),
            "voted": figures.voted,
            "voted_on": figures.voted_on.isoformat() if figures.voted_on else None,
            "regularised": figures.regularised,
            "participants": [row_json(r) for r in figures.rows],
            "totals": row_json(figures.totals)}
