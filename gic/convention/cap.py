"""Where an intervention stands against the convention's threshold and cap, for the
people who enter its time (GIC issue 14): the beneficiary's billable minutes left
this year (R5) and the intervention's on-site minutes against the free threshold
(R2–R3), so that a refused session is never a surprise.

The figures' rules are pure, :class:`gic.convention.rules.CapStatus`; here, where they come
from. No second formula: the year's use is :func:`gic.convention.ledger.cap_use` (the
ledger the refusal itself reads), the intervention's minutes are
:meth:`Intervention.totals` (:func:`gic.convention.rules.totals`), the cap is the year's
(:func:`gic.convention.history.cap_for_year`). Minutes only, never euros: every reader of the
intervention may see it, the technician included.
"""

from __future__ import annotations

from gic import timeutil
from gic.convention import ledger
from gic.convention.history import cap_for_year, is_ordered
from gic.convention.rules import CapStatus, Mode
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.models import Groupement

# A cancelled or declined request never counts (R5 counts accepted work on).
NOT_COUNTED = (State.CANCELLED, State.DECLINED)


def cap_status(i: Intervention) -> CapStatus | None:
    """The cap of the current civil year (groupement's local date) and the threshold
    of ``i``; None when neither applies: under a secondment (R8: billed by it, outside
    the cap and the threshold), for a cancelled or declined request, or in a year of
    the ordered-hours model (:func:`gic.ordered.consumption.order_status` instead). Two queries,
    whatever the number of sessions: the year's cap use and the convention version
    of the year; a third when the groupement (its time zone: which year) is not yet
    in the session, as in the API, where the caller's groupement is not loaded."""
    if i.secondment_id is not None or i.state in NOT_COUNTED:
        return None
    groupement = db.session.get(Groupement, i.groupement_id)
    year = timeutil.local_today(groupement.timezone).year
    if is_ordered(i.groupement_id, year):  # no cap: the hours ordered (issue 16)
        return None
    totals = i.totals()
    other = {s.year for s in i.sessions if s.year != year}
    return CapStatus(
        year=year, cap_minutes=cap_for_year(groupement.id, year),
        billable_minutes=ledger.cap_use(i.beneficiary_id, [year]).get(year, 0),
        threshold_minutes=i.threshold_minutes, counted_minutes=totals.onsite,
        onsite_other_years=sum(s.minutes for s in i.sessions
                               if s.year != year and s.mode == Mode.ONSITE),
        other_years=tuple(sorted(other)),
    )
