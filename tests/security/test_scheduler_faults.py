"""Scheduler faults (issue 5, item 8), beyond tests/test_jobs.py (which covers one
failing ``run_job`` call: rolled back, logged, recorded, retried):

- the real APScheduler scheduler (in a background thread) runs a job that takes
  the beneficiary's lock, waits, then raises: meanwhile the app, served for real
  over HTTP, keeps answering, and a session logged for that beneficiary waits for
  the lock, then succeeds once the failed job is rolled back; the failure is
  logged and recorded; the scheduler keeps running and the next fire succeeds;
- a job failing inside the database (an integrity error: on PostgreSQL, the
  transaction is aborted) is recorded too, and the next run succeeds;
- a run that failed is caught up when the scheduler starts again.
"""

from __future__ import annotations

import http.client
import logging
import queue
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from gic.auth.services import create_token
from gic.extensions import db
from gic.jobs import JOBS, TIMEZONE, Job, run_job
from gic.jobs.models import JobRun, JobStatus
from gic.jobs.scheduler import build_scheduler, run_scheduler
from gic.models import Establishment
from gic.timeutil import local_today
from tests.conftest import PASSWORD, make_app
from tests.helpers import accepted
from tests.security.test_http_concurrency import call, serve

# The scheduler's threads and a served app read committed data.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

PARIS = ZoneInfo(TIMEZONE)


class Flaky:
    """State of the test jobs below (a job is a module-level function, found by name)."""

    calls = 0
    beneficiary_id = 0
    inside = threading.Event()
    release = threading.Event()


def lock_then_fail_once(today: date) -> int:
    """First call: take the beneficiary's lock (as services do), wait, then raise."""
    Flaky.calls += 1
    if Flaky.calls == 1:
        db.session.execute(update(Establishment).where(Establishment.id == Flaky.beneficiary_id)
                           .values(lock_version=Establishment.lock_version + 1))
        Flaky.inside.set()
        Flaky.release.wait(timeout=30)
        raise RuntimeError("serveur de messagerie injoignable")
    return 0


def integrity_error_once(today: date) -> int:
    """First call: a duplicate key inside the database, then the job goes on (and fails)."""
    Flaky.calls += 1
    if Flaky.calls == 1:
        e = db.session.get(Establishment, Flaky.beneficiary_id)
        db.session.add(Establishment(groupement_id=e.groupement_id, name="Doublon",
                                     finess=e.finess))
        db.session.flush()  # IntegrityError: FINESS is unique
    return len(db.session.scalars(select(Establishment.id)).all())


