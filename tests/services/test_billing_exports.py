"""The detailed yearly billing (per intervention) and its CSV and XLSX exports.

The CSV is read back with Python's csv module (``;``, ``utf-8-sig``) and the
XLSX with openpyxl, as an accountant's spreadsheet would read them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from gic.billing import exports
from gic.billing.services import billing_detail, close_year, export_detail
from gic.errors import Forbidden, InvalidField
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention
from tests.api.test_query_counts import count_queries
from tests.conftest import worlds_built_once
from tests.helpers import accepted, session

YEAR = 2025
SHEETS = ["Interventions", "Totaux par paire", "En attente", "Règlements", "Détachements"]


def finish(world, i, beneficiary: str, validate: bool = True):
    services.complete(i, i.technician, "Fait.")
    if validate:
        services.validate(i, world.directors[beneficiary])


def billed_year(world) -> dict:
    """2025 of a GIC 65-like groupement:

    - A→B: two validated interventions of 7 h 20 (worked example 8: 183,33 € each,
      but 880 min → 366,67 € for the pair), the second over two days;
    - B→A: 7 h validated (175,00 €), so B pays A 191,67 € net;
    - A→C: 4 h in December 2024 + 4 h in January 2025, validated: 2025 bills 240 min;
    - C→B: 8 h on site, completed but not validated (pending);
    - A→C: 6 h 59 on site (free: not billable, not listed).
    """
    first = accepted(world, "A", "B")
    session(world, first, date(YEAR, 3, 3), "08:00", "15:20")
    finish(world, first, "B")
    second = accepted(world, "A", "B")
    session(world, second, date(YEAR, 4, 7), "08:00", "12:00")
    session(world, second, date(YEAR, 4, 9), "08:00", "11:20")
    finish(world, second, "B")
    back = accepted(world, "B", "A")
    session(world, back, date(YEAR, 5, 5), "08:00", "15:00")
    finish(world, back, "A")
    across = accepted(world, "A", "C")
    session(world, across, date(YEAR - 1, 12, 15), "08:00", "12:00")
    session(world, across, date(YEAR, 1, 12), "08:00", "12:00")
    finish(world, across, "C")
    pending = accepted(world, "C", "B")
    session(world, pending, date(YEAR, 6, 2), "08:00", "16:00")
    finish(world, pending, "B", validate=False)
    free = accepted(world, "A", "C")
    session(world, free, date(YEAR, 6, 3), "08:00", "14:59")
    finish(world, free, "C")
    return {"first": first, "second": second, "back": back, "across": across,
            "pending": pending, "free": free}


def billed_built_once():
    """The fixtures ``base, world, other_world, extra, billed`` of a file whose tests
    all start from :func:`billed_year`, built once for the file (a third of a second
    each time)."""
    fixtures = worlds_built_once(
        lambda world: {name: i.id for name, i in billed_year(world).items()})

    @pytest.fixture(name="billed")
    def billed_fixture(extra) -> dict[str, Intervention]:
        billed = {name: db.session.get(Intervention, i) for name, i in extra.items()}
        db.session.commit()  # as billed_year leaves the session
        return billed

    return (*fixtures, billed_fixture)


base, world, other_world, extra, billed = billed_built_once()


def read_csv(data: bytes) -> list[dict]:
    """The CSV as French Excel would read it: BOM, ``;``, CRLF."""
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def section(rows: list[dict], name: str) -> list[dict]:
    return [row for row in rows if row["Section"] == name]


def read_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


# --- The detail ---------------------------------------------------------------------

def test_accountant_detail_per_pair_with_the_pair_rounded_once(world, billed):
    detail = billing_detail(world.accountant, YEAR)
    e = world.establishments
    pairs = {(p.provider_id, p.beneficiary_id): p for p in detail.pairs}
    assert set(pairs) == {(e["A"].id, e["B"].id), (e["A"].id, e["C"].id),
                          (e["B"].id, e["A"].id)}
    a_to_b = pairs[(e["A"].id, e["B"].id)]
    assert a_to_b.minutes == 880 and a_to_b.amount == Decimal("366.67")  # example 8
    assert [(line.intervention_id, line.minutes, line.amount) for line in a_to_b.interventions] \
        == [(billed["first"].id, 440, Decimal("183.33")),
            (billed["second"].id, 440, Decimal("183.33"))]
    second = a_to_b.interventions[1]
    assert (second.first_day, second.last_day) == (date(YEAR, 4, 7), date(YEAR, 4, 9))
    assert second.technician == "Technicien A" and second.state == "validated"
    # Only the 2025 half of an intervention over two years is billed in 2025.
    across = pairs[(e["A"].id, e["C"].id)].interventions
    assert [(line.intervention_id, line.minutes, line.first_day, line.amount) for line in across] \
        == [(billed["across"].id, 240, date(YEAR, 1, 12), Decimal("100.00"))]
    assert [(p.intervention_id, p.minutes, p.state) for p in detail.pending] \
        == [(billed["pending"].id, 480, "completed")]
    assert detail.summary.settlements == [
        {"from_id": e["B"].id, "to_id": e["A"].id, "amount": Decimal("191.67")},
        {"from_id": e["C"].id, "to_id": e["A"].id, "amount": Decimal("100.00")}]
    assert detail.total_minutes == 880 + 420 + 240
    assert detail.total_amount == Decimal("641.67")
    assert detail.groupement_name == "GIC 65" and not detail.closed


def test_director_sees_only_his_pairs(world, billed):
    e = world.establishments
    detail = billing_detail(world.directors["C"], YEAR)
    assert [(p.provider_id, p.beneficiary_id) for p in detail.pairs] == [(e["A"].id, e["C"].id)]
    assert [p.intervention_id for p in detail.pending] == [billed["pending"].id]  # C→B
    detail_b = billing_detail(world.directors["B"], YEAR)
    ids = {line.intervention_id for p in detail_b.pairs for line in p.interventions}
    assert ids == {billed["first"].id, billed["second"].id, billed["back"].id}


@pytest.mark.parametrize("who", ["technician", "coordinator"])
def test_detail_refused_to_others(world, billed, who):
    user = world.technicians["A"] if who == "technician" else world.coordinator
    with pytest.raises(Forbidden):
        billing_detail(user, YEAR)


@pytest.mark.parametrize("who", ["technician", "coordinator"])
def test_exports_are_for_accountants_and_directors(world, who):
    user = {"technician": world.technicians["A"], "coordinator": world.coordinator}[who]
    with pytest.raises(Forbidden):
        export_detail(user, YEAR)


def test_a_directors_export_is_scoped_to_his_pairs(world, billed):
    detail = export_detail(world.directors["C"], YEAR)
    assert detail.scope == world.establishments["C"].id
    assert detail.scope_name == "Établissement C"
    assert {(p.provider_id, p.beneficiary_id) for p in detail.pairs} == {
        (world.establishments["A"].id, world.establishments["C"].id)}
    assert exports.filename(detail, "csv") == "facturation-gic-65-etablissement-c-2025.csv"


def test_implausible_year_is_refused(world):
    with pytest.raises(InvalidField):
        export_detail(world.accountant, 1999)


def test_other_groupement_is_never_in_the_detail(world, other_world, billed):
    x_to_y = accepted(other_world, "X", "Y")
    session(other_world, x_to_y, date(YEAR, 3, 3), "08:00", "15:00")
    finish(other_world, x_to_y, "Y")
    mine = billing_detail(world.accountant, YEAR)
    assert x_to_y.id not in {line.intervention_id for p in mine.pairs for line in p.interventions}
    assert "Établissement X" not in mine.names.values()
    theirs = billing_detail(other_world.accountant, YEAR)
    assert [(p.minutes, p.amount) for p in theirs.pairs] == [(420, Decimal("210.00"))]
    assert theirs.pending == [] and "Établissement A" not in theirs.names.values()


def test_queries_do_not_grow_with_interventions(world, billed):
    db.session.expire_all()
    with count_queries() as few:
        billing_detail(world.accountant, YEAR)
    for provider, beneficiary in (("B", "C"), ("C", "A"), ("A", "B")):
        i = accepted(world, provider, beneficiary)
        session(world, i, date(YEAR, 9, 1), "08:00", "15:00")
        finish(world, i, beneficiary)
    db.session.expire_all()
    with count_queries() as more:
        detail = billing_detail(world.accountant, YEAR)
    assert len(detail.pairs) == 5
    assert more["n"] == few["n"]


# --- Neutralising formulas -------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd", "'+cmd"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Établissement A", "Établissement A"), ("a=b", "a=b"), ("", ""), ("7 h 20", "7 h 20"),
])
def test_neutralise(text, expected):
    assert exports.neutralise(text) == expected


# --- CSV ------------------------------------------------------------------------------

def test_csv_reads_back_with_french_numbers_hours_and_dates(world, billed):
    rows = read_csv(exports.to_csv(export_detail(world.accountant, YEAR)))
    assert list(rows[0]) == list(exports.CSV_HEADER)
    first, second = [r for r in section(rows, "Interventions")
                     if r["Bénéficiaire"] == "Établissement B"]
    assert first["N° demande"] == str(billed["first"].id)
    assert (first["Prestataire"], first["Technicien"]) == ("Établissement A", "Technicien A")
    assert (first["Premier jour"], first["Dernier jour"]) == ("03/03/2025", "03/03/2025")
    assert (second["Premier jour"], second["Dernier jour"]) == ("07/04/2025", "09/04/2025")
    assert (first["Minutes facturables"], first["Heures"], first["Montant"]) \
        == ("440", "7 h 20", "183,33")
    assert first["État"] == "Validée" and first["Objet"] == "Serveur de fichiers en panne"
    totals = {(r["Prestataire"], r["Bénéficiaire"]): r for r in section(rows, "Totaux par paire")}
    pair = totals[("Établissement A", "Établissement B")]
    assert (pair["Minutes facturables"], pair["Heures"], pair["Montant"]) \
        == ("880", "14 h 40", "366,67")
    assert pair["Objet"] == "Total de la paire (2 interventions)"
    [pending] = section(rows, "En attente")
    assert (pending["N° demande"], pending["État"], pending["Heures"], pending["Montant"]) \
        == (str(billed["pending"].id), "Terminée", "8 h 00", "")
    settlements = section(rows, "Règlements")
    assert [(r["Bénéficiaire"], r["Prestataire"], r["Montant"]) for r in settlements] == [
        ("Établissement B", "Établissement A", "191,67"),
        ("Établissement C", "Établissement A", "100,00")]
    assert settlements[0]["Objet"] == \
        "Établissement B paie 191,67 € à Établissement A (solde net)"
    assert section(rows, "Détachements")[0]["Objet"] == "Aucun détachement temporaire en 2025."
    assert "arrondi une seule fois" in section(rows, "Note")[0]["Objet"]
    assert str(billed["free"].id) not in {r["N° demande"] for r in rows}


def test_csv_has_a_line_type_and_decimal_hours_after_the_first_twelve_columns(world, billed):
    rows = read_csv(exports.to_csv(export_detail(world.accountant, YEAR)))
    assert list(rows[0])[:12] == [
        "Section", "N° demande", "Prestataire", "Bénéficiaire", "Technicien", "Premier jour",
        "Dernier jour", "Minutes facturables", "Heures", "Montant", "État", "Objet"]
    assert list(rows[0])[12:] == ["Type de ligne", "Heures (décimal)", "Référence bénéficiaire"]
    kinds = {(r["Section"], r["Type de ligne"]) for r in rows}
    assert kinds == {("Interventions", "Intervention validée"),
                     ("Totaux par paire", "Total de la paire"),
                     ("En attente", "Intervention en attente"),
                     ("Règlements", "Règlement net"),
                     ("Détachements", "Note"), ("Note", "Note")}
    lines = [r for r in rows if r["Type de ligne"] == "Intervention validée"]
    assert [(r["Minutes facturables"], r["Heures"], r["Heures (décimal)"]) for r in lines] \
        == [("440", "7 h 20", "7,33"), ("440", "7 h 20", "7,33"), ("240", "4 h 00", "4,00"),
            ("420", "7 h 00", "7,00")]
    pair = next(r for r in rows if r["Type de ligne"] == "Total de la paire")
    assert (pair["Minutes facturables"], pair["Heures (décimal)"]) == ("880", "14,67")
    [pending] = [r for r in rows if r["Type de ligne"] == "Intervention en attente"]
    assert pending["Heures (décimal)"] == "8,00"
    assert {r["Heures (décimal)"] for r in rows
            if r["Type de ligne"] in ("Règlement net", "Note")} == {""}
    # Filtering out the notes leaves only rows with figures.
    assert all(r["Montant"] or r["Minutes facturables"] for r in rows
               if r["Type de ligne"] != "Note")


def test_the_beneficiary_reference_is_in_both_exports(world, billed):
    """Issue 14, item 3: the beneficiary's own reference (its ticket number) on the
    rows of its interventions, validated and pending; empty elsewhere."""
    billed["first"].beneficiary_reference = "TCK-2025-0042"
    billed["pending"].beneficiary_reference = "=GLPI-9"
    db.session.commit()
    detail = export_detail(world.accountant, YEAR)
    rows = read_csv(exports.to_csv(detail))
    by_number = {r["N° demande"]: r["Référence bénéficiaire"] for r in rows if r["N° demande"]}
    assert by_number[str(billed["first"].id)] == "TCK-2025-0042"
    assert by_number[str(billed["second"].id)] == ""
    assert by_number[str(billed["pending"].id)] == "'=GLPI-9"  # neutralised like any text
    assert {r["Référence bénéficiaire"] for r in rows if not r["N° demande"]} == {""}
    wb = read_xlsx(exports.to_xlsx(detail))
    interventions = {row[0].value: row[-1].value for row in wb["Interventions"].iter_rows(
        min_row=2) if isinstance(row[0].value, int)}
    assert interventions[billed["first"].id] == "TCK-2025-0042"
    assert interventions[billed["second"].id] in ("", None)
    pending = wb["En attente"]
    assert pending.cell(1, pending.max_column).value == "Référence bénéficiaire"
    assert pending.cell(2, pending.max_column).value == "'=GLPI-9"


@pytest.mark.parametrize(("minutes", "hours"), [
    (440, "7.33"), (880, "14.67"), (1, "0.02"), (30, "0.50"), (0, "0.00"), (2100, "35.00"),
    (41_701_990, "695033.17")])
def test_decimal_hours_from_minutes_rounded_half_up(minutes, hours):
    value = exports.decimal_hours(minutes)
    assert isinstance(value, Decimal) and str(value) == hours


def test_csv_streams_in_chunks_with_the_bom_once(world, billed, monkeypatch):
    monkeypatch.setattr(exports, "CSV_CHUNK_ROWS", 2)
    detail = export_detail(world.accountant, YEAR)
    chunks = list(exports.csv_chunks(detail))
    assert len(chunks) > 3
    assert b"".join(chunks) == exports.to_csv(detail)
    assert b"".join(chunks).count(b"\xef\xbb\xbf") == 1


# --- XLSX -----------------------------------------------------------------------------

def test_xlsx_sheets_typed_cells_formats_and_frozen_header(world, billed):
    wb = read_xlsx(exports.to_xlsx(export_detail(world.accountant, YEAR)))
    assert wb.sheetnames == SHEETS
    ws = wb["Interventions"]
    header = [c.value for c in ws[1]]
    assert header == ["N° demande", "Prestataire", "Bénéficiaire", "Technicien",
                      "Premier jour", "Dernier jour", "Minutes facturables", "Heures",
                      "Montant indicatif", "Objet", "Heures (décimal)",
                      "Référence bénéficiaire"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    # 30 characters as Excel stores them: 30 digits of 7 px + 5 px of padding, in 1/256.
    assert ws.column_dimensions["B"].width == (30 * 7 + 5) * 256 // 7 / 256
    row = [c for c in ws[2]]
    assert row[0].value == billed["first"].id and isinstance(row[0].value, int)
    assert row[4].value == datetime(YEAR, 3, 3) and row[4].is_date
    assert row[4].number_format == exports.DATE_FORMAT
    assert row[6].value == 440 and isinstance(row[6].value, int)
    assert row[7].value == "7 h 20" and row[7].data_type == "s"
    assert Decimal(str(row[8].value)) == Decimal("183.33") and row[8].data_type == "n"
    assert row[8].number_format == exports.MONEY_FORMAT
    totals = wb["Totaux par paire"]
    assert [c.value for c in totals[2]] == ["Établissement A", "Établissement B", 2, 880,
                                           "14 h 40", 366.67, 14.67]
    assert totals["F2"].number_format == exports.MONEY_FORMAT
    assert totals.freeze_panes == "A2"
    pending = wb["En attente"]
    assert [c.value for c in pending[2]][:4] == [billed["pending"].id, "Établissement C",
                                                 "Établissement B", "Terminée"]
    assert pending["F2"].value == datetime(YEAR, 6, 2)
    settlements = wb["Règlements"]
    assert [[c.value for c in r] for r in settlements.iter_rows(min_row=2, max_row=3)] == [
        ["Établissement B", "Établissement A", 191.67],
        ["Établissement C", "Établissement A", 100]]
    assert wb["Détachements"]["A3"].value == "Aucun détachement temporaire en 2025."


def _width(ws, index: int) -> float:
    """A column's width; XlsxWriter writes adjacent columns of one width as one range."""
    return next(d.width for d in ws.column_dimensions.values() if d.min <= index <= d.max)


