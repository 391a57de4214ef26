"""The minutes as a Word document (python-docx), from :func:`minutes_context`'s values.

Same sections, tables, labels and figures, in the same order, as the page and its
PDF (``templates/meetings/minutes.html`` and ``_snapshot.html``): the groupement's
total row, each cap use in percent, the finalisation's time and author. A test
compares the PDF's tables and paragraphs with this document's.

Printed as the PDF is: A4 pages with 2 cm margins, French (``fr-FR``, for the
spelling and hyphenation of Word and LibreOffice), numbers right-aligned and never
wrapped, each table as wide as the page with columns wide enough for their
longest word, header rows repeated on every page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.numbers import format_currency
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from gic.convention.weights import Tally, percent_text
from gic.formatting import hours_minutes, long_date, long_datetime
from gic.meetings.models import Minutes

LANGUAGE = "fr-FR"
# A4 in twentieths of a point, as Word writes it (w:pgSz).
A4_WIDTH, A4_HEIGHT = 11906, 16838
MARGIN = Cm(2)
TEXT_WIDTH = A4_WIDTH - 2 * MARGIN.twips
# Width of one character of the 10 pt text, wide letters and bold headers included
# (a little more than the font's average, so that a word's estimate is never short).
CHAR_TWIPS = 120
# A cell's left and right margins (Word's default 0.19 cm each) and its borders.
CELL_PADDING = 2 * 108 + 40
HEADER_FILL = "EEF1F4"  # the PDF's header grey
MUTED = RGBColor(0x5B, 0x64, 0x70)  # the PDF's grey text


@dataclass(frozen=True)
class Col:
    """A table column: its header, and whether it holds numbers (right-aligned, unwrapped)."""

    title: str
    num: bool = False


def _day(value) -> str:
    return long_date(value) if value else "—"


def _iso_day(value: str | None) -> str:
    return long_date(date.fromisoformat(value)) if value else "—"


# --- Page, language, widths -------------------------------------------------------

def _setup(document: DocumentType) -> None:
    """A4 portrait, 2 cm margins, French text, 10 pt, a page number at the foot."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Twips(A4_WIDTH), Twips(A4_HEIGHT)
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN
    styles = document.styles
    styles["Normal"].font.size = Pt(10)
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(
        qn("w:rPr"))
    language = defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        defaults.append(language)
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:eastAsia"), LANGUAGE)
    theme = document.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:val"), LANGUAGE)
    document.core_properties.language = LANGUAGE
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Compte rendu — page ")
    _field(footer, "PAGE")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES")


def _field(paragraph, instruction: str) -> None:
    """A simple field (page number, page count) that Word and LibreOffice fill in."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _needed(text: str, whole: bool) -> int:
    """Twips a cell needs: its longest word, or its whole text for a number."""
    parts = [text] if whole else text.split() or [""]
    return max(len(part) for part in parts) * CHAR_TWIPS + CELL_PADDING


def column_widths(columns: list[Col], rows: list[list[str]],
                  available: int = TEXT_WIDTH) -> list[int]:
    """Column widths (twips) filling ``available``: each column at least as wide as
    its longest word (its longest number, whole; a header wraps between words), the
    rest shared out in proportion to what each column would need to hold its texts
    on one line."""
    texts = [[col.title, *(row[i] for row in rows)] for i, col in enumerate(columns)]
    least = [max(_needed(col.title, False), *(_needed(t, col.num) for t in column[1:]))
             for col, column in zip(columns, texts, strict=True)]
    ideal = [max(max(_needed(t, True) for t in column), low)
             for column, low in zip(texts, least, strict=True)]
    if sum(least) >= available:  # too many columns for the page: shrink them alike
        widths = [low * available // sum(least) for low in least]
    elif sum(ideal) <= available:  # everything fits on one line: widen alike
        widths = [high * available // sum(ideal) for high in ideal]
    else:
        room, wants = available - sum(least), [h - low for h, low in zip(ideal, least, strict=True)]
        widths = [low + room * want // sum(wants) for low, want in zip(least, wants, strict=True)]
    widths[0] += available - sum(widths)  # what integer division left
    return widths


# --- Tables -------------------------------------------------------------------------

def _cell_properties(cell, *, fill: str | None = None, nowrap: bool = False) -> None:
    properties = cell._tc.get_or_add_tcPr()
    if nowrap:
        properties.append(OxmlElement("w:noWrap"))
    if fill:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        properties.append(shading)


def _write(cell, text: str, *, num: bool = False, bold: bool = False) -> None:
    """A cell's text (lines kept), right-aligned for a number."""
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if num:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(text)
    run.bold = bold


