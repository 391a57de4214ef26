"""Work done groupement by groupement, each isolated: the scheduled jobs'
loop (:mod:`gic.jobs` registers the jobs; the areas' jobs call this).

A module of its own, below the areas: the job list imports the areas' job
functions, and those functions import this loop, so neither imports the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import exists, select

from gic.extensions import db
from gic.models import ConventionVersion, Groupement

log = logging.getLogger("gic.jobs")  # the jobs' logger: one place to read a run


class JobPartlyFailed(Exception):
    """Some groupements failed while the others were handled (see the log)."""


def for_each_groupement(handle: Callable[[Groupement, date], int],
                        today: date) -> dict[str, int]:
    """Call ``handle(groupement, today)`` for every groupement that has a convention,
    each isolated: one groupement's failure is rolled back and logged, the others
    are still handled, then :class:`JobPartlyFailed` names the failed ones.
    Returns ``{"groupements": handled, "notifications": sent}``."""
    with_convention = exists().where(ConventionVersion.groupement_id == Groupement.id)
    groupements = db.session.execute(
        select(Groupement.id, Groupement.name).where(with_convention).order_by(Groupement.id)
    ).all()
    counts = {"groupements": 0, "notifications": 0}
    failed = []
    for groupement_id, name in groupements:
        try:
            counts["notifications"] += handle(db.session.get(Groupement, groupement_id), today)
            counts["groupements"] += 1
        except Exception:  # noqa: BLE001 - isolated per groupement, reported below
            db.session.rollback()
            log.exception("groupement %s (%s) failed", groupement_id, name)
            failed.append(name)
    if failed:
        raise JobPartlyFailed(f"Échec pour {', '.join(failed)} ; {counts['notifications']} "
                              f"notification(s) envoyée(s) pour les {counts['groupements']} "
                              "autre(s) groupement(s).")
    return counts
