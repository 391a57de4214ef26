"""The yearly billing page's content for one user, in one service call:
:func:`year_page` (the view only picks the lists' page numbers and renders).

The page of a year at scale (bench/: ~100,000 billable interventions in a year
of a million-session groupement) shows a page of each list at a time; the
exports stay whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from gic import timeutil
from gic.admin.services import establishments_of
from gic.billing.services import (
    BillingSummary,
    billing_summary,
    billing_years,
    pair_details,
    pending_lines,
    secondments_note,
)
from gic.convention.rules import check_year
from gic.convention.years import closed_years
from gic.errors import Forbidden, InvalidField, NotFound
from gic.models import Establishment, User
from gic.ordered.figures import figures_json
from gic.pages import ListPage
from gic.policy import can

PAIRS_PER_PAGE = 25        # pairs, and their interventions below them
DETAIL_PER_PAIR = 10       # interventions shown under each pair (then a link)
PENDING_PER_PAGE = 50
SETTLEMENTS_PER_PAGE = 50

# The page's lists, by the query parameter of their page number.
PAIRS, PENDING, SETTLEMENTS = "paires", "attente", "reglements"
LISTS = (PAIRS, PENDING, SETTLEMENTS)


@dataclass
class YearPage:
    """What the billing page of ``year`` shows one user. ``summary`` is None for
    the coordinator, who manages closures without reading the amounts (SPEC §1)."""

    year: int
    summary: BillingSummary | None
    closed: bool
    closed_years: list[int]
    current_year: int
    years: range
    names: dict[int, Establishment]
    lists: dict[str, Any] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """The template's variables (the lists' names among them)."""
        values = {name: getattr(self, name) for name in (
            "year", "summary", "closed", "closed_years", "current_year", "years", "names")}
        return {**values, **self.lists}


def year_page(user: User, year: int, pages: Mapping[str, int] | None = None) -> YearPage:
    """The billing page of ``year`` for ``user``, each list at its page number in
    ``pages`` (by :data:`LISTS` name, default the first). NotFound for an
    implausible year (checked before the role), Forbidden for who may not read it."""
    try:
        check_year(year)
    except InvalidField:
        raise NotFound(gettext("Année introuvable.")) from None
    try:
        summary = billing_summary(user, year)
    except Forbidden:
        if not can(user, "billing.reopen"):  # the coordinator follows the closing
            raise
        summary = None
    closed = closed_years(user.groupement_id)
    page = YearPage(
        year=year, summary=summary, closed=year in closed,
        closed_years=sorted(closed, reverse=True),
        current_year=timeutil.local_today(user.groupement.timezone).year,
        years=billing_years(user.groupement),
        # Every establishment the figures may name: candidates have a cap gauge too.
        names={e.id: e for e in establishments_of(user, candidates=True)})
    if summary is not None:
        page.lists = _lists(user, summary, pages or {})
    return page


def _lists(user: User, summary: BillingSummary, pages: Mapping[str, int]) -> dict[str, Any]:
    year = summary.year
    note = secondments_note(year, len(summary.secondments))
    if summary.ordered is not None:  # issue 16: the ordered-hours model's figures
        return {"ordered": figures_json(summary.ordered),
                "ordered_names": {r.establishment_id: r.name for r in summary.ordered.rows},
                "secondments_note": note}
    pairs = ListPage(summary.lines, PAIRS_PER_PAGE, PAIRS, page=pages.get(PAIRS, 1))
    pending = ListPage(summary.pending, PENDING_PER_PAGE, PENDING, page=pages.get(PENDING, 1))
    return {
        "pairs": pairs,
        "details": pair_details(
            user, year, [(line["provider_id"], line["beneficiary_id"]) for line in pairs.items],
            per_pair=DETAIL_PER_PAIR),
        "pending": pending,
        "pending_lines": pending_lines(
            user, year, [p["intervention_id"] for p in pending.items]),
        "settlements": ListPage(summary.settlements, SETTLEMENTS_PER_PAGE, SETTLEMENTS,
                                page=pages.get(SETTLEMENTS, 1)),
        "secondments_note": note,
    }