def _header_row(row) -> None:
    """Repeated at the top of each page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:tblHeader"))


def _table(document: DocumentType, columns: list[Col], rows: list[list[str]], *,
           groups: list[tuple[str | None, int]] | None = None,
           foot: list[str] | None = None) -> None:
    """A full-width table: header (under ``groups``' spanning titles if given; a
    ``None`` group stretches its column's title over both header rows), rows,
    then ``foot`` in bold."""
    body = rows + ([foot] if foot else [])
    widths = column_widths(columns, body)
    heads = 2 if groups else 1
    table = document.add_table(rows=heads + len(body), cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # fixed layout: the widths below hold
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Twips(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Twips(width)
    for index, row in enumerate(table.rows):
        if index < heads:
            _header_row(row)
        for cell, col in zip(row.cells, columns, strict=True):
            _cell_properties(cell, fill=HEADER_FILL if index < heads else None,
                             nowrap=col.num and index >= heads)
    for cell, col in zip(table.rows[heads - 1].cells, columns, strict=True):
        _write(cell, col.title, num=col.num, bold=True)
    if groups:
        first = 0
        for title, span in groups:
            top = table.cell(0, first)
            if title is None:  # one column: its title over both header rows
                top.merge(table.cell(1, first))  # keeps the title written below
            else:
                if span > 1:
                    top = top.merge(table.cell(0, first + span - 1))
                _write(top, title, bold=True)
            first += span
    for row, values in zip(table.rows[heads:], body, strict=True):
        for cell, col, text in zip(row.cells, columns, values, strict=True):
            _write(cell, text, num=col.num, bold=values is foot)
    document.add_paragraph().paragraph_format.space_after = Pt(0)  # apart from what follows


def _muted(document: DocumentType, text: str) -> None:
    """A remark in grey, as the PDF's « muted » paragraphs."""
    document.add_paragraph().add_run(text).font.color.rgb = MUTED


# --- The document -------------------------------------------------------------------

def status_line(c: dict) -> str:
    """« Réunion des directeurs du 5 novembre 2026 à 14:00 (2 h 00) — version 1,
    finalisée le 23 novembre 2026 à 12:00 par … », as under the PDF's title."""
    meeting, minutes = c["meeting"], c["minutes"]
    if minutes.is_final:
        status = f"finalisée le {long_datetime(c['finalised_local'])}"
        if minutes.finalised_by:
            status += f" par {minutes.finalised_by.name}"
    else:
        status = "brouillon"
    return (f"{meeting.kind.label} du {long_datetime(meeting.local_start)} "
            f"({hours_minutes(meeting.duration_minutes)}) — version {minutes.version}, {status}")


def write_minutes(c: dict) -> DocumentType:
    """Build the document: header, agenda, attendance, data, summary, decisions, actions."""
    meeting, minutes = c["meeting"], c["minutes"]
    document = Document()
    _setup(document)
    document.add_heading(f"Compte rendu — {meeting.title}", level=0)
    document.add_paragraph(status_line(c))
    where = [f"Lieu : {meeting.place}"] if meeting.place else []
    if meeting.video_url:
        where.append(f"Visioconférence : {meeting.video_url}")
    if where:
        document.add_paragraph(" · ".join(where))

    document.add_heading("Ordre du jour", level=1)
    for item in meeting.agenda:
        document.add_paragraph(item.text, style="List Number")
    if not meeting.agenda:
        _muted(document, "Aucun point inscrit.")

    document.add_heading("Présences", level=1)
    if minutes.attendance:
        _table(document, [Col("Nom"), Col("Présence")],
               [[a.name, a.presence.label] for a in minutes.attendance])
    else:
        _muted(document, "Liste vide.")

    _data(document, c)
    _weights(document, c)

    document.add_heading("Déroulé et échanges", level=1)
    document.add_paragraph(minutes.summary or "—")

    _decisions(document, minutes, c["outcomes"])

    document.add_heading("Actions", level=1)
    if minutes.actions:
        _table(document, [Col("Action"), Col("Responsable"), Col("Échéance"), Col("État")],
               [[a.text + (f"\nreprise : {a.origin}" if a.carried_from_id else ""),
                 a.owner_name or "—", _day(a.due_date), "faite" if a.done else "à faire"]
                for a in minutes.actions])
    else:
        _muted(document, "Aucune action.")
    return document


def _activity(document: DocumentType, c: dict) -> None:
    counts = ("Nombre", "Sur site", "À distance")

    def figures(side: dict) -> list[str]:
        return [str(side["interventions"]), hours_minutes(side["onsite"]),
                hours_minutes(side["remote"])]

    totals = c["totals"]
    _table(document, [Col("Établissement"), *(Col(t, num=True) for t in counts * 2)],
           [[r["name"], *figures(r["given"]), *figures(r["received"])]
            for r in c["snap"]["establishments"]],
           groups=[(None, 1), ("Interventions données", 3), ("Interventions reçues", 3)],
           foot=["Groupement", *figures(totals["given"]), *figures(totals["received"])])


def _data(document: DocumentType, c: dict) -> None:
    snap = c["snap"]
    document.add_heading(
        f"Activité du {_day(c['period_start'])} au {_day(c['period_end'])}", level=1)
    _muted(document, (f"Depuis la réunion précédente du même type ({_day(c['previous_date'])})."
                      if c["previous_date"] else
                      "Depuis le 1er janvier : pas de réunion précédente de ce type cette "
                      "année.") + " Données arrêtées à la création de cette version.")
    _activity(document, c)

    cap = snap["cap"]
    document.add_heading(f"Plafond annuel {cap['year']} par bénéficiaire "
                         f"({hours_minutes(cap['cap_minutes'])})", level=2)
    _table(document, [Col("Établissement"), Col("Heures facturables", num=True),
                      Col("Reste", num=True), Col("Utilisation", num=True)],
           [[r["name"], hours_minutes(r["used"]), hours_minutes(r["remaining"]),
             "—" if r["percent"] is None else f"{r['percent']} %"] for r in c["cap_rows"]])

    document.add_heading("Matériel non rendu", level=2)
    loans = snap["equipment"]
    if loans:
        late = f"Retard au {c['period_end']:%d/%m/%Y}"
        _table(document, [Col("Matériel"), Col("Prêté par"), Col("À"), Col("Prêté le"),
                          Col("Retour prévu"), Col(late, num=True)],
               [[f"{loan['item']} ({loan['category_label']}"
                 + (f", n° {loan['serial_number']}" if loan["serial_number"] else "") + ")",
                 loan["from_name"], loan["to_name"], _iso_day(loan["date"]),
                 _iso_day(loan["expected_return"]),
                 f"{loan['days_late']} jour{'s' * (loan['days_late'] > 1)}"
                 if loan["days_late"] else "—"] for loan in loans])
    else:
        _muted(document, "Aucun registre de matériel pour l'instant." if loans is None
               else f"Aucun matériel prêté non rendu au {_day(c['period_end'])}.")

    document.add_heading("Actions ouvertes des comptes rendus précédents", level=2)
    if c["open_actions"]:
        _table(document, [Col("Action"), Col("Responsable"), Col("Échéance"),
                          Col("Décidée lors de")],
               [[a["text"], a["owner"] or "—", _day(a["due_date"]), a["origin"]]
                for a in c["open_actions"]])
    else:
        _muted(document, "Aucune action ouverte.")


def _money(amount) -> str:
    """« 4 950,00 € », as the page's ``money`` filter writes it."""
    return format_currency(amount, "EUR", locale="fr")


def _weights(document: DocumentType, c: dict) -> None:
    """The ordered-hours model's voters with their contributions and weights."""
    vote = c["vote"]
    if not vote:
        return
    document.add_heading(f"Voix des membres ({vote['year']})", level=1)
    _muted(document, f"Chaque établissement membre pèse ses contributions de l'année "
                     f"{vote['year']} ; les établissements utilisateurs ne votent pas. Quorum : "
                     f"{percent_text(vote['quorum_percent'])} des voix ; une décision au vote "
                     f"pondéré est adoptée avec plus de {percent_text(vote['majority_percent'])}"
                     " des voix exprimées. Arrêté à la création de cette version.")
    _table(document, [Col("Établissement membre"), Col(f"Contributions {vote['year']}", num=True),
                      Col("Poids", num=True)],
           [[r["name"], _money(r["amount"]), percent_text(r["percent"])]
            for r in c["voter_rows"]])


def _tally(document: DocumentType, t: Tally) -> None:
    _table(document, [Col("Résultat pondéré"), Col("Part des voix", num=True), Col("Seuil")], [
        ["Ont pris part au vote (quorum)", percent_text(t.voted_percent),
         f"{'atteint' if t.quorum_reached else 'non atteint'} "
         f"(minimum {percent_text(t.quorum_percent)})"],
        ["Pour (des voix exprimées)", percent_text(t.yes_percent),
         f"majorité : plus de {percent_text(t.majority_percent)}"],
        ["Contre (des voix exprimées)", percent_text(t.no_percent), "—"]])


def _decisions(document: DocumentType, minutes: Minutes, outcomes: dict) -> None:
    document.add_heading("Décisions", level=1)
    if not minutes.decisions:
        _muted(document, "Aucune décision.")
        return
    for d in minutes.decisions:
        document.add_paragraph(d.text)
        if not d.is_voted:
            continue
        outcome = outcomes[d.id]
        rule = ("Vote pondéré des établissements membres" if d.weighted
                else "Unanimité des établissements membres")
        document.add_paragraph(f"{rule} : {outcome.label} {outcome.reason}")
        weights = outcome.weights
        columns = [Col("Établissement"), Col("Vote"), Col("Commentaire")]
        if weights:
            columns[1:1] = [Col("Contributions de l'année", num=True), Col("Poids", num=True)]
        _table(document, columns,
               [[name, *([_money(weights[n][0]), percent_text(weights[n][1])] if weights else []),
                 vote.choice_label if vote else "pas encore voté",
                 (vote.comment if vote else "") or "—"]
                for n, (name, vote) in enumerate(outcome.rows)])
        if outcome.tally is not None:
            _tally(document, outcome.tally)
