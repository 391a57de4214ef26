"""The detailed billing page and the CSV/XLSX downloads, through the web client."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from gic.billing.services import close_year
from gic.extensions import db
from gic.interventions import services
from tests.conftest import client_for
from tests.helpers import accepted, session, text_of
from tests.services.test_billing_exports import YEAR, billed_built_once, finish

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(response) -> list[dict]:
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


base, world, other_world, extra, billed = billed_built_once()


def _user(world, other_world, who):
    return {None: None, "technician": world.technicians["A"], "director": world.directors["A"],
            "coordinator": world.coordinator, "accountant": world.accountant,
            "other_accountant": other_world.accountant}[who]


# --- Who may download ---------------------------------------------------------------

@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("technician", 403), ("director", 200), ("coordinator", 403),
    ("accountant", 200), ("other_accountant", 200),
])
def test_download_permission_table(app, world, other_world, billed, extension, who, status):
    response = client_for(app, _user(world, other_world, who)).get(
        f"/billing/{YEAR}.{extension}")
    assert response.status_code == status
    if who is None:
        assert "/login" in response.headers["Location"]
    elif status == 403:
        assert "attachment" not in response.headers.get("Content-Disposition", "")
    else:
        slug = {"accountant": "gic-65", "director": "gic-65-etablissement-a",
                "other_accountant": "gcsms-demo"}[who]
        assert response.headers["Content-Disposition"] \
            == f'attachment; filename="facturation-{slug}-{YEAR}.{extension}"'
        assert response.headers["Cache-Control"] == "private, no-store"
        expected = "text/csv; charset=utf-8" if extension == "csv" else XLSX
        assert response.headers["Content-Type"] == expected


def test_other_groupement_downloads_only_its_own(app, world, other_world, billed):
    x_to_y = accepted(other_world, "X", "Y")
    session(other_world, x_to_y, date(YEAR, 3, 3), "08:00", "15:00")
    finish(other_world, x_to_y, "Y")
    theirs = csv_rows(client_for(app, other_world.accountant).get(f"/billing/{YEAR}.csv"))
    assert {r["Prestataire"] for r in theirs if r["Section"] == "Interventions"} \
        == {"Établissement X"}
    assert [r["Montant"] for r in theirs if r["Section"] == "Totaux par paire"] == ["210,00"]
    assert not any("Établissement A" in value for r in theirs for value in r.values())
    mine = csv_rows(client_for(app, world.accountant).get(f"/billing/{YEAR}.csv"))
    assert not any("Établissement X" in (value or "") for r in mine for value in r.values())
    wb = load_workbook(io.BytesIO(
        client_for(app, other_world.accountant).get(f"/billing/{YEAR}.xlsx").data))
    assert [c.value for c in wb["Totaux par paire"][2]] == [
        "Établissement X", "Établissement Y", 1, 420, "7 h 00", 210, 7]


def test_implausible_year_is_not_found(app, world):
    assert client_for(app, world.accountant).get("/billing/1999.csv").status_code == 404


# --- What is downloaded ---------------------------------------------------------------

def test_csv_download_has_worked_example_8(app, world, billed):
    response = client_for(app, world.accountant).get(f"/billing/{YEAR}.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    pair = [r for r in rows if r["Section"] == "Totaux par paire"
            and r["Bénéficiaire"] == "Établissement B"][0]
    assert (pair["Minutes facturables"], pair["Heures"], pair["Montant"]) \
        == ("880", "14 h 40", "366,67")
    lines = [r for r in rows if r["Section"] == "Interventions"
             and r["Bénéficiaire"] == "Établissement B"]
    assert [r["Montant"] for r in lines] == ["183,33", "183,33"]


def test_xlsx_download_has_worked_example_8(app, world, billed):
    response = client_for(app, world.accountant).get(f"/billing/{YEAR}.xlsx")
    wb = load_workbook(io.BytesIO(response.data))
    totals = wb["Totaux par paire"]
    assert totals["F2"].value == 366.67 and totals["F2"].data_type == "n"
    assert totals["D2"].value == 880


def test_closed_year_downloads_are_byte_identical(app, world, billed):
    services.validate(billed["pending"], world.directors["B"])
    close_year(world.accountant, YEAR)
    client = client_for(app, world.accountant)
    for extension in ("csv", "xlsx"):
        first = client.get(f"/billing/{YEAR}.{extension}").data
        db.session.expire_all()
        assert client.get(f"/billing/{YEAR}.{extension}").data == first


# --- The page -------------------------------------------------------------------------

def test_accountant_page_has_the_detail_and_the_download_buttons(app, world, billed):
    page = text_of(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    assert f'href="/billing/{YEAR}.csv"' in page and "Télécharger CSV" in page
    assert f'href="/billing/{YEAR}.xlsx"' in page and "Télécharger XLSX" in page
    assert "Détail par paire : interventions validées" in page
    assert "<h3>Établissement A → Établissement B</h3>" in page
    for key in ("first", "second", "back", "across"):
        i = billed[key]
        assert f'href="/interventions/{i.id}">Demande n° {i.id}</a>' in page
    assert f"Demande n° {billed['free'].id}<" not in page  # 6 h 59: free
    assert "07/04/2025" in page and "09/04/2025" in page  # first and last day
    assert page.count("183,33 €") == 2 and "366,67 €" in page  # example 8
    assert "arrondi une seule fois" in page and "peut différer d'un centime" in page
    assert "Terminée" in page and "02/06/2025" in page  # pending, with its state and day


def test_director_sees_his_detail_and_downloads_his_pairs(app, world, billed):
    page = text_of(client_for(app, world.directors["C"]).get(f"/billing/{YEAR}"))
    assert f'href="/billing/{YEAR}.csv"' in page and f'href="/billing/{YEAR}.xlsx"' in page
    assert "Facturation 2025 de vos paires (Établissement C" in page
    assert "<h3>Établissement A → Établissement C</h3>" in page
    assert "<h3>Établissement A → Établissement B</h3>" not in page
    assert f"Demande n° {billed['across'].id}<" in page
    assert f"Demande n° {billed['first'].id}<" not in page


def test_coordinator_page_has_neither_detail_nor_buttons(app, world, billed):
    page = text_of(client_for(app, world.coordinator).get(f"/billing/{YEAR}"))
    assert "Télécharger" not in page and "Détail par paire" not in page


# --- A director's downloads: his own pairs only ---------------------------------------

def test_a_directors_csv_holds_his_pairs_only(app, world, billed):
    rows = csv_rows(client_for(app, world.directors["C"]).get(f"/billing/{YEAR}.csv"))
    pairs = {(r["Prestataire"], r["Bénéficiaire"]) for r in rows
             if r["Section"] in ("Interventions", "Totaux par paire", "En attente")}
    assert pairs == {("Établissement A", "Établissement C"), ("Établissement C", "Établissement B")}
    ids = {r["N° demande"] for r in rows if r["Section"] == "Interventions"}
    assert ids == {str(billed["across"].id)}
    # The settlement of A and B (B pays A 191,67 €) is not C's business.
    assert not [r for r in rows if r["Section"] == "Règlements"
                and "Établissement C" not in (r["Prestataire"], r["Bénéficiaire"])]


def test_a_directors_xlsx_holds_his_pairs_only(app, world, billed):
    response = client_for(app, world.directors["B"]).get(f"/billing/{YEAR}.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Totaux par paire"]
    pairs = {(row[0], row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)
             if row[0] and row[1]}
    assert pairs == {("Établissement A", "Établissement B"), ("Établissement B", "Établissement A")}


def test_the_pair_page_offers_the_directors_downloads(app, world, billed):
    a, b = world.establishments["A"].id, world.establishments["B"].id
    page = text_of(client_for(app, world.directors["B"]).get(f"/billing/{YEAR}/paires/{a}-{b}"))
    assert f'href="/billing/{YEAR}.csv"' in page and f'href="/billing/{YEAR}.xlsx"' in page
    assert "de vos paires (Établissement B" in page
