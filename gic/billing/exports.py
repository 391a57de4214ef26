"""CSV and XLSX exports of the yearly billing (SPEC §5), built from :class:`BillingDetail`.

Both formats show the same five views, from the same row builders:

- « Interventions »: each validated billable intervention, by pair;
- « Totaux par paire »: the pair's minutes and amount, rounded once (R6);
- « En attente »: billable interventions not yet validated (not billed);
- « Règlements »: the net settlement between each two establishments;
- « Détachements »: each approved secondment meeting the year (R8), billed under
  its own terms and settled apart from the pairs (its note says how);

and the note on rounding.

**CSV layout.** One rectangular table whose first column « Section » names the
view of each row (Interventions, Totaux par paire, En attente, Règlements,
Détachements, Note), under a single header row. French Excel and LibreOffice
open it with a double click and keep every column aligned; the accountant
filters or pivots on « Section » or on « Type de ligne » (sections separated by
blank lines, each with its own header, break sorting, filters and pivot tables).
It is written as French Excel expects: ``;`` separator, UTF-8 with a BOM (without
it Excel reads ANSI; a ``sep=;`` line would hide the BOM), CRLF line ends,
decimal comma without thousands separator (« 1234,56 » is read as a number),
dates ``dd/mm/yyyy``, minutes as plain integers, hours as text « 7 h 20 » and
as a decimal number « 7,33 ».

Its 15 columns (:data:`CSV_HEADER`; the last three came later, after the first
twelve, so that readers of those keep working): Section, N° demande,
Prestataire, Bénéficiaire, Technicien, Premier jour, Dernier jour, Minutes
facturables, Heures, Montant, État, Objet, **Type de ligne** (what the row is:
:attr:`View.line_type`, so that a filter keeps the interventions and drops the
totals and notes), **Heures (décimal)** (minutes / 60 rounded half up to
the hundredth, from Decimal: « 7,33 » for 440 minutes; to add up hours, sum
the minutes) and **Référence bénéficiaire** (the beneficiary's own reference
for the request, its ticket number…, on the intervention rows).

**XLSX.** One sheet per view, typed cells (minutes int, amounts Decimal with
the euro format, dates as dates ``DD/MM/YYYY``, hours as text « 7 h 20 » next
to the minutes and, in the last column, as a decimal number), bold frozen
header wrapped between words so each title shows whole, filters and column
widths, streamed with XlsxWriter (constant_memory mode). Printed on A4 in
landscape, fitted to the page's width (as many pages down as needed), the
header row repeated on each page, gridlines printed, the groupement, year and
sheet at the top and the page number at the foot.

**Formula injection.** Every text cell of both formats goes through
:func:`neutralise` (OWASP « CSV injection »).

**Reproducible files.** Rows are ordered by pair and intervention number; the
XLSX's core properties carry one time: the closing time of a closed year (so
its exports are byte-identical on every download), the time of the download for
an open year; XlsxWriter gives every zip entry a fixed date (1980).
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Response, stream_with_context
from flask_babel import gettext, ngettext

from gic import timeutil
from gic.billing import exports_ordered
from gic.billing.services import ROUNDING_NOTE, BillingDetail, secondments_note
from gic.enums import N_
from gic.formatting import hours_minutes
from gic.interventions.models import State
from gic.secondments.models import Pricing

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '#,##0.00 "€"'
HOURS_FORMAT = "0.00"
DATE_FORMAT = "DD/MM/YYYY"
BOM = "\ufeff"
# OWASP: a cell starting with one of these may be read as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_CHUNK_ROWS = 2000


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet could take for a formula gets a leading « ' »."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class DecimalHours(Decimal):
    """Hours as a decimal number (7.33): a Decimal the exports write as hours, not euros."""


def decimal_hours(minutes: int) -> DecimalHours:
    """Exact minutes as decimal hours, rounded half up to the hundredth (440 -> 7.33),
    computed with Decimal, never a float."""
    return DecimalHours((Decimal(int(minutes)) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass(frozen=True)
class Column:
    """A column of a view: title and width (characters) in the XLSX."""

    title: str
    width: int


@dataclass(frozen=True)
class View:
    """One view of the export: a sheet in the XLSX, a « Section » in the CSV."""

    name: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    note: str = ""
    # What each of its rows is, in the CSV's « Type de ligne » column.
    line_type: str = ""


# --- The five views (typed rows: str, int, Decimal, DecimalHours, date) -----------

# Column titles and texts follow the reader's language (French for the API): the
# constants are the French titles, translated (gettext) when a file is written.
DECIMAL_HOURS = N_("Heures (décimal)")
REFERENCE = N_("Référence bénéficiaire")


def _decimal_column() -> Column:
    return Column(gettext(DECIMAL_HOURS), 10)


def _reference_column() -> Column:
    return Column(gettext(REFERENCE), 18)


def views(detail: BillingDetail) -> list[View]:
    """The export's views, in sheet order, with typed values."""
    if detail.summary.ordered is not None:  # issue 16: the ordered-hours model's figures
        return _ordered_views(detail)
    names = detail.names
    interventions = [
        (line.intervention_id, names[line.provider_id], names[line.beneficiary_id],
         line.technician, line.first_day, line.last_day, line.minutes,
         hours_minutes(line.minutes), line.amount, line.description,
         decimal_hours(line.minutes), line.reference)
        for pair in detail.pairs for line in pair.interventions]
    totals = [
        (names[pair.provider_id], names[pair.beneficiary_id], len(pair.interventions),
         pair.minutes, hours_minutes(pair.minutes), pair.amount, decimal_hours(pair.minutes))
        for pair in detail.pairs]
    pending = [
        (line.intervention_id, names[line.provider_id], names[line.beneficiary_id],
         line.state.label, line.technician, line.first_day, line.last_day,
         line.minutes, hours_minutes(line.minutes), line.description,
         decimal_hours(line.minutes), line.reference)
        for line in detail.pending]
    settlements = [(names[s["from_id"]], names[s["to_id"]], s["amount"])
                   for s in detail.summary.settlements]
    return [
        View(gettext("Interventions"), (
            Column(gettext("N° demande"), 12), Column(gettext("Prestataire"), 30),
            Column(gettext("Bénéficiaire"), 30), Column(gettext("Technicien"), 24),
            Column(gettext("Premier jour"), 13), Column(gettext("Dernier jour"), 13),
            Column(gettext("Minutes facturables"), 12), Column(gettext("Heures"), 10),
            Column(gettext("Montant indicatif"), 16), Column(gettext("Objet"), 50),
            _decimal_column(), _reference_column()), interventions,
            note=str(ROUNDING_NOTE), line_type=gettext("Intervention validée")),
        View(gettext("Totaux par paire"), (
            Column(gettext("Prestataire"), 30), Column(gettext("Bénéficiaire"), 30),
            Column(gettext("Interventions"), 14), Column(gettext("Minutes facturables"), 12),
            Column(gettext("Heures"), 10), Column(gettext("Montant"), 16),
            _decimal_column()), totals, note=str(ROUNDING_NOTE),
            line_type=gettext("Total de la paire")),
        View(gettext("En attente"), (
            Column(gettext("N° demande"), 12), Column(gettext("Prestataire"), 30),
            Column(gettext("Bénéficiaire"), 30), Column(gettext("État"), 12),
            Column(gettext("Technicien"), 24), Column(gettext("Premier jour"), 13),
            Column(gettext("Dernier jour"), 13), Column(gettext("Minutes facturables"), 12),
            Column(gettext("Heures"), 10), Column(gettext("Objet"), 50), _decimal_column(),
            _reference_column()), pending,
            note=gettext("Heures facturables dont l'intervention n'est pas encore validée : "
                         "elles comptent dans le plafond mais ne sont pas facturées."),
            line_type=gettext("Intervention en attente")),
        View(gettext("Règlements"), (
            Column(gettext("Débiteur (paie)"), 30), Column(gettext("Créancier (reçoit)"), 30),
            Column(gettext("Montant"), 16)), settlements,
            note=gettext("Solde net entre deux établissements, interventions validées "
                         "seulement."),
            line_type=gettext("Règlement net")),
        _secondments_view(detail),
    ]


