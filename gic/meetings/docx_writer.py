"""The minutes as a Word document (python-docx), from :func:`minutes_context`'s values.

Same sections, in the same order, as the page and the PDF.
"""

from __future__ import annotations

from datetime import date

from docx import Document
from docx.document import Document as DocumentType
from docx.shared import Pt

from gic.formatting import hours_minutes, long_date, long_datetime
from gic.meetings.models import Minutes


def _day(value) -> str:
    return long_date(value) if value else "—"


def _table(document: DocumentType, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def write_minutes(c: dict) -> DocumentType:
    """Build the document: header, agenda, attendance, data, summary, decisions, actions."""
    meeting, minutes = c["meeting"], c["minutes"]
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(f"Compte rendu — {meeting.title}", level=0)
    status = (f"version {minutes.version}, finalisée le {_day(minutes.finalised_at)}"
              if minutes.is_final else f"version {minutes.version}, brouillon")
    document.add_paragraph(
        f"{meeting.kind_label} du "
        f"{long_datetime(meeting.local_start)} "
        f"({hours_minutes(meeting.duration_minutes)}) — {status}")
    if meeting.place:
        document.add_paragraph(f"Lieu : {meeting.place}")
    if meeting.video_url:
        document.add_paragraph(f"Visioconférence : {meeting.video_url}")

    document.add_heading("Ordre du jour", level=1)
    for item in meeting.agenda:
        document.add_paragraph(item.text, style="List Number")
    if not meeting.agenda:
        document.add_paragraph("Aucun point inscrit.")

    document.add_heading("Présences", level=1)
    _table(document, ["Nom", "Présence"],
           [[a.name, a.presence_label] for a in minutes.attendance])

    _data(document, c)

    document.add_heading("Déroulé et échanges", level=1)
    for paragraph in (minutes.summary or "—").split("\n"):
        document.add_paragraph(paragraph)

    _decisions(document, minutes, c["outcomes"])

    document.add_heading("Actions", level=1)
    if minutes.actions:
        _table(document, ["Action", "Responsable", "Échéance", "État"],
               [[a.text + (f" (reprise : {a.origin})" if a.carried_from_id else ""),
                 a.owner_name or "—", _day(a.due_date), "faite" if a.done else "à faire"]
                for a in minutes.actions])
    else:
        document.add_paragraph("Aucune action.")
    return document


def _data(document: DocumentType, c: dict) -> None:
    snap = c["snap"]
    document.add_heading(
        f"Activité du {_day(c['period_start'])} au {_day(c['period_end'])}", level=1)
    _table(document, ["Établissement", "Interventions données", "Sur site", "À distance",
                      "Interventions reçues", "Sur site", "À distance"],
           [[r["name"], str(r["given"]["interventions"]), hours_minutes(r["given"]["onsite"]),
             hours_minutes(r["given"]["remote"]), str(r["received"]["interventions"]),
             hours_minutes(r["received"]["onsite"]), hours_minutes(r["received"]["remote"])]
            for r in snap["establishments"]])
    cap = snap["cap"]
    document.add_heading(f"Plafond annuel {cap['year']} (par bénéficiaire)", level=2)
    _table(document, ["Établissement", "Heures facturables", "Plafond", "Reste"],
           [[r["name"], hours_minutes(r["used"]), hours_minutes(cap["cap_minutes"]),
             hours_minutes(r["remaining"])] for r in cap["rows"]])
    document.add_heading("Matériel non rendu", level=2)
    loans = snap["equipment"]
    if loans:
        _table(document, ["Matériel", "Prêté par", "À", "Prêté le", "Retour prévu", "Retard"],
               [[loan["item"] + (f" (n° {loan['serial_number']})" if loan["serial_number"]
                                 else ""),
                 loan["from_name"], loan["to_name"], _day(date.fromisoformat(loan["date"])),
                 _day(date.fromisoformat(loan["expected_return"])),
                 f"{loan['days_late']} j" if loan["days_late"] else "—"] for loan in loans])
    else:
        document.add_paragraph("Aucun registre de matériel pour l'instant." if loans is None
                               else "Aucun matériel prêté non rendu.")
    document.add_heading("Actions ouvertes des comptes rendus précédents", level=2)
    if c["open_actions"]:
        _table(document, ["Action", "Responsable", "Échéance", "Décidée lors de"],
               [[a["text"], a["owner"] or "—", _day(a["due_date"]), a["origin"]]
                for a in c["open_actions"]])
    else:
        document.add_paragraph("Aucune action ouverte.")


def _decisions(document: DocumentType, minutes: Minutes, outcomes: dict) -> None:
    document.add_heading("Décisions", level=1)
    if not minutes.decisions:
        document.add_paragraph("Aucune décision.")
        return
    _table(document, ["Décision", "Unanimité requise", "Résultat"],
           [[d.text, "oui" if d.needs_unanimity else "non",
             f"{outcomes[d.id].label} — {outcomes[d.id].reason}" if d.needs_unanimity else "—"]
            for d in minutes.decisions])
    for d in minutes.decisions:
        if not d.needs_unanimity:
            continue
        document.add_paragraph(f"Votes — {d.text}", style="Heading 3")
        _table(document, ["Établissement", "Vote", "Commentaire"],
               [[name, vote.choice_label if vote else "pas encore voté",
                 (vote.comment if vote else "") or "—"]
                for name, vote in outcomes[d.id].rows])
