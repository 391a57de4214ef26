"""The exports of a year of the ordered-hours model (issue 16, item 7).

No pair is billed in that model: the CSV and the XLSX give each participant's
hours ordered, consumed and left, what was ordered, called and consumed in euros,
what the year-end regularisation asked or gave back, and the balance (consumed −
called) — the figures of :func:`gic.ordered.ledger.year_figures`, the billing
page's — then a total row and a note; the XLSX adds the secondments' sheet (R8),
billed apart under their own terms as in the other model.

Same conventions as :mod:`gic.billing.exports` (typed values, French Excel CSV,
neutralised texts); the CSV has its own 15 columns (:data:`CSV_HEADER`). Titles and
texts follow the reader's language (the constants are French, gettext when writing).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext

from gic.enums import N_
from gic.formatting import hours_minutes
from gic.ordered.ledger import ParticipantFigures, YearFigures

SECTION = N_("Heures commandées")
NOTE = N_(
    "Modèle des heures commandées : chaque membre et chaque utilisateur commande ses heures "
    "de l'année ; les séances de l'année (sur site et à distance) les consomment. Commandé et "
    "consommé : heures × taux horaire de l'année. Appelé : appels provisionnels émis. "
    "Régularisé : compléments et parts du déficit, moins remboursements et parts de "
    "l'excédent. Solde : consommé − appelé (positif : un complément est à venir ; négatif : un "
    "remboursement).")
COLUMNS = ((N_("Établissement"), 30), (N_("Participation"), 13),
           (N_("Minutes commandées"), 12), (N_("Heures commandées"), 11),
           (N_("Minutes consommées"), 12), (N_("Heures consommées"), 11),
           (N_("Minutes restantes"), 11), (N_("Minutes en dépassement"), 12),
           (N_("Commandé"), 14), (N_("Appelé"), 14), (N_("Consommé"), 14),
           (N_("Régularisé"), 14), (N_("Solde"), 14))
CSV_HEADER = (N_("Section"),) + tuple(title for title, _ in COLUMNS) + (N_("Type de ligne"),)


def _row(r: ParticipantFigures, label: str) -> tuple:
    c = r.consumption
    return (label, r.participation.label if r.participation
            else None, r.ordered_minutes, hours_minutes(r.ordered_minutes), r.consumed_minutes,
            hours_minutes(r.consumed_minutes), c.left_minutes, c.over_minutes,
            r.ordered_amount, r.called, r.consumed_amount, r.regularised, r.balance)


def rows(figures: YearFigures) -> list[tuple]:
    """One typed row per participant, then the total (« Total »)."""
    return [_row(r, r.name) for r in figures.rows] + [_row(figures.totals, gettext("Total"))]


def csv_rows(figures: YearFigures) -> Iterator[tuple]:
    """The CSV's rows, header first, in the 15 columns of :data:`CSV_HEADER` (typed)."""
    yield tuple(gettext(title) for title in CSV_HEADER)
    *participants, total = rows(figures)
    section, note = gettext(SECTION), gettext("Note")
    for values in participants:
        yield (section, *values, gettext("Participant"))
    yield (section, *total, gettext("Total"))
    yield (note, gettext(NOTE)) + (None,) * 12 + (note,)