@pytest.fixture
def flaky(monkeypatch):
    """Reset the test jobs' state; the jobs' loggers enabled (see tests/test_jobs.py)."""
    Flaky.calls = 0
    Flaky.inside, Flaky.release = threading.Event(), threading.Event()
    for name in ("gic.jobs", "gic.jobs.scheduler"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    yield Flaky
    Flaky.release.set()


def register(monkeypatch, name: str, function: Callable[[date], int]) -> dict[str, Job]:
    """The only job of the scheduler: ``name`` running ``function``."""
    import gic.jobs.scheduler as scheduler_module
    job = Job(name, function, "Tâche de test", {"hour": 3, "minute": 0})
    monkeypatch.setitem(JOBS, name, job)
    monkeypatch.setattr(scheduler_module, "JOBS", {name: job})
    return {name: job}


def runs(name: str) -> list[JobRun]:
    db.session.rollback()  # what the scheduler's thread committed
    runs = list(db.session.scalars(select(JobRun).where(JobRun.name == name)
                                   .order_by(JobRun.id)))
    db.session.rollback()
    return runs


def form_login(base: str, email: str) -> str:
    """Log in through the real login form; the session cookie to send back."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("POST", "/login", body=urlencode({"email": email,
                                                             "password": PASSWORD}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        assert response.status == 302
        return response.getheader("Set-Cookie").split(";")[0]
    finally:
        connection.close()


def get_page(base: str, path: str, cookie: str) -> int:
    """The status of a page read with the session cookie."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def finished_jobs(scheduler) -> queue.Queue:
    """The ids of the scheduler's jobs, each put once its run has returned (and so
    recorded and logged its outcome): the test waits on it instead of polling."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    finished: queue.Queue = queue.Queue()
    scheduler.add_listener(lambda event: finished.put(event.job_id),
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return finished


def test_a_failing_job_in_the_real_scheduler_while_the_app_serves(app, world, flaky,
                                                                   monkeypatch, caplog):
    from apscheduler.schedulers.background import BackgroundScheduler
    caplog.set_level(logging.INFO, logger="gic")
    register(monkeypatch, "flaky", lock_then_fail_once)
    sessions_url = f"/api/v1/interventions/{accepted(world, 'A', 'B').id}/sessions"
    flaky.beneficiary_id = world.establishments["B"].id
    technician_token = create_token(world.technicians["A"], "test")[1]
    db.session.commit()

    server_app = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    scheduler = build_scheduler(app, BackgroundScheduler)
    finished = finished_jobs(scheduler)
    try:
        with serve(server_app) as base:
            cookie = form_login(base, world.directors["B"].email)

            def page(path: str) -> int:
                return get_page(base, path, cookie)

            scheduler.start()
            scheduler.modify_job("flaky", next_run_time=datetime.now(PARIS))
            assert flaky.inside.wait(timeout=20), "the job did not start"
            # The job holds B's lock in an open transaction: the app still serves pages.
            assert page("/") == 200
            assert page("/interventions/") == 200
            assert page("/notifications/") == 200
            # A session for B waits for the lock...
            posted = {}
            yesterday = (local_today() - timedelta(days=1)).isoformat()
            post = threading.Thread(target=lambda: posted.update(answer=call(
                base, "POST", sessions_url, technician_token,
                {"date": yesterday, "start": "08:00", "end": "09:00", "mode": "remote"})))
            post.start()
            post.join(timeout=0.5)  # it cannot end while the job holds the lock
            assert post.is_alive(), "the session did not wait for the job's lock"
            # ...and goes through once the job fails and is rolled back.
            flaky.release.set()
            post.join(timeout=20)
            assert not post.is_alive()
            assert posted["answer"].status == 201, posted["answer"]

            assert finished.get(timeout=20) == "flaky"
            [failed] = runs("flaky")
            assert failed.message.startswith("RuntimeError: serveur de messagerie injoignable")
            assert failed.finished_at is not None
            [record] = [r for r in caplog.records if r.getMessage().startswith("job flaky")
                        and r.levelno == logging.ERROR]
            assert record.exc_info[0] is RuntimeError

            # The scheduler lives on: the job is still planned; its next fire succeeds.
            assert scheduler.running
            assert scheduler.get_job("flaky").next_run_time is not None
            scheduler.modify_job("flaky", next_run_time=datetime.now(PARIS))
            assert finished.get(timeout=20) == "flaky"
            assert [r.status for r in runs("flaky")] == [JobStatus.ERROR, JobStatus.OK]
            assert page("/") == 200
    finally:
        flaky.release.set()
        if scheduler.running:
            scheduler.shutdown(wait=True)
        with server_app.app_context():
            db.engine.dispose()
    assert flaky.calls == 2


def test_a_job_failing_inside_the_database_is_recorded_and_retried(app, world, flaky,
                                                                   monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="gic")
    register(monkeypatch, "duplicate", integrity_error_once)
    flaky.beneficiary_id = world.establishments["B"].id
    today = local_today(TIMEZONE)
    first = run_job("duplicate", today)
    assert first.status == JobStatus.ERROR
    assert first.message.startswith("IntegrityError")
    second = run_job("duplicate", today)
    assert second.status == JobStatus.OK and second.counts == {"notifications": 3}
    assert [(r.status, r.run_key) for r in runs("duplicate")] == [
        (JobStatus.ERROR, f"duplicate:{today}"), (JobStatus.OK, f"duplicate:{today}")]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"job duplicate failed (today={today})"]
    assert app.test_client().get("/login").status_code == 200


def test_a_failed_run_is_caught_up_when_the_scheduler_starts_again(app, world, flaky,
                                                                   monkeypatch, tmp_path):
    from apscheduler.schedulers.blocking import BlockingScheduler

    monkeypatch.setitem(app.config, "SCHEDULER_LOCK_FILE", str(tmp_path / "scheduler.lock"))
    register(monkeypatch, "duplicate", integrity_error_once)
    flaky.beneficiary_id = world.establishments["B"].id
    now = datetime.now(PARIS).replace(tzinfo=None)
    day = now.date() if now.hour >= 3 else now.date() - timedelta(days=1)  # last 03:00
    assert run_job("duplicate", day).status == JobStatus.ERROR

    class NotStarting(BlockingScheduler):
        def start(self, *args, **kwargs):  # the catch-up ran before start()
            pass

    run_scheduler(app, NotStarting)
    assert [r.status for r in runs("duplicate")] == [JobStatus.ERROR, JobStatus.OK]
    assert {r.day for r in runs("duplicate")} == {day}
    run_scheduler(app, NotStarting)  # done now: not run a third time
    assert len(runs("duplicate")) == 2