def _secondments_view(detail: BillingDetail) -> View:
    names = detail.names
    secondments = [
        (s["secondment_id"], s["project"], names[s["provider_id"]], names[s["beneficiary_id"]],
         s["start_date"], s["end_date"], Pricing(s["pricing"]).label,
         s["hourly_rate"], s["lump_sum"], s["billable_minutes"],
         hours_minutes(s["billable_minutes"]), s["pending_minutes"], s["amount"],
         decimal_hours(s["billable_minutes"]))
        for s in detail.summary.secondments]
    return View(gettext("Détachements"), (
        Column(gettext("N° détachement"), 14), Column(gettext("Projet"), 40),
        Column(gettext("Prestataire"), 30), Column(gettext("Bénéficiaire"), 30),
        Column(gettext("Début"), 13), Column(gettext("Fin"), 13),
        Column(gettext("Tarification"), 20), Column(gettext("Taux horaire"), 14),
        Column(gettext("Forfait"), 14), Column(gettext("Minutes validées"), 12),
        Column(gettext("Heures"), 10), Column(gettext("Minutes en attente"), 12),
        Column(gettext("Montant"), 16), _decimal_column()), secondments,
        note=secondments_note(detail.year, len(secondments)),
        line_type=gettext("Détachement"))


def _ordered_views(detail: BillingDetail) -> list[View]:
    """A year of the ordered-hours model: its participants' figures, then the
    secondments (R8, billed apart as in the other model)."""
    figures = detail.summary.ordered
    return [View(gettext(exports_ordered.SECTION),
                 tuple(Column(gettext(title), width) for title, width in exports_ordered.COLUMNS),
                 exports_ordered.rows(figures), note=gettext(exports_ordered.NOTE)),
            _secondments_view(detail)]


