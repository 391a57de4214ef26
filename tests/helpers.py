"""Shortcuts to put an intervention in a given state through the real services."""

from __future__ import annotations

from datetime import date, time

from gic.interventions import services
from gic.interventions.models import Intervention


def hm(text: str) -> time:
    """'09:30' -> time(9, 30)."""
    h, m = text.split(":")
    return time(int(h), int(m))


def accepted(world, provider: str = "A", beneficiary: str = "B", *,
             estimated_onsite_minutes: int = 0, axis: int = 2) -> Intervention:
    """A request from ``beneficiary`` to ``provider``, activated and accepted."""
    i = services.create_draft(
        world.technicians[beneficiary], provider_id=world.establishments[provider].id,
        axis=axis, nature="incident", description="Serveur de fichiers en panne",
        estimated_onsite_minutes=estimated_onsite_minutes)
    services.activate(i, world.directors[beneficiary])
    services.accept(i, world.directors[provider], world.technicians[provider].id)
    return i


def session(world, i: Intervention, day: date, start: str, end: str, mode: str = "onsite",
            provider: str | None = None):
    """Log a session as the assigned technician."""
    technician = i.technician
    return services.log_session(i, technician, day=day, start=hm(start), end=hm(end),
                                mode=mode, notes="")
