"""The billing page's one service, :func:`gic.billing.page.year_page`: what the page
of a year shows each reader, its lists paged by the numbers the view passes."""

from __future__ import annotations

from datetime import date

import pytest

from gic.billing.page import PAIRS, PENDING, SETTLEMENTS, year_page
from gic.billing.services import close_year
from gic.errors import Forbidden, NotFound
from gic.interventions import services
from tests.helpers import accepted, session

YEAR = 2025


@pytest.fixture
def billed(world):
    """2025: A→B 10 h and B→A 7 h validated, C→B 7 h 20 validated; A→C accepted (pending)."""
    for provider, beneficiary, end in (("A", "B", "18:00"), ("B", "A", "15:00"),
                                       ("C", "B", "15:20")):
        i = accepted(world, provider, beneficiary)
        session(world, i, date(YEAR, 3, 3), "08:00", end)
        services.complete(i, i.technician, "Fait.")
        services.validate(i, world.directors[beneficiary])
    pending = accepted(world, "A", "C")
    session(world, pending, date(YEAR, 3, 6), "08:00", "16:00")
    return pending


def test_the_accountant_reads_every_list_at_the_pages_asked(world, billed, monkeypatch):
    from gic.billing import page as billing_page
    monkeypatch.setattr(billing_page, "PAIRS_PER_PAGE", 1)
    first = year_page(world.accountant, YEAR)
    second = year_page(world.accountant, YEAR, {PAIRS: 2, PENDING: 1, SETTLEMENTS: 9})
    assert first.summary is not None and first.year == YEAR and not first.closed
    assert first.lists["pairs"].total == second.lists["pairs"].total == 3  # A→B, B→A, C→B
    assert (first.lists["pairs"].page, second.lists["pairs"].page) == (1, 2)
    assert first.lists["pairs"].items != second.lists["pairs"].items
    assert second.lists["settlements"].page == second.lists["settlements"].pages  # clamped
    assert [line.intervention_id for line in first.lists["pending_lines"]] == [billed.id]
    assert set(first.names) == {e.id for e in world.establishments.values()}
    context = first.context()
    assert context["pairs"] is first.lists["pairs"] and context["summary"] is first.summary


def test_a_director_reads_his_pairs_only(world, billed):
    page = year_page(world.directors["C"], YEAR)
    c = world.establishments["C"].id
    assert page.lists["pairs"].total == 1
    assert all(c in (line["provider_id"], line["beneficiary_id"])
               for line in page.lists["pairs"].items)


def test_the_coordinator_sees_the_closures_not_the_amounts(world, billed):
    services.complete(billed, billed.technician, "Fait.")
    services.validate(billed, world.directors["C"])
    close_year(world.accountant, YEAR)
    page = year_page(world.coordinator, YEAR)
    assert page.summary is None and page.lists == {}
    assert page.closed and page.closed_years == [YEAR]


def test_others_are_refused_and_an_implausible_year_is_not_found(world):
    with pytest.raises(Forbidden):
        year_page(world.technicians["A"], YEAR)
    with pytest.raises(NotFound):  # before the role: no page of that year for anyone
        year_page(world.technicians["A"], 1800)
