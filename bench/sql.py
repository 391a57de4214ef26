"""Hand-tuned SQL: the year's billing and the bilan's aggregation, one statement each.

What the app computes with the ORM and Python, written as one SQL statement
for speed, to time the app against (« app time / SQL time », SPEC issue 6) and
to check the app's figures against an independent writing of the rules:

- **billing** (R1–R6, SPEC §8 ``GET /billing/{year}``): per pair the validated
  billable minutes and the amount, Σ minutes × rate rounded once, half up, to
  the cent (R6); each billable intervention not yet validated; each
  beneficiary's billable minutes (cap use, R5). An intervention is billable
  when its on-site minutes of *all* years reach its threshold (R2/R3), and its
  minutes count in the civil year of each session (R4).
- **bilan**: the same, plus the year's minutes per pair, axis, mode and month
  and the interventions with work in the year per pair and axis (all of them,
  and those not yet validated), which the bilan folds into its totals, matrix,
  per-establishment sides and months.

Money is kept in whole cents (integers) on both databases: the rate in cents
is ``CAST(ROUND(rate * 100) AS INTEGER)``, and the rounding of R6 is the
integer ``(Σ minutes × cents + 30) / 60`` (exact half-up for non-negative sums).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gic.interventions.models import Intervention

COUNTED = "('accepted', 'completed', 'validated')"


def _secondments() -> str:
    """R8, when the app has secondments: their interventions are billed apart."""
    return " AND i.secondment_id IS NULL" if "secondment_id" in Intervention.__table__.c else ""


def _billable_ctes() -> str:
    """``year_onsite`` (on-site sessions of the year) and ``billable`` (interventions
    reaching their threshold over all years, with their minutes of the year)."""
    return f"""
    year_onsite AS (
        SELECT s.intervention_id, SUM(s.minutes) AS minutes,
               SUM(s.minutes * CAST(ROUND(s.hourly_rate * 100) AS INTEGER)) AS weighted
        FROM intervention_session s
        JOIN intervention i ON i.id = s.intervention_id
        WHERE i.groupement_id = :g AND s.year = :y AND s.mode = 'onsite'
          AND i.state IN {COUNTED}{_secondments()}
        GROUP BY s.intervention_id
    ),
    billable AS (
        SELECT i.id, i.provider_id, i.beneficiary_id, i.state, o.minutes, o.weighted
        FROM year_onsite o
        JOIN intervention i ON i.id = o.intervention_id
        WHERE o.minutes >= i.threshold_minutes
           OR i.threshold_minutes <= (SELECT SUM(t.minutes) FROM intervention_session t
                                      WHERE t.intervention_id = o.intervention_id
                                        AND t.mode = 'onsite')
    )"""


BILLING_SELECT = """
    SELECT 'line' AS kind, provider_id, beneficiary_id, NULL AS a, SUM(minutes) AS m,
           (CAST(SUM(weighted) AS BIGINT) + 30) / 60 AS cents
    FROM billable WHERE state = 'validated' GROUP BY provider_id, beneficiary_id
    UNION ALL
    SELECT 'pending', provider_id, beneficiary_id, id, minutes, NULL
    FROM billable WHERE state <> 'validated'
    UNION ALL
    SELECT 'cap', NULL, beneficiary_id, NULL, SUM(minutes), NULL
    FROM billable GROUP BY beneficiary_id"""


def billing_statement() -> str:
    """The billing of groupement ``:g`` in year ``:y`` as one statement."""
    return f"WITH {_billable_ctes()}\n{BILLING_SELECT}"


def bilan_statement(dialect: str) -> str:
    """The bilan's aggregation of groupement ``:g`` in year ``:y`` as one statement."""
    month = ("CAST(strftime('%m', s.date) AS INTEGER)" if dialect == "sqlite"
             else "CAST(EXTRACT(MONTH FROM s.date) AS INTEGER)")
    return f"""WITH {_billable_ctes()},
    work AS (
        SELECT i.id, i.provider_id, i.beneficiary_id, i.axis, i.state, s.mode,
               {month} AS month, s.minutes
        FROM intervention_session s
        JOIN intervention i ON i.id = s.intervention_id
        WHERE i.groupement_id = :g AND s.year = :y AND i.state IN {COUNTED}
    )
    SELECT 'minutes' AS kind, provider_id, beneficiary_id, axis AS a, SUM(minutes) AS m,
           NULL AS cents, mode, month
    FROM work GROUP BY provider_id, beneficiary_id, axis, mode, month
    UNION ALL
    SELECT 'count', provider_id, beneficiary_id, axis, COUNT(DISTINCT id),
           COUNT(DISTINCT CASE WHEN state <> 'validated' THEN id END), NULL, NULL
    FROM work GROUP BY provider_id, beneficiary_id, axis
    UNION ALL
    SELECT kind, provider_id, beneficiary_id, a, m, cents, NULL, NULL FROM (
    {BILLING_SELECT}
    ) AS billing"""


