"""The one scheduler: ``flask --app gic scheduler``, a process of its own.

Web workers never start a scheduler (``create_app`` does not even import
APScheduler), so running several workers runs no job twice. The scheduler
process takes a lock before it starts and keeps it for its lifetime, so a
second ``scheduler`` process exits at once with a clear message:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a
  dedicated connection; the server releases it when that connection ends;
- SQLite (one machine): an exclusive, non-blocking ``flock`` on
  ``instance/scheduler.lock`` (``SCHEDULER_LOCK_FILE``); the kernel releases
  it when the process ends, even on a crash.

At start it also runs, once, each job's latest scheduled run that did not end
well (the machine was off at 07:00, or the run failed): jobs are idempotent.
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from gic import timeutil
from gic.extensions import db
from gic.jobs import JOBS, TIMEZONE, Job, run_job
from gic.jobs.models import JobRun, JobStatus

log = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock: the bytes "gic:jobs" as a signed 64-bit integer.
ADVISORY_LOCK_KEY = int.from_bytes(b"gic:jobs", "big")
HEARTBEAT_MINUTES = 5  # how often the scheduler checks that it still holds its lock
MISFIRE_GRACE_SECONDS = 3600  # a run delayed (busy, machine asleep) by up to 1 h still runs
CATCH_UP_DAYS = 366  # how far back the start-up catch-up looks for a missed run


class SchedulerError(Exception):
    """The scheduler cannot run (or must stop): another one holds the lock, or it was lost."""


class SchedulerLock:
    """The lock that makes a scheduler the only one; held until :meth:`release`."""

    def is_held(self) -> bool:
        """True while the lock is still ours."""
        raise NotImplementedError

    def release(self) -> None:
        """Give the lock back (also done by the OS or the server when the process ends)."""
        raise NotImplementedError


class FileLock(SchedulerLock):
    """An exclusive non-blocking ``flock`` on a file, which records the holder's pid."""

    def __init__(self, path: Path) -> None:
        import fcntl  # POSIX only; PostgreSQL installations use the advisory lock
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a+", encoding="ascii")  # noqa: SIM115 - held for life
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.seek(0)
            holder = self._file.read().strip() or "?"
            self._file.close()
            raise SchedulerError(
                f"Un planificateur tourne déjà (verrou {path} détenu par le processus "
                f"{holder}) : ce processus s'arrête. Un seul « flask --app gic scheduler » "
                "doit tourner.") from None
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def is_held(self) -> bool:
        """True until released (a flock cannot be lost while the file stays open)."""
        return not self._file.closed

    def release(self) -> None:
        """Unlock and close the file."""
        if self._file.closed:
            return
        import fcntl
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


class AdvisoryLock(SchedulerLock):
    """A PostgreSQL session-level advisory lock, on a connection kept for the lock only."""

    def __init__(self, engine: Engine) -> None:
        self._connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        acquired = self._connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": ADVISORY_LOCK_KEY})
        if not acquired:
            self._connection.close()
            raise SchedulerError(
                "Un planificateur tourne déjà pour cette base (verrou consultatif PostgreSQL "
                "détenu par une autre connexion) : ce processus s'arrête. Un seul "
                "« flask --app gic scheduler » doit tourner.")

    def is_held(self) -> bool:
        """True while the lock's connection (hence its session) is alive."""
        if self._connection.closed:
            return False
        try:
            return self._connection.scalar(text("SELECT 1")) == 1
        except DBAPIError:
            return False

    def release(self) -> None:
        """Unlock and close the connection (closing alone would release it too)."""
        if self._connection.closed:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                     {"key": ADVISORY_LOCK_KEY})
        except DBAPIError:
            log.warning("scheduler lock: unlock failed (the connection is gone)")
        finally:
            self._connection.close()


def acquire_lock(app: Flask) -> SchedulerLock:
    """Take the scheduler lock of this installation, or raise :class:`SchedulerError`."""
    if db.engine.dialect.name == "postgresql":
        return AdvisoryLock(db.engine)
    path = app.config.get("SCHEDULER_LOCK_FILE") or Path(app.instance_path) / "scheduler.lock"
    return FileLock(Path(path))


def build_scheduler(app: Flask, scheduler_class=None):
    """An APScheduler scheduler (blocking by default, not started) with every job on
    its cron schedule in Europe/Paris, run one at a time, each through :func:`run_job`."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    tz = ZoneInfo(TIMEZONE)
    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=tz, executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    for job in JOBS.values():
        scheduler.add_job(run_job, CronTrigger(timezone=tz, **job.schedule), args=[job.name],
                          kwargs={"app": app}, id=job.name, name=job.label)
    return scheduler


def last_scheduled_day(job: Job, now: datetime) -> date | None:
    """The day of the job's latest scheduled time at or before ``now`` (local time)."""
    at = time(job.schedule["hour"], job.schedule["minute"])
    day = now.date() if now.time() >= at else now.date() - timedelta(days=1)
    for _ in range(CATCH_UP_DAYS + 1):
        if job.runs_on(day):
            return day
        day -= timedelta(days=1)
    return None


def missed_runs(now: datetime) -> list[tuple[Job, date]]:
    """Each job's latest scheduled day without a successful run (``ok``): to catch up."""
    missed = []
    for job in JOBS.values():
        day = last_scheduled_day(job, now)
        if day is None:
            continue
        done = db.session.scalar(select(JobRun.id).where(
            JobRun.run_key == f"{job.name}:{day.isoformat()}", JobRun.status == JobStatus.OK)
            .limit(1))
        if done is None:
            missed.append((job, day))
    return missed


def configure_logging() -> None:
    """Log each run to stderr (journald under systemd) unless logging is configured."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_scheduler(app: Flask, scheduler_class=None) -> None:
    """Take the lock, catch up missed runs, then run the jobs on schedule until
    SIGTERM or Ctrl-C. Raises :class:`SchedulerError` when another scheduler runs,
    or when the lock is lost (then exit non-zero: a supervisor restarts it)."""
    lock = acquire_lock(app)
    lost = []
    previous_handler = signal.getsignal(signal.SIGTERM)
    try:
        scheduler = build_scheduler(app, scheduler_class)

        def stop(*_) -> None:
            if scheduler.running:
                scheduler.shutdown(wait=False)

        def heartbeat() -> None:
            if not lock.is_held():
                log.critical("scheduler lock lost: stopping (another scheduler may start)")
                lost.append(True)
                stop()

        scheduler.add_job(heartbeat, "interval", minutes=HEARTBEAT_MINUTES, id="lock_heartbeat",
                          name="Vérification du verrou du planificateur")
        for job, day in missed_runs(timeutil.local_now(TIMEZONE).replace(tzinfo=None)):
            log.info("catching up %s for %s", job.name, day)
            run_job(job.name, day, app=app)
        signal.signal(signal.SIGTERM, stop)
        log.info("scheduler started (pid %s): %s", os.getpid(),
                 "; ".join(f"{job.name} {job.when}" for job in JOBS.values()))
        scheduler.start()  # blocks until shutdown
        log.info("scheduler stopped")
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        lock.release()
    if lost:
        raise SchedulerError("Verrou du planificateur perdu (connexion à la base "
                             "interrompue) : arrêt.")
