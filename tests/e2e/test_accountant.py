"""Journey 3: the accountant reads last year's billing, downloads the CSV and XLSX
exports, and closes the year."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gic.convention.years import closed_years
from gic.extensions import db
from gic.interventions import services
from gic.timeutil import local_today
from tests.e2e.conftest import expect
from tests.helpers import accepted, session

# Served in threads on their own connections: the journey's data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]


def _download(j, link: str):
    """Click the link ``link``; the file the browser downloaded (name, bytes)."""
    with j.page.expect_download() as info:
        j.page.get_by_role("link", name=link).click()
    download = info.value
    assert download.failure() is None
    with open(download.path(), "rb") as f:
        return download.suggested_filename, f.read()


def test_accountant(world, open_journey):
    """Last year: one validated A→B intervention of 7 h 20 on site (183,33 €, R3/R6);
    the accountant reads it, downloads both exports, closes the year."""
    year = local_today().year - 1
    i = accepted(world, provider="A", beneficiary="B")
    session(world, i, date(year, 3, 14), "08:00", "15:20", mode="onsite")
    session(world, i, date(year, 3, 17), "09:00", "10:30", mode="remote")  # free (R1)
    services.complete(i, world.technicians["A"], "Baie de brassage refaite.")
    services.validate(i, world.directors["B"])
    j = open_journey()
    page = j.page

    j.login(world.accountant)
    expect(page.get_by_role("heading", name=f"Facturable {year + 1}")).to_be_visible()
    j.check_accessibility("tableau de bord du comptable")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Facturation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Facturation {year + 1}")
    page.get_by_role("navigation", name="Années").get_by_role(
        "link", name=f"← {year}").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"Facturation {year}")
    expect(heading).to_contain_text("Année ouverte")
    line = page.locator("table tbody tr").first
    expect(line).to_contain_text("Établissement A")
    expect(line).to_contain_text("Établissement B")
    expect(line).to_contain_text("7 h 20")
    expect(line).to_contain_text("183,33 €")
    expect(page.locator("ul.settlements")).to_have_text(
        "Établissement B paie 183,33 € à l'établissement Établissement A")
    j.sees(f"14/03/{year}")
    j.sees("Aucune intervention facturable en attente.")
    j.check_accessibility("facturation de l'année")

    name, csv_bytes = _download(j, "Télécharger CSV")
    assert name == f"facturation-gic-65-{year}.csv"
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: French Excel reads UTF-8
    lines = csv_bytes[3:].decode("utf-8").split("\r\n")
    assert lines[0].split(";")[:4] == ["Section", "N° demande", "Prestataire", "Bénéficiaire"]
    assert (f"Interventions;{i.id};Établissement A;Établissement B;Technicien A;"
            f"14/03/{year};14/03/{year};440;7 h 20;183,33;Validée;") in csv_bytes.decode("utf-8")

    name, xlsx_bytes = _download(j, "Télécharger XLSX")
    assert name == f"facturation-gic-65-{year}.xlsx"
    book = load_workbook(io.BytesIO(xlsx_bytes))
    assert book.sheetnames[:4] == ["Interventions", "Totaux par paire", "En attente",
                                   "Règlements"]
    totals = [[c.value for c in row] for row in book["Totaux par paire"].iter_rows(min_row=2,
                                                                                   max_row=2)]
    assert totals[0][:5] == ["Établissement A", "Établissement B", 1, 440, "7 h 20"]
    assert Decimal(str(totals[0][5])) == Decimal("183.33")
    settlements = book["Règlements"]
    assert [c.value for c in settlements[2]][:2] == ["Établissement B", "Établissement A"]

    page.get_by_role("button", name=f"Clôturer l'année {year}").click()
    j.flash(f"L'année {year} est clôturée : sa facturation est figée.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Année clôturée")
    expect(page.get_by_role("button", name=f"Clôturer l'année {year}")).to_have_count(0)
    j.sees(f"Années clôturées : {year}.")
    j.check_accessibility("année clôturée")
    j.screenshot()

    db.session.rollback()
    assert closed_years(world.groupement.id) == {year}

