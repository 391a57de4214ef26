"""Consumption against the hours ordered (issue 16, item 4), as pure functions.

In the ordered-hours model a beneficiary (member or « utilisateur ») orders hours
for the year; every session of its interventions counts against that order. What
the technician is shown where he logs time (:class:`OrderStatus`), the 80 % and
100 % alert levels (:func:`alert_level`), and whether a change of sessions may go
beyond the order (:func:`check_order`, the version's ``overrun_allowed``).

No Flask, no database: :mod:`gic.ordered.ledger` reads the facts (minutes ordered
and consumed, grouped SQL) and the services ask these functions for a decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gic.errors import RuleRefused
from gic.formatting import hours_minutes

ALERT_LEVELS = (80, 100)  # percent of the hours ordered that alert the beneficiary


def alert_level(consumed_minutes: int, ordered_minutes: int) -> int | None:
    """The highest alert level (80 or 100) that ``consumed_minutes`` reach, or None
    (never without an order: nothing to measure against)."""
    if ordered_minutes <= 0:
        return None
    reached = [level for level in ALERT_LEVELS
               if consumed_minutes * 100 >= ordered_minutes * level]
    return max(reached, default=None)


@dataclass(frozen=True)
class OrderStatus:
    """Where a beneficiary stands against its order of ``year``: what the intervention
    page shows to the people who enter time (minutes only, never euros)."""

    year: int
    ordered_minutes: int
    consumed_minutes: int  # every provider, every intervention of the beneficiary
    overrun_allowed: bool
    threshold_minutes: int = 0  # the version's (0: every minute counts)

    @property
    def remaining_minutes(self) -> int:
        """Ordered minutes not consumed yet (never below 0)."""
        return max(0, self.ordered_minutes - self.consumed_minutes)

    @property
    def over_minutes(self) -> int:
        """Minutes consumed beyond the order (0 while within it)."""
        return max(0, self.consumed_minutes - self.ordered_minutes)

    @property
    def percent(self) -> int | None:
        """Consumed as a whole percentage of the order; None without an order."""
        if self.ordered_minutes <= 0:
            return None
        return self.consumed_minutes * 100 // self.ordered_minutes

    @property
    def level(self) -> int | None:
        """The alert level reached (80, 100) or None."""
        return alert_level(self.consumed_minutes, self.ordered_minutes)

    @property
    def exhausted(self) -> bool:
        """Nothing left of the order (or no order at all)."""
        return self.remaining_minutes == 0

    def as_json(self) -> dict:
        """The API's ``ordered_hours`` object (minutes as integers)."""
        return {"year": self.year, "ordered_minutes": self.ordered_minutes,
                "consumed_minutes": self.consumed_minutes,
                "remaining_minutes": self.remaining_minutes,
                "over_minutes": self.over_minutes, "percent": self.percent,
                "overrun_allowed": self.overrun_allowed,
                "threshold_minutes": self.threshold_minutes}


def check_order(*, before: Mapping[int, int], after: Mapping[int, int],
                used_by_others: Mapping[int, int], ordered_by_year: Mapping[int, int],
                overrun_allowed: bool,
                beneficiary: str = "l'établissement bénéficiaire") -> None:
    """Refuse a change that would take a year's consumption beyond the hours ordered,
    unless the version allows going over.

    ``before``/``after`` are the intervention's counted minutes per year around the
    change; ``used_by_others`` the beneficiary's counted minutes of the year from
    every other intervention; ``ordered_by_year`` its hours ordered (minutes, 0 when
    it ordered nothing). A change that lowers or keeps a year's consumption is
    always allowed, so is everything when ``overrun_allowed``.
    """
    if overrun_allowed:
        return
    for year in sorted(after):
        if after[year] <= before.get(year, 0):
            continue
        ordered = ordered_by_year.get(year, 0)
        used = used_by_others.get(year, 0)
        if used + after[year] > ordered:
            left = max(0, ordered - used - before.get(year, 0))
            added = after[year] - before.get(year, 0)
            what = (f"a commandé {hours_minutes(ordered)} d'intervention pour {year} et il en "
                    f"reste {hours_minutes(left)} ({left} min)" if ordered else
                    f"n'a commandé aucune heure d'intervention pour {year}")
            raise RuleRefused(
                f"Séance refusée : {beneficiary} {what} ; cette saisie en compterait "
                f"{hours_minutes(added)}. La convention du groupement ne permet pas de "
                "dépasser les heures commandées : la coordination peut enregistrer une "
                "commande complémentaire.",
                code="order_exceeded", remaining_minutes=left, year=year,
                ordered_minutes=ordered,
            )