def test_xlsx_prints_landscape_on_the_page_width_with_the_header_on_each_page(world, billed):
    wb = read_xlsx(exports.to_xlsx(export_detail(world.accountant, YEAR)))
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth or 1) == 1  # absent means 1 (ECMA-376 default)
        assert setup.fitToHeight == 0  # as many pages down as needed
        assert ws.print_title_rows == "$1:$1"
        assert ws.print_options.gridLines
        assert ws.oddHeader.left.text == "Facturation 2025 — GIC 65"
        assert ws.oddFooter.center.text == "Page &P / &N"
        # Full headers: wrapped between words, each word within its column.
        for cell in ws[1]:
            assert cell.font.b and cell.alignment.wrap_text
            longest = max(len(word) for word in cell.value.split())
            assert _width(ws, cell.column) >= longest + 2, (ws.title, cell.value)
    interventions = wb["Interventions"]
    assert interventions.row_dimensions[1].height == 30  # « Minutes / facturables »
    assert interventions["K1"].value == "Heures (décimal)"
    assert interventions["K2"].value == 7.33 and interventions["K2"].number_format == "0.00"


def test_xlsx_amounts_are_written_from_decimals_exactly(world, billed):
    data = exports.to_xlsx(export_detail(world.accountant, YEAR))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        sheet = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<v>366.67</v>" in sheet and "<v>175</v>" in sheet
    assert "docProps/core.xml" in names
    detail = export_detail(world.accountant, YEAR)
    wb = read_xlsx(data)
    totals = [Decimal(str(r[5].value)) for r in wb["Totaux par paire"].iter_rows(
        min_row=2, max_row=len(detail.pairs) + 1)]
    assert totals == [pair.amount for pair in detail.pairs]
    expected = [line.amount for pair in detail.pairs for line in pair.interventions]
    lines = [Decimal(str(r[8].value)) for r in wb["Interventions"].iter_rows(
        min_row=2, max_row=len(expected) + 1)]
    assert lines == expected


