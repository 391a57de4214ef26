"""The benchmark's datasets, described as plans that :mod:`bench.generate` builds.

- ``gic65-10ans``: GIC 65 with its 3 establishments and 4 technicians, ten
  years of history (convention signed 2016-09-30 in this fiction), ~8,000
  sessions: the founding case, grown old.
- ``region``: a regional instance hosting 200 groupements, 1,000
  establishments and 1,000,000 sessions over 2019–2026; groupements differ in
  size (a few big ones, many small ones), each with its technicians, director
  per establishment, accountant and coordinator.
- ``groupement-1M``: the worst case of SPEC §10's budgets, « a groupement with
  1,000,000 sessions »: one groupement of 100 establishments and 500
  technicians over 2017–2026, whose convention lifts the annual cap so that
  2025 holds more than 100,000 billable interventions (the 100,000-line
  export). Its activity grows with the years, as a groupement that absorbed
  its neighbours.

The last day of history is fixed (``END``), so a seed always gives the same
data; the measures run « today », which must be in ``END``'s year (the
dashboards show the current year).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

END = date(2026, 11, 20)
EXPORT_YEAR = 2025  # the year measured for billing, bilan and exports (last full year)


@dataclass(frozen=True)
class Mix:
    """What interventions look like: shares of kinds and of session counts."""

    billable: float = 0.12      # on-site total reaches the threshold (R3)
    onsite_free: float = 0.38   # on-site but under the threshold (R2)
    # the rest is remote only (R1)
    full_day: float = 0.55      # a billable intervention done in one day (else 2 half days)
    extra_remote: float = 0.3   # a remote follow-up session added to an on-site one
    max_remote: int = 4         # remote-only interventions have 1..max_remote sessions


@dataclass(frozen=True)
class GroupementPlan:
    """One groupement to build: its members, its convention, its volume of work."""

    name: str
    establishments: tuple[str, ...]
    technicians: tuple[int, ...]          # per establishment
    sessions: int                         # target number of sessions
    start: date                           # convention signed (first session allowed)
    year_weights: dict[int, float]        # relative volume of work per civil year
    rates: tuple[tuple[int, Decimal], ...]  # (first year, hourly rate) from the start on
    cap_minutes: int = 2100
    threshold_minutes: int = 420
    mix: Mix = Mix()
    meetings: bool = True
    target: str = ""                      # "" or a label: the measures run on it


@dataclass
class Dataset:
    """A named set of groupements built into one empty database."""

    name: str
    description: str
    groupements: list[GroupementPlan] = field(default_factory=list)
    audit: bool = True                    # an audit entry per session and per transition
    notifications_per_user: int = 12


def _flat(first: int, last: int) -> dict[int, float]:
    return {y: 1.0 for y in range(first, last + 1)}


def gic65_10ans() -> Dataset:
    """GIC 65 over ten years (small, realistic)."""
    plan = GroupementPlan(
        name="GIC 65", establishments=("EPAS 65", "Centre Jean-Marie Larrieu",
                                       "EHPAD d'Argelès-Gazost"),
        technicians=(2, 1, 1), sessions=8_000, start=date(2016, 9, 30),
        year_weights=_flat(2016, 2026),
        rates=((2016, Decimal("25.00")), (2024, Decimal("27.50"))),
        target="GIC 65 (10 ans)")
    return Dataset("gic65-10ans", "GIC 65 : 1 groupement, 3 établissements, 10 ans d'historique",
                   [plan])


def region(seed: int, groupements: int = 200, establishments: int = 1_000,
           sessions: int = 1_000_000) -> Dataset:
    """200 groupements of uneven sizes sharing 1,000 establishments and 1M sessions."""
    rng = random.Random(seed * 7919 + 1)
    sizes = [3] * groupements
    for _ in range(establishments - 3 * groupements):  # spread the rest, big ones grow
        sizes[min(int(rng.paretovariate(1.2)) - 1, groupements - 1)
              if rng.random() < 0.3 else rng.randrange(groupements)] += 1
    weights = [size * rng.lognormvariate(0, 0.5) for size in sizes]
    total = sum(weights)
    plans = []
    ordered = sorted(range(groupements), key=lambda g: -weights[g])
    labels = {ordered[0]: "plus grand groupement de la région",
              ordered[groupements // 2]: "groupement médian de la région"}
    for g in range(groupements):
        n = sizes[g]
        rate = Decimal(rng.choice(("22.00", "25.00", "27.50", "30.00", "32.00")))
        start_year = rng.choice((2019, 2019, 2019, 2020, 2021))
        plans.append(GroupementPlan(
            name=f"GCSMS Région {g + 1:03d}",
            establishments=tuple(f"Établissement {g + 1:03d}-{k + 1:02d}" for k in range(n)),
            technicians=tuple(rng.choice((1, 2, 2, 3)) for _ in range(n)),
            sessions=max(50, round(sessions * weights[g] / total)),
            start=date(start_year, rng.choice((1, 3, 9)), 1),
            year_weights=_flat(start_year, END.year),
            rates=((start_year, rate), (2024, rate + Decimal("1.50"))),
            target=labels.get(g, "")))
    # Rounding: the largest groupement absorbs the difference, exactly 1M in all.
    diff = sessions - sum(p.sessions for p in plans)
    big = plans[ordered[0]]
    plans[ordered[0]] = GroupementPlan(**{**big.__dict__, "sessions": big.sessions + diff})
    return Dataset("region", f"Région : {groupements} groupements, {establishments:_} "
                             f"établissements, {sessions:_} séances".replace("_", "\u202f"),
                   plans)


def groupement_1m() -> Dataset:
    """One groupement with a million sessions, 2025 holding 100k+ billable interventions."""
    weights = {2017: 2, 2018: 3, 2019: 4, 2020: 5, 2021: 6, 2022: 7, 2023: 9,
               2024: 11, 2025: 12.5, 2026: 10}
    plan = GroupementPlan(
        name="GCSMS Grand Ensemble", establishments=tuple(
            f"Établissement GE-{k + 1:03d}" for k in range(100)),
        technicians=(5,) * 100, sessions=1_000_000, start=date(2017, 1, 1),
        year_weights={y: float(w) for y, w in weights.items()},
        rates=((2017, Decimal("25.00")), (2022, Decimal("26.40")), (2025, Decimal("28.00"))),
        cap_minutes=5_000_000,
        mix=Mix(billable=0.78, onsite_free=0.12, full_day=0.6, extra_remote=0.15, max_remote=2),
        target="groupement d'un million de séances")
    return Dataset("groupement-1M", "Pire cas : 1 groupement, 100 établissements, 1 000 000 "
                                    "de séances, plafond levé (100 000 lignes d'export en 2025)",
                   [plan])


def dataset(name: str, seed: int) -> Dataset:
    """The dataset called ``name``."""
    if name == "gic65-10ans":
        return gic65_10ans()
    if name == "region":
        return region(seed)
    if name == "groupement-1M":
        return groupement_1m()
    raise ValueError(f"unknown dataset {name!r}")


DATASETS = ("gic65-10ans", "region", "groupement-1M")