# --- CSV ---------------------------------------------------------------------------

CSV_HEADER = (N_("Section"), N_("N° demande"), N_("Prestataire"), N_("Bénéficiaire"),
              N_("Technicien"), N_("Premier jour"), N_("Dernier jour"),
              N_("Minutes facturables"), N_("Heures"), N_("Montant"), N_("État"), N_("Objet"),
              N_("Type de ligne"), DECIMAL_HOURS, REFERENCE)
# « Type de ligne »: what each row of the CSV is (:attr:`View.line_type`), and the notes'.
NOTE = N_("Note")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def csv_rows(detail: BillingDetail) -> Iterator[tuple]:
    """The CSV's rows, header first, in the 15 columns of :data:`CSV_HEADER` (typed);
    a year of the ordered-hours model has its own (:mod:`gic.billing.exports_ordered`)."""
    if detail.summary.ordered is not None:
        yield from exports_ordered.csv_rows(detail.summary.ordered)
        return
    interventions, totals, pending, settlements, secondments = views(detail)
    note = gettext(NOTE)
    yield tuple(gettext(title) for title in CSV_HEADER)
    for (n, provider, beneficiary, tech, first, last, minutes, hours, amount, what, decimal,
         reference) in interventions.rows:
        yield (interventions.name, n, provider, beneficiary, tech, first, last, minutes,
               hours, amount, State.VALIDATED.label, what,
               interventions.line_type, decimal, reference)
    for provider, beneficiary, count, minutes, hours, amount, decimal in totals.rows:
        # French: « 1 intervention », « 2 interventions » (count > 1, never 0 here).
        total = ngettext("Total de la paire (%(count)s intervention)",
                         "Total de la paire (%(count)s interventions)",
                         count if count > 1 else 1, count=count)
        yield (totals.name, None, provider, beneficiary, None, None, None, minutes, hours,
               amount, None, total, totals.line_type, decimal, None)
    for (n, provider, beneficiary, state, tech, first, last, minutes, hours, what, decimal,
         reference) in pending.rows:
        yield (pending.name, n, provider, beneficiary, tech, first, last, minutes, hours,
               None, state, what, pending.line_type, decimal, reference)
    for payer, payee, amount in settlements.rows:
        # The beneficiary pays the provider: the payee stands in « Prestataire ».
        yield (settlements.name, None, payee, payer, None, None, None, None, None, amount,
               None, gettext("%(payer)s paie %(amount)s € à %(payee)s (solde net)",
                             payer=payer, amount=_csv_value(amount), payee=payee),
               settlements.line_type, None, None)
    for (number, project, provider, beneficiary, start, end, _, rate, lump_sum, minutes, hours,
         waiting, amount, decimal) in secondments.rows:
        if rate is not None:
            terms = gettext("taux horaire convenu %(rate)s € TTC", rate=_csv_value(rate))
        else:
            terms = gettext("forfait %(amount)s €, facturé l'année où la période se termine",
                            amount=_csv_value(lump_sum))
        if waiting:
            terms = gettext("%(terms)s ; %(time)s en attente de validation (non facturées)",
                            terms=terms, time=hours_minutes(waiting))
        yield (secondments.name, None, provider, beneficiary, None, start, end, minutes, hours,
               amount, None, gettext("Détachement n° %(number)s « %(project)s » : %(terms)s",
                                     number=number, project=project, terms=terms),
               secondments.line_type, decimal, None)
    yield (secondments.name,) + (None,) * 10 + (secondments.note, note, None, None)
    yield (note,) + (None,) * 10 + (str(ROUNDING_NOTE), note, None, None)


