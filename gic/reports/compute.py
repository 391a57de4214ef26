"""The bilan of a groupement-year as plain, JSON-ready data (SPEC §5).

Everything is read with grouped SQL (:mod:`gic.reports.queries` and the billing
queries): a fixed number of queries whatever the number of sessions; Python
only folds the few aggregated rows into the shape the page, the PDF and the
API read. Minutes are integers, money is a string like ``"183.33"`` (computed
as ``Decimal`` and rounded once per pair, R6), ids refer to ``establishments``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from gic.billing.services import BillingSummary, summary_for
from gic.convention import rules
from gic.convention.history import cap_for_year, terms_on
from gic.convention.rules import AXES, INTERVENTION_AXES, Mode
from gic.extensions import db
from gic.models import Establishment, Groupement, MembershipStatus
from gic.ordered.figures import figures_json
from gic.reports import queries
from gic.reports.sections import compute_sections

SCHEMA_VERSION = 2  # 2: the other areas' sections (equipment, trainings…)


def _activity() -> dict[str, int]:
    return {"interventions": 0, "pending_interventions": 0, "onsite_minutes": 0,
            "remote_minutes": 0, "minutes": 0}


def _add_minutes(target: dict[str, int], mode: str, minutes: int) -> None:
    key = "onsite_minutes" if mode == Mode.ONSITE else "remote_minutes"
    target[key] += minutes
    target["minutes"] += minutes


def _add_counts(target: dict[str, int], count: int, pending: int) -> None:
    target["interventions"] += count
    target["pending_interventions"] += pending


class _Side:
    """What one establishment gave (as provider) or received (as beneficiary)."""

    def __init__(self) -> None:
        self.total = _activity()
        self.by_axis: dict[int, dict[str, int]] = defaultdict(_activity)

    def as_json(self) -> dict[str, Any]:
        return {**self.total,
                "by_axis": [{"axis": axis, **self.by_axis[axis]} for axis in sorted(self.by_axis)]}


def compute_bilan(groupement_id: int, year: int) -> dict[str, Any]:
    """The bilan of ``year`` for a groupement: totals, per establishment, matrix,
    billing, cap use, months, pending interventions and meetings held."""
    groupement = db.session.get(Groupement, groupement_id)
    establishments = list(db.session.scalars(
        select(Establishment).where(Establishment.groupement_id == groupement_id,
                                    Establishment.status == MembershipStatus.MEMBER)
        .order_by(Establishment.name, Establishment.id)))
    terms = terms_on(groupement.id, date(year, 1, 1))
    cap = cap_for_year(groupement.id, year)

    total = _activity()
    by_axis: dict[int, dict[str, int]] = {axis: _activity() for axis in INTERVENTION_AXES}
    given: dict[int, _Side] = defaultdict(_Side)
    received: dict[int, _Side] = defaultdict(_Side)
    matrix: dict[tuple[int, int], dict[str, int]] = defaultdict(_activity)

    def _targets(provider: int, beneficiary: int, axis: int) -> tuple[dict[str, int], ...]:
        """Every total a row of a pair and an axis adds to."""
        return (total, by_axis.setdefault(axis, _activity()), matrix[(provider, beneficiary)],
                given[provider].total, given[provider].by_axis[axis],
                received[beneficiary].total, received[beneficiary].by_axis[axis])
    for provider, beneficiary, axis, count, pending, onsite, remote in (
            queries.activity_by_pair_axis(groupement_id, year)):
        for target in _targets(provider, beneficiary, axis):
            _add_counts(target, count, pending)
            _add_minutes(target, Mode.ONSITE, onsite)
            _add_minutes(target, Mode.REMOTE, remote)
    months = {(month, mode): minutes
              for month, mode, minutes in queries.minutes_by_month(groupement_id, year)}

    # The billing, its cap use and its pending interventions: one summary, one pass.
    summary = summary_for(groupement_id, year)
    ordered = figures_json(summary.ordered) if summary.ordered is not None else None
    billing = _billing(summary)
    use = {b["beneficiary_id"]: b["billable_minutes"] for b in summary.beneficiaries}
    pending_billable = summary.pending
    lines_of: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for line in billing["lines"]:
        lines_of[("given", line["provider_id"])].append(line)
        lines_of[("received", line["beneficiary_id"])].append(line)

    per_establishment = []
    for e in establishments:
        lines_given, lines_received = lines_of[("given", e.id)], lines_of[("received", e.id)]
        used = use.get(e.id, 0)
        per_establishment.append({
            "establishment_id": e.id,
            "given": given[e.id].as_json(),
            "received": received[e.id].as_json(),
            "billed_given_minutes": sum(line["billable_minutes"] for line in lines_given),
            "billed_given_amount": _money_sum(line["amount"] for line in lines_given),
            "billed_received_minutes": sum(line["billable_minutes"] for line in lines_received),
            "billed_received_amount": _money_sum(line["amount"] for line in lines_received),
            # The ordered-hours model has no cap: its figures are "ordered_hours".
            "cap": None if ordered else {"billable_minutes": used, "cap_minutes": cap,
                                         "remaining_minutes": max(0, cap - used)},
        })

    return {
        "schema": SCHEMA_VERSION,
        "year": year,
        "groupement": {"id": groupement.id, "name": groupement.name},
        "convention": {"threshold_minutes": terms.threshold_minutes, "cap_minutes": cap,
                       "hourly_rate": str(rules.round_cents(terms.hourly_rate))},
        "establishments": [{"id": e.id, "name": e.name, "finess": e.finess}
                           for e in establishments],
        "totals": total,
        "by_axis": [{"axis": axis, "label": AXES.get(axis, str(axis)), **by_axis[axis]}
                    for axis in sorted(by_axis)],
        "per_establishment": per_establishment,
        "matrix": [{"provider_id": p, "beneficiary_id": b, **cell}
                   for (p, b), cell in sorted(matrix.items())],
        "billing": billing,
        "pending": {"interventions": total["pending_interventions"],
                    "billable_interventions": len(pending_billable),
                    "billable_minutes": sum(p["billable_minutes"] for p in pending_billable)},
        "months": [{"month": m, "onsite_minutes": months.get((m, Mode.ONSITE.value), 0),
                    "remote_minutes": months.get((m, Mode.REMOTE.value), 0)}
                   for m in range(1, 13)],
        "meetings": queries.meetings_of_year(groupement_id, year, groupement.timezone),
        "sections": compute_sections(groupement_id, year),
        # Issue 16, item 7: the year's model and, in the ordered-hours model, each
        # participant's hours ordered, consumed, called and regularised (instead of
        # the cap and the threshold; no pair is billed then).
        "model": summary.model,
        "ordered_hours": ordered,
    }


def _billing(summary: BillingSummary) -> dict[str, Any]:
    """Validated billable minutes and amounts per pair (R6: rounded once per pair),
    their totals and the net settlements — the yearly billing's own figures."""
    return {
        "lines": [{**line, "amount": str(line["amount"])} for line in summary.lines],
        "total_minutes": summary.total_minutes,
        "total_amount": str(rules.round_cents(summary.total_amount)),
        "settlements": [{**s, "amount": str(s["amount"])} for s in summary.settlements],
    }


def _money_sum(values) -> str:
    return str(rules.round_cents(sum((Decimal(v) for v in values), Decimal(0))))
