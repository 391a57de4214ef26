"""Shortcuts for the ordered-hours model (issue 16): turn a test world into a
GCSMS-like groupement whose version in force uses it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gic.extensions import db
from gic.models import ConventionModel, ConventionVersion, Participation

H = 60


def make_ordered(world, *, rate: str = "45.00", threshold: int = 0,
                 valid_from: date = date(2026, 1, 1), overrun_allowed: bool = True,
                 instalments: int = 1, users: str = "") -> ConventionVersion:
    """A version of the ordered-hours model in force from ``valid_from`` (no cap in
    practice); the establishments named in ``users`` become « utilisateurs »."""
    version = ConventionVersion(
        groupement_id=world.groupement.id, valid_from=valid_from,
        start_date=date(2019, 9, 30), duration_years=3, threshold_minutes=threshold,
        cap_minutes=2000 * H, hourly_rate=Decimal(rate), model=ConventionModel.ORDERED_HOURS,
        overrun_allowed=overrun_allowed, instalments=instalments)
    db.session.add(version)
    for letter in users:
        world.establishments[letter].participation = Participation.USER
    db.session.commit()
    return version