@pytest.mark.parametrize("amount", ["183.33", "9.95", "0.07", "-12.30", "9999999999999.99"])
def test_xlsx_number_reads_back_as_the_same_cents(amount):
    # XlsxWriter writes a number with 16 significant digits (« 9.949999999999999 »
    # for 9.95): parsed back, it is the same float, read as the same Decimal.
    written = f"{exports.xlsx_number(Decimal(amount)):.16G}"
    assert Decimal(repr(float(written))) == Decimal(amount)


@pytest.mark.parametrize("amount", ["0.001", "10000000000000.00"])
def test_xlsx_number_refuses_what_a_float_cannot_keep(amount):
    with pytest.raises(ValueError):
        exports.xlsx_number(Decimal(amount))


# --- Formula injection -------------------------------------------------------------------

@pytest.fixture
def hostile(world, billed):
    """An establishment, a technician and descriptions a spreadsheet could run."""
    world.establishments["C"].name = "=EVIL()"
    world.technicians["A"].name = "+cmd|' /C calc'!A0"
    billed["first"].description = "=HYPERLINK(\"http://evil.test\",\"clic\")"
    billed["second"].description = "\x01@SUM(1+1)"  # a control character first
    db.session.commit()
    return billed


def test_formulas_are_neutralised_in_csv(world, hostile):
    rows = read_csv(exports.to_csv(export_detail(world.accountant, YEAR)))
    lines = section(rows, "Interventions")
    assert lines[0]["Objet"] == "'=HYPERLINK(\"http://evil.test\",\"clic\")"
    assert lines[0]["Technicien"] == "'+cmd|' /C calc'!A0"
    assert {r["Bénéficiaire"] for r in lines} >= {"'=EVIL()"}
    assert section(rows, "En attente")[0]["Prestataire"] == "'=EVIL()"
    assert [r["Bénéficiaire"] for r in section(rows, "Règlements")] \
        == ["Établissement B", "'=EVIL()"]
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "-", "@")), row


