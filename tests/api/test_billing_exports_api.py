"""GET /api/v1/billing/{year}.csv and .xlsx: accountants (all), directors (their
pairs), bearer token."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from gic.api.openapi import document
from gic.billing import exports
from gic.billing.services import close_year
from gic.interventions import services
from tests.api.conftest import error_of
from tests.services.test_billing_exports import YEAR, billed_built_once

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


base, world, other_world, extra, billed = billed_built_once()


def _user(world, other_world, who):
    return {"technician": world.technicians["A"], "director": world.directors["B"],
            "coordinator": world.coordinator, "accountant": world.accountant,
            "other_accountant": other_world.accountant,
            "other_director": other_world.directors["X"]}[who]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_no_token_is_401(api, world, extension):
    response = api.get(f"/billing/{YEAR}.{extension}")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.parametrize(("who", "status"), [
    ("technician", 403), ("director", 200), ("coordinator", 403), ("other_director", 200),
    ("accountant", 200), ("other_accountant", 200),
])
def test_permission_table(api, world, other_world, billed, extension, who, status):
    response = api.get(f"/billing/{YEAR}.{extension}", _user(world, other_world, who))
    assert response.status_code == status
    if status == 403:
        error = error_of(response)
        assert error["message"] == ("Les exports de la facturation sont réservés aux "
                                    "comptables et aux directions (pour leurs paires).")
        return
    slug = {"accountant": "gic-65", "director": "gic-65-etablissement-b",
            "other_accountant": "gcsms-demo",
            "other_director": "gcsms-demo-etablissement-x"}[who]
    assert response.headers["Content-Disposition"] \
        == f'attachment; filename="facturation-{slug}-{YEAR}.{extension}"'
    assert response.headers["Content-Type"] == (
        "text/csv; charset=utf-8" if extension == "csv" else XLSX)


def test_implausible_year_is_422(api, world):
    response = api.get("/billing/1999.xlsx", world.accountant)
    assert response.status_code == 422
    assert error_of(response)["field"] == "year"


def test_csv_and_xlsx_carry_worked_example_8(api, world, billed):
    text = api.get(f"/billing/{YEAR}.csv", world.accountant).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    totals = {(r["Prestataire"], r["Bénéficiaire"]): r["Montant"]
              for r in rows if r["Section"] == "Totaux par paire"}
    assert totals[("Établissement A", "Établissement B")] == "366,67"
    wb = load_workbook(io.BytesIO(api.get(f"/billing/{YEAR}.xlsx", world.accountant).data))
    assert wb["Totaux par paire"]["F2"].value == 366.67
    assert wb["Totaux par paire"]["F2"].number_format == '#,##0.00 "€"'


def test_other_groupement_exports_only_its_own(api, world, other_world, billed):
    text = api.get(f"/billing/{YEAR}.csv", other_world.accountant).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert {r["Section"] for r in rows} == {"Détachements", "Note"}  # nothing billed there
    assert "Établissement A" not in text


def test_closed_year_exports_are_byte_identical(api, world, billed):
    services.validate(billed["pending"], world.directors["B"])
    close_year(world.accountant, YEAR)
    for extension in ("csv", "xlsx"):
        first = api.get(f"/billing/{YEAR}.{extension}", world.accountant).data
        assert api.get(f"/billing/{YEAR}.{extension}", world.accountant).data == first


def test_openapi_documents_both_downloads(app):
    paths = document()["paths"]
    for path, media in (("/billing/{year}.csv", "text/csv"), ("/billing/{year}.xlsx", XLSX)):
        operation = paths[path]["get"]
        assert list(operation["responses"]["200"]["content"]) == [media]
        assert {"401", "403", "422"} <= set(operation["responses"])
        assert operation["parameters"][0]["name"] == "year"


def test_csv_columns_are_documented_and_served(api, world, billed):
    description = document()["paths"]["/billing/{year}.csv"]["get"]["description"]
    missing = [title for title in exports.CSV_HEADER if title not in description]
    assert not missing, missing
    text = api.get(f"/billing/{YEAR}.csv", world.accountant).data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    pair = next(r for r in rows if r["Type de ligne"] == "Total de la paire"
                and r["Bénéficiaire"] == "Établissement B")
    assert (pair["Montant"], pair["Heures (décimal)"]) == ("366,67", "14,67")
    wb = load_workbook(io.BytesIO(api.get(f"/billing/{YEAR}.xlsx", world.accountant).data))
    assert wb["Interventions"].page_setup.orientation == "landscape"