def billing(session: Session, gid: int, year: int) -> list[tuple]:
    """Rows of :func:`billing_statement`."""
    return list(session.execute(text(billing_statement()), {"g": gid, "y": year}).tuples())


def bilan(session: Session, gid: int, year: int) -> list[tuple]:
    """Rows of :func:`bilan_statement`."""
    statement = bilan_statement(session.get_bind().dialect.name)
    return list(session.execute(text(statement), {"g": gid, "y": year}).tuples())


# --- The same figures from the app, to compare ----------------------------------------

def billing_figures(rows: list[tuple]) -> dict[str, Any]:
    """Lines, pending and cap use from the hand SQL's rows (amounts as Decimal)."""
    lines, pending, cap = {}, {}, {}
    for kind, provider, beneficiary, a, minutes, cents, *_ in rows:  # noqa: RUF059
        if kind == "line":
            lines[(provider, beneficiary)] = (int(minutes), Decimal(int(cents)) / 100)
        elif kind == "pending":
            pending[int(a)] = (provider, beneficiary, int(minutes))
        elif kind == "cap":
            cap[beneficiary] = int(minutes)
    return {"lines": lines, "pending": pending, "cap": cap}


def app_billing_figures(summary) -> dict[str, Any]:
    """The same figures from :class:`gic.billing.services.BillingSummary`."""
    return {
        "lines": {(line["provider_id"], line["beneficiary_id"]):
                  (line["billable_minutes"], line["amount"]) for line in summary.lines},
        "pending": {p["intervention_id"]: (p["provider_id"], p["beneficiary_id"],
                                           p["billable_minutes"]) for p in summary.pending},
        "cap": {b["beneficiary_id"]: b["billable_minutes"] for b in summary.beneficiaries
                if b["billable_minutes"]},
    }


def bilan_figures(rows: list[tuple]) -> dict[str, Any]:
    """Matrix, months, totals, billing and cap use from the hand SQL's rows."""
    matrix: dict[tuple, dict[str, int]] = defaultdict(
        lambda: {"interventions": 0, "pending_interventions": 0, "onsite_minutes": 0,
                 "remote_minutes": 0})
    months: dict[tuple[int, str], int] = defaultdict(int)
    billing_rows = []
    for row in rows:
        kind, provider, beneficiary, a, m, cents, mode, month = row
        if kind == "minutes":
            key = "onsite_minutes" if mode == "onsite" else "remote_minutes"
            matrix[(provider, beneficiary)][key] += int(m)
            months[(int(month), mode)] += int(m)
        elif kind == "count":
            matrix[(provider, beneficiary)]["interventions"] += int(m)
            matrix[(provider, beneficiary)]["pending_interventions"] += int(cents)
        else:
            billing_rows.append(row)
    billing_part = billing_figures(billing_rows)
    return {
        "matrix": {pair: dict(cell) for pair, cell in matrix.items()},
        "months": {m: (months.get((m, "onsite"), 0), months.get((m, "remote"), 0))
                   for m in range(1, 13)},
        "lines": billing_part["lines"],
        "cap": billing_part["cap"],
        "pending_billable": (len(billing_part["pending"]),
                             sum(p[2] for p in billing_part["pending"].values())),
    }


def app_bilan_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The same figures from :func:`gic.reports.compute.compute_bilan`'s data."""
    keys = ("interventions", "pending_interventions", "onsite_minutes", "remote_minutes")
    return {
        "matrix": {(c["provider_id"], c["beneficiary_id"]): {k: c[k] for k in keys}
                   for c in data["matrix"]},
        "months": {m["month"]: (m["onsite_minutes"], m["remote_minutes"])
                   for m in data["months"]},
        "lines": {(line["provider_id"], line["beneficiary_id"]):
                  (line["billable_minutes"], Decimal(line["amount"]))
                  for line in data["billing"]["lines"]},
        "cap": {e["establishment_id"]: e["cap"]["billable_minutes"]
                for e in data["per_establishment"] if e["cap"]["billable_minutes"]},
        "pending_billable": (data["pending"]["billable_interventions"],
                             data["pending"]["billable_minutes"]),
    }


def differences(app: dict[str, Any], hand: dict[str, Any]) -> list[str]:
    """What differs between the app's figures and the hand SQL's (empty: equal)."""
    found = []
    for key in app:
        if app[key] != hand.get(key):
            if isinstance(app[key], dict):
                keys = set(app[key]) ^ set(hand.get(key, {}))
                keys |= {k for k in app[key] if k in hand.get(key, {})
                         and app[key][k] != hand[key][k]}
                sample = sorted(keys, key=str)[:3]
                found.append(f"{key}: {len(keys)} différence(s), par ex. "
                             + "; ".join(f"{k}: app {app[key].get(k)} / SQL "
                                         f"{hand[key].get(k)}" for k in sample))
            else:
                found.append(f"{key}: app {app[key]} / SQL {hand.get(key)}")
    return found
