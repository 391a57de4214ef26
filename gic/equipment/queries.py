"""Grouped reads of the equipment register: loans out on a day (the minutes'
pre-filled data) and the equipment section of the annual bilan.

Fixed number of queries whatever the size of the register; results are plain
JSON-ready values (ints, strings, ISO dates, establishment ids).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from gic.equipment.models import (
    Category,
    Movement,
    MovementKind,
)
from gic.extensions import db
from gic.models import Establishment
from gic.registers import establishment_ids, today_of


def _out_on(day: date) -> list:
    """Conditions of a loan that is out at the end of ``day``."""
    return [Movement.kind == MovementKind.LOAN, Movement.date <= day,
            or_(Movement.returned_on.is_(None), Movement.returned_on > day)]


@functools.cache
def _lender_and_borrower() -> tuple[type[Establishment], type[Establishment]]:
    """Made once (on first use: the mappers are then complete); new aliases per call
    cost more to build than the query they serve."""
    return aliased(Establishment, name="lender"), aliased(Establishment, name="borrower")


def loans_out_on(groupement_id: int, day: date) -> list[dict[str, Any]]:
    """Loans of the groupement out at the end of ``day`` (one query), the most
    overdue first, with both establishments' names and the days late on that day."""
    lender, borrower = _lender_and_borrower()
    rows = db.session.execute(
        select(Movement.id, Movement.item, Movement.category, Movement.serial_number,
               Movement.date, Movement.expected_return, Movement.from_id, lender.name,
               Movement.to_id, borrower.name)
        .join(lender, lender.id == Movement.from_id)
        .join(borrower, borrower.id == Movement.to_id)
        .where(Movement.groupement_id == groupement_id, *_out_on(day))
        .order_by(Movement.expected_return, Movement.id))
    return [{"id": mid, "item": item, "category": str(category),
             "category_label": category.label, "serial_number": serial,
             "date": start.isoformat(), "expected_return": expected.isoformat(),
             "from_id": from_id, "from_name": from_name, "to_id": to_id, "to_name": to_name,
             "days_late": max((day - expected).days, 0)}
            for mid, item, category, serial, start, expected, from_id, from_name, to_id,
            to_name in rows]


def _counts() -> dict[str, int]:
    return {"loans_given": 0, "loans_received": 0, "donations_given": 0,
            "donations_received": 0, "out_lent": 0, "out_borrowed": 0}


def bilan_section(groupement_id: int, year: int) -> dict[str, Any]:
    """The equipment part of the bilan of ``year`` (five queries).

    ``loans`` / ``donations``: movements dated in the year; ``returned``: loans
    whose return is dated in the year; ``out`` / ``overdue``: loans still out at
    the end of the year (or today, for the current year: ``as_of``), and those
    of them past their expected return. Per establishment: loans and donations
    given and received in the year, loans lent and borrowed still out.
    ``movements``: the year's movements, in date order.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    as_of = min(last, today_of(groupement_id))
    in_year = [Movement.groupement_id == groupement_id, Movement.date >= first,
               Movement.date <= last]
    per: dict[int, dict[str, int]] = defaultdict(_counts)
    by_category = {c: {"loans": 0, "donations": 0} for c in Category}
    totals = {"loans": 0, "donations": 0}
    for kind, category, from_id, to_id, count in db.session.execute(
            select(Movement.kind, Movement.category, Movement.from_id, Movement.to_id,
                   func.count(Movement.id))
            .where(*in_year)
            .group_by(Movement.kind, Movement.category, Movement.from_id, Movement.to_id)):
        noun = "loans" if kind == MovementKind.LOAN else "donations"
        totals[noun] += count
        by_category[category][noun] += count
        per[from_id][f"{noun}_given"] += count
        per[to_id][f"{noun}_received"] += count
    returned = db.session.scalar(select(func.count(Movement.id)).where(
        Movement.groupement_id == groupement_id, Movement.returned_on >= first,
        Movement.returned_on <= last)) or 0
    out = overdue = 0
    late = func.sum(case((Movement.expected_return < as_of, 1), else_=0))
    for from_id, to_id, count, late_count in db.session.execute(
            select(Movement.from_id, Movement.to_id, func.count(Movement.id), late)
            .where(Movement.groupement_id == groupement_id,
                   and_(*_out_on(as_of)) if as_of >= first else false())
            .group_by(Movement.from_id, Movement.to_id)):
        out += count
        overdue += int(late_count or 0)
        per[from_id]["out_lent"] += count
        per[to_id]["out_borrowed"] += count
    movements = [
        {"id": mid, "date": day.isoformat(), "kind": str(kind),
         "kind_label": kind.label, "item": item,
         "category": str(category), "category_label": category.label,
         "serial_number": serial, "from_id": from_id, "to_id": to_id,
         "expected_return": expected.isoformat() if expected else None,
         "returned_on": back.isoformat() if back else None}
        for mid, day, kind, item, category, serial, from_id, to_id, expected, back
        in db.session.execute(
            select(Movement.id, Movement.date, Movement.kind, Movement.item, Movement.category,
                   Movement.serial_number, Movement.from_id, Movement.to_id,
                   Movement.expected_return, Movement.returned_on)
            .where(*in_year).order_by(Movement.date, Movement.id))]
    return {
        "year": year, "as_of": as_of.isoformat(),
        "totals": {**totals, "returned": int(returned), "out": out, "overdue": overdue},
        "by_category": [{"category": str(c), "label": c.label, **by_category[c]}
                        for c in Category if any(by_category[c].values())],
        "establishments": [{"id": eid, **per[eid]} for eid in establishment_ids(groupement_id)],
        "movements": movements,
    }