def csv_chunks(detail: BillingDetail) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks (BOM first), for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    for n, row in enumerate(csv_rows(detail), 1):
        writer.writerow([_csv_value(value) for value in row])
        if n % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_csv(detail: BillingDetail) -> bytes:
    """The whole CSV file."""
    return b"".join(csv_chunks(detail))


# --- XLSX --------------------------------------------------------------------------
#
# XlsxWriter in constant_memory mode: each row goes to a temporary file as soon as
# the next one starts (rows are written in order, sheet after sheet), so memory
# does not grow with the rows; the zip is then written to memory. Its
# ``in_memory`` option would turn constant_memory off, hence the temporary files.

# Control characters XML 1.0 cannot carry: dropped before neutralising (XlsxWriter
# would keep them as « _x0001_ », hiding a formula behind a first character).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CENT = Decimal("0.01")
# Up to 15 significant digits, float(Decimal) is read back as the same Decimal
# (XlsxWriter writes it with 16 digits, enough to give back the same float).
_MONEY_LIMIT = Decimal(10) ** 13
A4 = 9  # Excel's paper size code
LINE_HEIGHT = 15  # points: one line of the default 11 pt font
HEADER_LIMIT = 200  # Excel refuses a page header over 255 characters (codes included)


def xlsx_number(value: Decimal) -> float:
    """A money amount as the float Excel stores, read back as the same Decimal:
    whole cents below 10^13 only (15 significant digits), else ValueError."""
    if value != value.quantize(_CENT) or abs(value) >= _MONEY_LIMIT:
        raise ValueError(f"amount {value} cannot be stored exactly in a spreadsheet")
    return float(value)


def _write_text(ws, row: int, col: int, text: str, cell_format=None) -> None:
    """A text cell: XML-safe, neutralised, always text (never a formula or a link).

    XlsxWriter copies a text « <r>…</r> » into the XML unescaped, taking it for
    rich-text runs it built: such a text is written as three plain runs instead
    (it wants three at least), which it escapes: the same text, read back whole."""
    text = neutralise(_ILLEGAL_XML.sub("", text))
    if text.startswith("<r>") and text.endswith("</r>"):
        ws.write_rich_string(row, col, text[:1], text[1:2], text[2:],
                             *([cell_format] if cell_format else []))
    else:
        ws.write_string(row, col, text, cell_format)


def column_width(column: Column) -> int:
    """The column's width, wide enough for the longest word of its title in bold
    (the header wraps between words: every title shows whole)."""
    return max(column.width, max(len(word) for word in column.title.split()) + 3)


def header_lines(view: View) -> int:
    """Lines of the tallest title once wrapped between words in its column."""
    return max(len(textwrap.wrap(column.title, column_width(column) - 2))
               for column in view.columns)


def page_header_text(title: str) -> str:
    """``title`` for a page header: at most HEADER_LIMIT characters once its « & »
    are doubled, never ending inside a doubled pair."""
    text = ""
    for char in title:
        piece = "&&" if char == "&" else char
        if len(text) + len(piece) > HEADER_LIMIT:
            break
        text += piece
    return text