def test_formulas_are_neutralised_in_xlsx(world, hostile):
    wb = read_xlsx(exports.to_xlsx(export_detail(world.accountant, YEAR)))
    ws = wb["Interventions"]
    assert ws["J2"].value == "'=HYPERLINK(\"http://evil.test\",\"clic\")"
    assert ws["J3"].value == "'@SUM(1+1)"  # control character removed, then neutralised
    assert ws["D2"].value == "'+cmd|' /C calc'!A0"
    assert wb["En attente"]["B2"].value == "'=EVIL()"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@"))


# --- Reproducible files -----------------------------------------------------------------

def test_closed_year_exports_are_byte_identical(world, billed, clock):
    services.validate(billed["pending"], world.directors["B"])
    closure = close_year(world.accountant, YEAR)
    detail = export_detail(world.accountant, YEAR)
    first_xlsx, first_csv = exports.to_xlsx(detail), exports.to_csv(detail)
    clock.shift(2)  # zip entries and core properties would carry the second otherwise
    db.session.expire_all()
    again = export_detail(world.accountant, YEAR)
    assert exports.to_xlsx(again) == first_xlsx
    assert exports.to_csv(again) == first_csv
    wb = read_xlsx(first_xlsx)
    closed_at = closure.closed_at.replace(microsecond=0)
    assert wb.properties.created == wb.properties.modified == closed_at
    with zipfile.ZipFile(io.BytesIO(first_xlsx)) as archive:  # XlsxWriter's fixed date
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 31, 0, 0, 0)}


