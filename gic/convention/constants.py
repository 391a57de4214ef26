"""The convention's numbers, each written once (SPEC §2–4).

The default terms are those of the first convention (GIC 65): a new groupement
starts with them, the coordinator changes them by a new convention version
(:mod:`gic.governance.versions`). Pure values: no Flask, no database.
"""

from __future__ import annotations

from decimal import Decimal

# Default terms of a new groupement's first convention version.
DEFAULT_THRESHOLD_MINUTES = 420  # 7 h: an intervention's on-site time is free under it (R2)
DEFAULT_CAP_MINUTES = 2100  # 35 h: billable minutes of a beneficiary per civil year (R5)
DEFAULT_HOURLY_RATE = Decimal("25.00")  # EUR per hour (R6)
DEFAULT_DURATION_YEARS = 3  # the initial period of the convention

# A plausible civil year: anything outside is a typing error (422), never a query.
MIN_YEAR, MAX_YEAR = 2000, 2100

# Percent of the annual cap (per-intervention model) or of the hours ordered
# (ordered-hours model) at which the beneficiary's directors are warned.
ALERT_LEVELS = (80, 100)
