"""Sessions against the hours ordered (issue 16, item 4).

In a year of the ordered-hours model, every session of an intervention (remote and
on site alike) counts against the beneficiary's order of the session's year, in
full once the intervention reaches the threshold it snapshotted from its version
(0: always). Here, for one intervention: where its beneficiary stands
(:func:`order_status`, what the people who enter time see instead of the cap
box), and the check of a change of its sessions (:func:`check_sessions_change`:
going over the order is refused unless the version allows it).

The figures are the ledger's (:mod:`gic.ordered.ledger`, grouped SQL), the rules
:mod:`gic.convention.rules_ordered`'s: no second formula. Minutes only, never euros: every
reader of the intervention sees them, the technician included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from gic import timeutil
from gic.convention import rules_ordered
from gic.convention.history import is_ordered, year_version
from gic.convention.rules import SessionFact
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.models import Groupement
from gic.ordered import ledger

# A cancelled or declined request never counts (as for the cap).
NOT_COUNTED = (State.CANCELLED, State.DECLINED)


def counted_by_year(sessions: Iterable[SessionFact], threshold_minutes: int) -> dict[int, int]:
    """An intervention's minutes that count against its beneficiary's orders, per
    year: all of them, remote and on site, once its total time reaches
    ``threshold_minutes`` (:func:`gic.convention.rules_ordered.counted_minutes`), else none.
    The pure twin of :func:`gic.ordered.ledger.consumed_minutes` for one intervention."""
    sessions = list(sessions)
    total = sum(s.minutes for s in sessions)
    if not rules_ordered.counted_minutes([total], threshold_minutes):
        return {}
    per_year: dict[int, int] = defaultdict(int)
    for s in sessions:
        per_year[s.day.year] += s.minutes
    return {year: minutes for year, minutes in per_year.items() if minutes}


@dataclass(frozen=True)
class OrderStatus:
    """The beneficiary's hours ordered for ``year``, consumed (every provider, every
    counted intervention) and left; the version's overrun setting and threshold."""

    year: int
    consumption: rules_ordered.Consumption
    overrun_allowed: bool
    threshold_minutes: int

    @property
    def ordered_minutes(self) -> int:
        return self.consumption.ordered_minutes

    @property
    def consumed_minutes(self) -> int:
        return self.consumption.consumed_minutes

    @property
    def remaining_minutes(self) -> int:
        """Ordered, not yet consumed (never below 0)."""
        return self.consumption.left_minutes

    @property
    def over_minutes(self) -> int:
        """Consumed beyond the order."""
        return self.consumption.over_minutes

    @property
    def percent(self) -> int:
        return self.consumption.percent

    @property
    def level(self) -> int | None:
        """80 or 100 once reached (the alerts' levels), else None."""
        return self.consumption.alert_level

    @property
    def exhausted(self) -> bool:
        """Nothing left of the order."""
        return self.remaining_minutes == 0

    def as_json(self) -> dict:
        """The API's ``ordered_hours`` object (minutes as integers)."""
        return {"year": self.year, "ordered_minutes": self.ordered_minutes,
                "consumed_minutes": self.consumed_minutes,
                "remaining_minutes": self.remaining_minutes,
                "over_minutes": self.over_minutes, "percent": self.percent,
                "overrun_allowed": self.overrun_allowed,
                "threshold_minutes": self.threshold_minutes}


def order_status(i: Intervention) -> OrderStatus | None:
    """Where ``i``'s beneficiary stands against its order of the current civil year
    (groupement's local date); None when that year is not of the ordered-hours
    model, under a secondment (billed by it) or for a cancelled or declined request."""
    if i.secondment_id is not None or i.state in NOT_COUNTED:
        return None
    groupement = db.session.get(Groupement, i.groupement_id)
    year = timeutil.local_today(groupement.timezone).year
    if not is_ordered(i.groupement_id, year):
        return None
    version = year_version(i.groupement_id, year)
    ordered = ledger.ordered_minutes(i.groupement_id, year).get(i.beneficiary_id, 0)
    consumed = ledger.consumed_minutes(i.groupement_id, year,
                                       beneficiary_id=i.beneficiary_id).get(i.beneficiary_id, 0)
    return OrderStatus(year=year, consumption=rules_ordered.consumption(ordered, consumed),
                       overrun_allowed=bool(version.overrun_allowed),
                       threshold_minutes=version.threshold_minutes)


def ordered_years(groupement_id: int, years: Iterable[int]) -> set[int]:
    """Those of ``years`` governed by the ordered-hours model."""
    return {y for y in years if is_ordered(groupement_id, y)}


def check_sessions_change(i: Intervention, current: list[SessionFact],
                          proposed: list[SessionFact]) -> None:
    """Refuse a change of ``i``'s sessions (``current`` -> ``proposed``, read after the
    beneficiary's lock) that would take the beneficiary beyond its hours ordered
    in a year of the ordered-hours model whose version refuses overruns. A change
    that lowers or keeps a year's consumption always passes."""
    if i.secondment_id is not None:  # billed by the secondment, outside the orders
        return
    before = counted_by_year(current, i.threshold_minutes)
    after = counted_by_year(proposed, i.threshold_minutes)
    raised = [y for y in sorted(after) if after[y] > before.get(y, 0)]
    for year in sorted(ordered_years(i.groupement_id, raised)):
        version = year_version(i.groupement_id, year)
        if version.overrun_allowed:
            continue
        ordered = ledger.ordered_minutes(i.groupement_id, year).get(i.beneficiary_id, 0)
        consumed = ledger.consumed_minutes(i.groupement_id, year, beneficiary_id=i.beneficiary_id)
        # The ledger counts ``i`` as stored (``before``) with the others: what is added
        # is the change.
        rules_ordered.check_overrun(
            ordered=ordered, consumed=consumed.get(i.beneficiary_id, 0),
            adding=after[year] - before.get(year, 0), allowed=False,
            beneficiary=i.beneficiary.name)