def _print_setup(ws, title: str) -> None:
    """Printed on A4 in landscape, as wide as one page (as many pages down as the
    rows need), the header row on each page, gridlines, title and page numbers."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.hide_gridlines(0)  # printed too: the rows stay readable on paper
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    # « & » starts a header code: doubled, it prints itself (cut first, so that the
    # cut never leaves a lone « & » that would swallow the next code).
    ws.set_header(f"&L{page_header_text(title)}&R&A")
    ws.set_footer("&CPage &P / &N")


def _write_sheet(ws, view: View, formats: dict, title: str) -> None:
    """One view: print setup, column widths, bold wrapped frozen header, filter,
    typed rows, note."""
    _print_setup(ws, title)
    for col, column in enumerate(view.columns):
        ws.set_column(col, col, column_width(column))
    ws.freeze_panes(1, 0)
    # Set before the row's cells (constant_memory): Excel and LibreOffice keep it.
    ws.set_row(0, LINE_HEIGHT * header_lines(view))
    if view.rows:
        ws.autofilter(0, 0, len(view.rows), len(view.columns) - 1)
    for col, column in enumerate(view.columns):
        _write_text(ws, 0, col, column.title, formats["header"])
    money, hours, day = formats["money"], formats["hours"], formats["date"]
    last = 0
    for last, values in enumerate(view.rows, 1):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                _write_text(ws, last, col, value)
            elif isinstance(value, Decimal):
                ws.write_number(last, col, xlsx_number(value),
                                hours if isinstance(value, DecimalHours) else money)
            elif isinstance(value, date):
                ws.write_datetime(last, col, value, day)
            else:
                ws.write_number(last, col, int(value))
    if view.note:
        _write_text(ws, last + 2, 0, view.note)  # after a blank row


def stamp(detail: BillingDetail) -> datetime:
    """The time written in the XLSX: closing time of a closed year, else now."""
    moment = detail.closed_at if detail.closed and detail.closed_at else timeutil.utcnow()
    return moment.replace(microsecond=0)


def to_xlsx(detail: BillingDetail) -> bytes:
    """The XLSX workbook, one sheet per view; byte-identical for a closed year."""
    import xlsxwriter

    buffer = io.BytesIO()
    if detail.scope_name:
        title = gettext("Facturation %(year)s — %(name)s — %(scope)s", year=detail.year,
                        name=detail.groupement_name, scope=detail.scope_name)
    else:
        title = gettext("Facturation %(year)s — %(name)s", year=detail.year,
                        name=detail.groupement_name)
    title = _ILLEGAL_XML.sub("", title)
    # « with »: closing removes the rows' temporary files, also after an error.
    with xlsxwriter.Workbook(buffer, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False}) as workbook:
        # Core properties carry this one time (created and modified); XlsxWriter
        # stamps every zip entry with a fixed date of 1980.
        workbook.set_properties({"title": title, "author": "GIC", "created": stamp(detail)})
        formats = {"header": workbook.add_format({"bold": True, "text_wrap": True,
                                                  "valign": "top"}),
                   "money": workbook.add_format({"num_format": MONEY_FORMAT}),
                   "hours": workbook.add_format({"num_format": HOURS_FORMAT}),
                   "date": workbook.add_format({"num_format": DATE_FORMAT})}
        for view in views(detail):
            _write_sheet(workbook.add_worksheet(view.name), view, formats, title)
    return buffer.getvalue()


# --- HTTP --------------------------------------------------------------------------

def slug(text: str) -> str:
    """« GCSMS Démo » -> « gcsms-demo » (ASCII, for file names)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "groupement"


def filename(detail: BillingDetail, extension: str) -> str:
    """``facturation-<groupement>-<year>.<extension>``, with the establishment
    before the year for a director's pairs (``…-<establishment>-<year>…``)."""
    scope = f"{slug(detail.scope_name)}-" if detail.scope_name else ""
    return f"facturation-{slug(detail.groupement_name)}-{scope}{detail.year}.{extension}"


def _headers(detail: BillingDetail, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename(detail, extension)}"',
            "Cache-Control": "private, no-store"}


def csv_response(detail: BillingDetail) -> Response:
    """The CSV download, streamed (the rows are already loaded: no query while streaming;
    the request's context kept for the reader's language)."""
    return Response(stream_with_context(csv_chunks(detail)), content_type=CSV_MEDIA_TYPE,
                    headers=_headers(detail, "csv"))


def xlsx_response(detail: BillingDetail) -> Response:
    """The XLSX download."""
    return Response(to_xlsx(detail), content_type=XLSX_MEDIA_TYPE,
                    headers=_headers(detail, "xlsx"))
