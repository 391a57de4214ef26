"""The exports of a year of the ordered-hours model (issue 16, item 7).

No pair is billed in that model: the CSV and the XLSX give each participant's
hours ordered, consumed and left, what was ordered, called and consumed in euros,
what the year-end regularisation asked or gave back, and the balance (consumed −
called) — the figures of :func:`gic.ordered.ledger.year_figures`, the billing
page's — then a total row and a note; the XLSX adds the secondments' sheet (R8),
billed apart under their own terms as in the other model.

Same conventions as :mod:`gic.billing.exports` (typed values, French Excel CSV,
neutralised texts); the CSV has its own 15 columns (:data:`CSV_HEADER`).
"""

from __future__ import annotations

from collections.abc import Iterator

from gic.formatting import hours_minutes
from gic.ordered.ledger import ParticipantFigures, YearFigures

SECTION = "Heures commandées"
NOTE = ("Modèle des heures commandées : chaque membre et chaque utilisateur commande ses "
        "heures de l'année ; les séances de l'année (sur site et à distance) les consomment. "
        "Commandé et consommé : heures × taux horaire de l'année. Appelé : appels "
        "provisionnels émis. Régularisé : compléments et parts du déficit, moins "
        "remboursements et parts de l'excédent. Solde : consommé − appelé (positif : un "
        "complément est à venir ; négatif : un remboursement).")
CSV_HEADER = ("Section", "Établissement", "Participation", "Minutes commandées",
              "Heures commandées", "Minutes consommées", "Heures consommées",
              "Minutes restantes", "Minutes en dépassement", "Commandé", "Appelé", "Consommé",
              "Régularisé", "Solde", "Type de ligne")
COLUMNS = (("Établissement", 30), ("Participation", 13), ("Minutes commandées", 12),
           ("Heures commandées", 11), ("Minutes consommées", 12), ("Heures consommées", 11),
           ("Minutes restantes", 11), ("Minutes en dépassement", 12), ("Commandé", 14),
           ("Appelé", 14), ("Consommé", 14), ("Régularisé", 14), ("Solde", 14))


def _row(r: ParticipantFigures, label: str) -> tuple:
    c = r.consumption
    return (label, r.participation.label if r.participation
            else None, r.ordered_minutes, hours_minutes(r.ordered_minutes), r.consumed_minutes,
            hours_minutes(r.consumed_minutes), c.left_minutes, c.over_minutes,
            r.ordered_amount, r.called, r.consumed_amount, r.regularised, r.balance)


def rows(figures: YearFigures) -> list[tuple]:
    """One typed row per participant, then the total (« Total »)."""
    return [_row(r, r.name) for r in figures.rows] + [_row(figures.totals, "Total")]


def csv_rows(figures: YearFigures) -> Iterator[tuple]:
    """The CSV's rows, header first, in the 15 columns of :data:`CSV_HEADER` (typed)."""
    yield CSV_HEADER
    *participants, total = rows(figures)
    for values in participants:
        yield (SECTION, *values, "Participant")
    yield (SECTION, *total, "Total")
    yield ("Note", NOTE) + (None,) * 12 + ("Note",)
