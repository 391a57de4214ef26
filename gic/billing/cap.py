"""Where an intervention stands against the convention's threshold and cap, for the
people who enter its time (GIC issue 14): the beneficiary's billable minutes left
this year (R5) and the intervention's on-site minutes against the free threshold
(R2–R3), so that a refused session is never a surprise.

No second formula: the year's use is :func:`gic.billing.queries.cap_use` (the
ledger the refusal itself reads), the intervention's minutes are
:meth:`Intervention.totals` (:func:`gic.rules.totals`), the cap is the year's
(:meth:`Groupement.cap_for_year`). Minutes only, never euros: every reader of the
intervention may see it, the technician included.
"""

from __future__ import annotations

from dataclasses import dataclass

from gic import timeutil
from gic.billing import queries
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.models import Groupement
from gic.rules import Mode

# A cancelled or declined request never counts (R5 counts accepted work on).
NOT_COUNTED = (State.CANCELLED, State.DECLINED)


@dataclass(frozen=True)
class CapStatus:
    """The beneficiary's cap of ``year`` and the intervention's threshold."""

    year: int
    cap_minutes: int
    billable_minutes: int  # the beneficiary's, all providers, pending and validated
    threshold_minutes: int
    counted_minutes: int  # the intervention's on-site minutes, every year (R3)
    onsite_other_years: int  # of which dated in another year than ``year``
    other_years: tuple[int, ...]  # years of the intervention's sessions other than ``year``

    @property
    def remaining_minutes(self) -> int:
        """Billable minutes the beneficiary may still use in ``year`` (never below 0)."""
        return max(0, self.cap_minutes - self.billable_minutes)

    @property
    def reached(self) -> bool:
        """R3: exactly the threshold is billable, only « under » it is free."""
        return self.counted_minutes >= self.threshold_minutes

    @property
    def before_threshold(self) -> int:
        """On-site minutes still free before the threshold (0 once reached)."""
        return max(0, self.threshold_minutes - self.counted_minutes)

    @property
    def threshold_breaks_cap(self) -> bool:
        """Reaching the threshold makes all the on-site time billable at once: at
        least this year's share of the threshold, which may be more than is left
        (SPEC §4 case 6: the session that reaches it is then refused)."""
        at_least = self.threshold_minutes - self.onsite_other_years
        return not self.reached and at_least > self.remaining_minutes

    def as_json(self) -> dict:
        """The API's ``cap`` and ``threshold`` objects (minutes as integers)."""
        return {
            "cap": {"year": self.year, "cap_minutes": self.cap_minutes,
                    "billable_minutes": self.billable_minutes,
                    "remaining_minutes": self.remaining_minutes},
            "threshold": {"threshold_minutes": self.threshold_minutes,
                          "counted_minutes": self.counted_minutes,
                          "reached": self.reached},
        }


def cap_status(i: Intervention) -> CapStatus | None:
    """The cap of the current civil year (groupement's local date) and the threshold
    of ``i``; None when neither applies: under a secondment (R8: billed by it, outside
    the cap and the threshold) or for a cancelled or declined request. Two queries,
    whatever the number of sessions: the year's cap use and the convention version
    of the year; a third when the groupement (its time zone: which year) is not yet
    in the session, as in the API, where the caller's groupement is not loaded."""
    if i.secondment_id is not None or i.state in NOT_COUNTED:
        return None
    groupement = db.session.get(Groupement, i.groupement_id)
    year = timeutil.local_today(groupement.timezone).year
    totals = i.totals()
    other = {s.year for s in i.sessions if s.year != year}
    return CapStatus(
        year=year, cap_minutes=groupement.cap_for_year(year),
        billable_minutes=queries.cap_use(i.beneficiary_id, [year]).get(year, 0),
        threshold_minutes=i.threshold_minutes, counted_minutes=totals.onsite,
        onsite_other_years=sum(s.minutes for s in i.sessions
                               if s.year != year and s.mode == Mode.ONSITE),
        other_years=tuple(sorted(other)),
    )