def test_open_year_differs_only_by_its_time(world, billed, clock):
    detail = export_detail(world.accountant, YEAR)
    clock.move_to(datetime(2026, 1, 2, 3, 4, 5), tick=False)
    one = exports.to_xlsx(detail)
    assert exports.to_xlsx(detail) == one
    assert read_xlsx(one).properties.modified == datetime(2026, 1, 2, 3, 4, 5)
    clock.shift(2)
    other = exports.to_xlsx(detail)
    assert other != one
    with zipfile.ZipFile(io.BytesIO(one)) as a, zipfile.ZipFile(io.BytesIO(other)) as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert changed == ["docProps/core.xml"]


def test_filename_is_the_groupement_slug_and_year(world, other_world):
    assert exports.slug("GCSMS Démo") == "gcsms-demo"
    assert exports.filename(export_detail(world.accountant, YEAR), "csv") \
        == "facturation-gic-65-2025.csv"
    assert exports.filename(export_detail(other_world.accountant, 2024), "xlsx") \
        == "facturation-gcsms-demo-2024.xlsx"


def test_markup_and_line_breaks_survive_both_formats(world, billed):
    billed["first"].description = "a < b & c > d\r\nligne 2 ; « fin »"
    db.session.commit()
    detail = export_detail(world.accountant, YEAR)
    [row] = [r for r in section(read_csv(exports.to_csv(detail)), "Interventions")
             if r["N° demande"] == str(billed["first"].id)]
    assert row["Objet"] == "a < b & c > d\r\nligne 2 ; « fin »"
    # The CR is stored as « _x000D_ » (ECMA-376 ST_Xstring), which Excel decodes and
    # openpyxl leaves as is.
    assert unescape(read_xlsx(exports.to_xlsx(detail))["Interventions"]["J2"].value) \
        == "a < b & c > d\r\nligne 2 ; « fin »"


