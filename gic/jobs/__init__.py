"""Scheduled jobs (SPEC §6): the list of jobs, and :func:`run_job` that runs one safely.

A job is a function ``f(today: date)`` living in its area's service module,
registered here by the function itself (imported above: grep and the IDE see
every job's edge); APScheduler's job ids stay the jobs' names. It returns the
number of notifications it sent (or a dict of counts, or None).
Jobs are idempotent: the notifications they send are unique per user and key
(:func:`gic.notifications.services.notify`), so running one twice, or again
after a failure, sends nothing twice.

Exactly one process runs them on schedule: ``flask --app gic scheduler``
(:mod:`gic.jobs.scheduler`); web workers never start a scheduler.
``flask --app gic run-jobs`` runs them once (cron users, tests).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask import Flask, current_app, has_app_context

from gic import timeutil
from gic.auth.services import job_forget_old_attempts
from gic.equipment.services import job_overdue_returns
from gic.extensions import db
from gic.jobs.convention import cap_alerts, convention_renewal
from gic.jobs.models import JobRun, JobStatus
from gic.meetings.services import (
    job_meeting_reminders,
    job_minutes_overdue,
    job_technicians_meetings,
)
from gic.reports.services import job_bilan_draft

log = logging.getLogger(__name__)

TIMEZONE = "Europe/Paris"  # the scheduler's clock and the default "today"
MESSAGE_LIMIT = 4000  # characters of an error's traceback kept on its run

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")



@dataclass(frozen=True)
class Job:
    """A scheduled job: what to call and when (cron fields in Europe/Paris)."""

    name: str
    target: Callable[[date], object]  # the area's function, called with "today"
    label: str
    schedule: Mapping[str, int] = field(default_factory=dict)  # month, day, hour, minute

    def runs_on(self, day: date) -> bool:
        """True when the schedule fires on ``day`` (daily, monthly or yearly jobs)."""
        return (self.schedule.get("day", day.day) == day.day
                and self.schedule.get("month", day.month) == day.month)

    @property
    def when(self) -> str:
        """The schedule as people say it: « tous les jours à 07:00 »."""
        at = f"{self.schedule['hour']:02d}:{self.schedule['minute']:02d}"
        day = self.schedule.get("day")
        day_text = "1er" if day == 1 else str(day)
        if "month" in self.schedule:
            return f"chaque année le {day_text} {MONTHS[self.schedule['month'] - 1]} à {at}"
        if day:
            return f"le {day_text} de chaque mois à {at}"
        return f"tous les jours à {at}"


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("cap_alerts", cap_alerts,
        "Alerte aux directions à 80 % et 100 % du plafond annuel (ou des heures commandées)",
        {"hour": 7, "minute": 0}),
    Job("convention_renewal", convention_renewal,
        "Renouvellement de la convention, 90 jours avant la fin de la période",
        {"hour": 7, "minute": 5}),
    Job("technicians_meetings", job_technicians_meetings,
        "Moins de 3 réunions de techniciens prévues dans l'année",
        {"day": 1, "hour": 7, "minute": 10}),
    Job("meeting_reminders", job_meeting_reminders,
        "Rappel aux invités avant une réunion", {"hour": 7, "minute": 15}),
    Job("minutes_overdue", job_minutes_overdue,
        "Compte rendu non finalisé 15 jours après la réunion", {"hour": 7, "minute": 20}),
    Job("bilan_draft", job_bilan_draft,
        "Brouillon du bilan annuel de l'année écoulée", {"month": 1, "day": 1, "hour": 6,
                                                         "minute": 0}),
    Job("overdue_returns", job_overdue_returns,
        "Matériel prêté non rendu à la date prévue", {"hour": 7, "minute": 25}),
    Job("forget_old_attempts", job_forget_old_attempts,
        "Oubli des tentatives de connexion et demandes de mot de passe anciennes",
        {"hour": 3, "minute": 30}),
)}


@dataclass(frozen=True)
class RunResult:
    """How one run ended (plain values: usable after its app context is gone)."""

    name: str
    run_key: str
    status: JobStatus
    message: str
    counts: dict[str, int]


def due_jobs(day: date) -> list[Job]:
    """The jobs whose schedule fires on ``day``, in schedule order."""
    return [job for job in JOBS.values() if job.runs_on(day)]


def run_job(name: str, today: date | None = None, *, app: Flask | None = None) -> RunResult:
    """Run one job for ``today`` (default: today in Europe/Paris) and record the run.

    Pushes an app context when there is none (or ``app`` is another app). Never
    raises for a failing job: the error is rolled back, logged with its
    traceback and recorded on the run (status ``error``); the next run retries.
    ``name`` must be one of :data:`JOBS` (KeyError otherwise: a caller's bug).
    """
    job = JOBS[name]
    if app is not None and not (has_app_context() and current_app._get_current_object() is app):
        with app.app_context():
            return _run(job, today)
    if not has_app_context():
        from gic import create_app
        with create_app().app_context():
            return _run(job, today)
    return _run(job, today)


def _run(job: Job, today: date | None) -> RunResult:
    day = today or timeutil.local_today(TIMEZONE)
    run_key = f"{job.name}:{day.isoformat()}"
    started = time.monotonic()
    log.info("job %s started (today=%s)", job.name, day)
    counts: dict[str, int] = {}
    run_id = None
    try:
        run = JobRun(name=job.name, run_key=run_key, day=day, status=JobStatus.RUNNING)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        outcome = job.target(day)
    except Exception as error:  # noqa: BLE001 - a failing job must never stop the scheduler
        db.session.rollback()
        log.exception("job %s failed (today=%s)", job.name, day)
        status, message = JobStatus.ERROR, _excerpt(error)
    else:
        counts = _counts(outcome)
        status, message = JobStatus.OK, _summary(counts)
    try:
        if run_id is None:  # the run could not even be recorded at its start
            raise RuntimeError("no run row")
        run = db.session.get(JobRun, run_id)
        run.status, run.message, run.counts = status, message, counts
        run.finished_at = timeutil.utcnow()
        db.session.commit()
    except Exception:  # noqa: BLE001 - e.g. the database is down: logged, not raised
        db.session.rollback()
        log.exception("job %s: its run could not be recorded", job.name)
    log.info("job %s ended: %s in %.2f s (%s)", job.name, status, time.monotonic() - started,
             message.splitlines()[0] if message else "")
    return RunResult(job.name, run_key, status, message, counts)


def _counts(outcome: object) -> dict[str, int]:
    """What a job returned, as counts: int -> notifications, dict as is, list -> its length."""
    if outcome is None or isinstance(outcome, bool):
        return {}
    if isinstance(outcome, int):
        return {"notifications": outcome}
    if isinstance(outcome, Mapping):
        return {str(k): int(v) for k, v in outcome.items() if isinstance(v, int)}
    if isinstance(outcome, list | tuple | set):
        return {"notifications": len(outcome)}
    return {}


def _summary(counts: dict[str, int]) -> str:
    if not counts:
        return "Rien à signaler."
    return ", ".join(f"{key} : {value}" for key, value in counts.items())


def _excerpt(error: BaseException) -> str:
    """« TypeError: message » then the end of the traceback, within MESSAGE_LIMIT."""
    head = f"{type(error).__name__}: {error}"[:500]
    tail = traceback.format_exc()[-(MESSAGE_LIMIT - len(head) - 1):]
    return f"{head}\n{tail}"