def test_text_looking_like_xlsx_markup_stays_text(world, billed):
    """XlsxWriter copies a text « <r>…</r> » raw into the sheet: it must not
    inject cells (here a formula) into the file."""
    injected = ('<r><t>a</t></r></is></c><c r="K2"><f>1+1</f></c>'
                '<c r="M2" t="inlineStr"><is><r><t>b</t></r>')
    billed["first"].description = injected
    db.session.commit()
    ws = read_xlsx(exports.to_xlsx(export_detail(world.accountant, YEAR)))["Interventions"]
    assert ws["J2"].value == injected
    assert ws.max_column == 12 and ws["K2"].value == 7.33 and ws["M2"].value is None


@pytest.mark.parametrize("title", ["Facturation 2026 — A & B", "&" * 150, "x" * 199 + "&&&",
                                   "Facturation 2026 — " + "Centre & Foyer " * 30])
def test_the_page_header_keeps_its_ampersands_whole(title):
    """A long groupement name is cut before the « & » are doubled: no lone « & » is
    left to swallow the sheet-name code that follows."""
    from gic.billing.exports import HEADER_LIMIT, page_header_text

    text = page_header_text(title)
    assert len(text) <= HEADER_LIMIT
    assert re.fullmatch(r"(?:[^&]|&&)*", text)  # only doubled « & »
    assert text.replace("&&", "&") == title[:len(text.replace("&&", "&"))]
