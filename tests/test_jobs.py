"""Scheduled jobs: each job with a given « today », the run log, failures isolated,
the one-scheduler lock, the CLI, and the e-mails notifications send."""

from __future__ import annotations

import email
import email.policy
import importlib
import logging
import smtplib
import subprocess
import sys
import textwrap
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gic import timeutil
from gic.convention.history import terms_on
from gic.convention.rules import cap_level
from gic.extensions import db
from gic.governance.procedures import cast_ballot, open_renewal
from gic.jobs import JOBS, TIMEZONE, Job, due_jobs, run_job
from gic.jobs.convention import period_end
from gic.jobs.models import JobRun, JobStatus
from gic.jobs.scheduler import (
    AdvisoryLock,
    FileLock,
    SchedulerError,
    acquire_lock,
    build_scheduler,
    last_scheduled_day,
    missed_runs,
    run_scheduler,
)
from gic.models import ConventionVersion, Establishment
from gic.notifications.models import Notification
from gic.notifications.services import notify
from tests.helpers import accepted, session

# They read the e-mails of notifications (or check that none left).
pytestmark = pytest.mark.emails

TODAY = date(2026, 11, 23)
PARIS = ZoneInfo("Europe/Paris")


def fresh(stmt):
    """Read what was committed (objects reloaded from the database)."""
    db.session.expire_all()
    return db.session.scalars(stmt)


def notifications(**where) -> list[Notification]:
    """The jobs' notifications (not those of the workflow steps that set the scene)."""
    stmt = select(Notification).where(Notification.kind != "intervention").order_by(
        Notification.id)
    for column, value in where.items():
        stmt = stmt.where(getattr(Notification, column) == value)
    return list(fresh(stmt))


def runs(name: str | None = None) -> list[JobRun]:
    stmt = select(JobRun).order_by(JobRun.id)
    if name:
        stmt = stmt.where(JobRun.name == name)
    return list(fresh(stmt))


def onsite_days(world, days: int, *, first: date = date(2026, 3, 2), beneficiary: str = "B"):
    """One intervention A→beneficiary with ``days`` on-site sessions of 7 h 00 (billable)."""
    i = accepted(world, "A", beneficiary)
    for n in range(days):
        session(world, i, first + timedelta(days=n), "08:00", "15:00")
    return i


CALLED: list[tuple[str, date]] = []


def failing_once(today: date) -> int:
    """Fails (after an uncommitted change) on its first call, succeeds afterwards."""
    CALLED.append(("failing_once", today))
    if len([c for c in CALLED if c[0] == "failing_once"]) == 1:
        db.session.add(Establishment(groupement_id=db.session.scalar(
            select(Establishment.groupement_id).limit(1)), name="Jamais créé", finess="999999999"))
        db.session.flush()
        raise RuntimeError("serveur de messagerie injoignable")
    return 0


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLED.clear()


@pytest.fixture
def logs(caplog, monkeypatch):
    """caplog on the jobs' loggers (Alembic's fileConfig, run by the session's migration,
    disables the loggers that existed then: re-enable them for this test)."""
    for name in ("gic.jobs", "gic.notifications.services"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    caplog.set_level(logging.INFO, logger="gic")
    return caplog


@pytest.fixture
def test_jobs(monkeypatch):
    """The real jobs, and a test job that fails on its first run."""
    monkeypatch.setitem(JOBS, "failing_once", Job("failing_once", failing_once,
                                                  "Test", {"month": 6, "day": 6, "hour": 8,
                                                           "minute": 0}))
    return JOBS


# --- cap alerts ---------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "level"), [
    (0, None), (1679, None), (1680, 80), (2099, 80), (2100, 100), (2500, 100)])
def test_cap_level_thresholds(minutes, level):
    assert cap_level(minutes, 2100) == level
    assert cap_level(minutes, 0) is None  # no cap, no alert


def test_cap_alerts_at_80_then_100_percent_once_each(world, other_world):
    onsite_days(world, 3)  # 21 h 00 = 60 %: nothing yet
    assert run_job("cap_alerts", TODAY).status == JobStatus.OK
    assert notifications() == []

    onsite_days(world, 1, first=date(2026, 3, 9))  # 28 h 00 = 80 %
    for _ in range(2):  # the second run changes nothing
        result = run_job("cap_alerts", TODAY)
        assert result.status == JobStatus.OK
    [alert] = notifications()
    assert alert.user_id == world.directors["B"].id
    assert alert.key == f"cap:{world.establishments['B'].id}:2026:80"
    assert alert.subject == "Plafond annuel : 80 % atteints pour Établissement B (2026)"
    assert "28 h 00 / 35 h 00" in alert.body and "80 % du plafond annuel" in alert.body
    assert "Il reste 7 h 00" in alert.body
    assert alert.link == "/billing/2026"
    assert [r.counts for r in runs("cap_alerts")] == [
        {"groupements": 2, "notifications": 0}, {"groupements": 2, "notifications": 1},
        {"groupements": 2, "notifications": 0}]

    onsite_days(world, 1, first=date(2026, 3, 16))  # 35 h 00 = 100 %
    run_job("cap_alerts", TODAY)
    run_job("cap_alerts", TODAY + timedelta(days=1))
    assert [n.key.rsplit(":", 1)[1] for n in notifications()] == ["80", "100"]
    full = notifications()[1]
    assert full.user_id == world.directors["B"].id
    assert full.subject == "Plafond annuel atteint pour Établissement B (2026)"
    assert "35 h 00 / 35 h 00" in full.body and "détachement temporaire" in full.body
    # Nobody else: not the provider's director, the technicians, the other groupement.
    assert {n.user_id for n in notifications()} == {world.directors["B"].id}


def test_cap_alerts_first_seen_at_100_sends_only_that_level_and_count_the_year(world):
    onsite_days(world, 5)  # 35 h 00 in 2026
    run_job("cap_alerts", date(2027, 1, 5))  # a new year: 2026 hours do not count
    assert notifications() == []
    run_job("cap_alerts", TODAY)
    assert [n.key for n in notifications()] == [f"cap:{world.establishments['B'].id}:2026:100"]


def test_cap_alert_is_written_as_a_readable_eml_in_french(app, world):
    onsite_days(world, 4)
    run_job("cap_alerts", TODAY)
    [alert] = notifications()
    assert alert.emailed_at is not None
    [path] = Path(app.config["MAIL_OUTBOX"]).glob("*-cap_alert.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Plafond annuel : 80 % atteints pour Établissement B (2026)"
    assert message["To"] == world.directors["B"].email
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Bonjour Direction B,\n\nLes heures facturables de 2026 reçues par "
                           "Établissement B atteignent 28 h 00 / 35 h 00")
    # Links are absolute (PUBLIC_URL) so they work from a mail client.
    assert "Voir : http://127.0.0.1:5000/billing/2026" in body
    assert "vos notifications : http://127.0.0.1:5000/notifications/" in body
    # Readable as it is, in any text editor: plain UTF-8, no encoded words.
    raw = path.read_text(encoding="utf-8")
    assert "Subject: Plafond annuel : 80 % atteints pour Établissement B (2026)" in raw
    assert "reçues par Établissement B atteignent 28 h 00 / 35 h 00" in raw


# --- convention renewal ---------------------------------------------------------------

@pytest.mark.parametrize(("today", "end"), [
    (date(2019, 9, 30), date(2022, 9, 29)),
    (date(2022, 9, 29), date(2022, 9, 29)),   # the last day of a period is in it
    (date(2022, 9, 30), date(2025, 9, 29)),   # the next day starts the next period
    (TODAY, date(2028, 9, 29)),
    (date(2019, 1, 1), date(2022, 9, 29)),    # before the start: the first period
])
def test_period_end_is_the_first_end_on_or_after_today(world, today, end):
    assert period_end(terms_on(world.groupement.id, today), today) == end


def test_renewal_notice_90_days_before_the_period_end_not_91(world, other_world):
    end = date(2028, 9, 29)
    run_job("convention_renewal", end - timedelta(days=91))
    assert notifications() == []
    for days in (90, 90, 89, 1):  # once per period end, however often it runs
        run_job("convention_renewal", end - timedelta(days=days))
    sent = notifications()
    expected = {world.directors[x].id for x in "ABC"} | {world.coordinator.id}
    expected |= {other_world.directors[x].id for x in "XY"} | {other_world.coordinator.id}
    assert {n.user_id for n in sent} == expected and len(sent) == len(expected)
    mine = [n for n in sent if n.groupement_id == world.groupement.id]
    assert {n.key for n in mine} == {f"renewal:{world.groupement.id}:2028-09-29"}
    first = mine[0]
    assert first.subject == ("Convention de partenariat : la période se termine le "
                             "29 septembre 2028")
    assert "GIC 65" in first.body and "(dans 90 jours)" in first.body
    assert "périodes de 3 ans" in first.body and "tous les établissements membres" in first.body
    # Without a renewal, the convention ends: no notice of a next period.
    run_job("convention_renewal", date(2031, 9, 29) - timedelta(days=90))
    assert len(notifications(kind="convention_renewal")) == len(sent)
    # Renewed by unanimity (gic/governance), the next period has its own notice.
    renewal = open_renewal(world.coordinator, today=end - timedelta(days=60))
    for letter in "ABC":
        cast_ballot(renewal, world.directors[letter], choice="for")
    run_job("convention_renewal", date(2031, 9, 29) - timedelta(days=90))
    renewed = notifications(kind="convention_renewal", groupement_id=world.groupement.id)
    assert len(renewed) == 2 * len(mine)
    assert {n.key for n in renewed} - {n.key for n in mine} == {
        f"renewal:{world.groupement.id}:2031-09-29"}


def test_renewal_uses_the_latest_convention_version(world):
    db.session.add(ConventionVersion(
        groupement_id=world.groupement.id, valid_from=date(2025, 9, 30),
        start_date=date(2025, 9, 30), duration_years=2, threshold_minutes=420,
        cap_minutes=2100, hourly_rate=terms_on(world.groupement.id, TODAY).hourly_rate))
    db.session.commit()
    run_job("convention_renewal", date(2027, 9, 29) - timedelta(days=90))
    assert {n.key for n in notifications()} == {f"renewal:{world.groupement.id}:2027-09-29"}


# --- the framework: errors, skipped jobs, isolation -----------------------------------

def test_a_failing_job_is_rolled_back_logged_recorded_and_the_next_run_succeeds(
        app, world, test_jobs, logs):
    result = run_job("failing_once", TODAY)  # never raises
    assert result.status == JobStatus.ERROR
    assert result.message.startswith("RuntimeError: serveur de messagerie injoignable")
    [run] = runs("failing_once")
    assert run.status == JobStatus.ERROR and run.finished_at is not None
    assert run.run_key == "failing_once:2026-11-23" and run.day == TODAY
    assert "Traceback" in run.message and "failing_once" in run.message
    assert fresh(select(func.count()).select_from(Establishment)
                 .where(Establishment.name == "Jamais créé")).one() == 0  # rolled back
    [failure] = [r for r in logs.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "job failing_once failed (today=2026-11-23)"
    assert failure.exc_info and failure.exc_info[0] is RuntimeError
    # The app keeps serving, and the next run retries and succeeds.
    assert app.test_client().get("/login").status_code == 200
    assert run_job("failing_once", TODAY).status == JobStatus.OK
    assert [r.status for r in runs("failing_once")] == [JobStatus.ERROR, JobStatus.OK]


def test_one_groupement_failing_does_not_stop_the_others(world, other_world, monkeypatch):
    from gic.jobs import convention
    real = convention._renewal_of

    def broken_for_gic65(groupement, today):
        if groupement.id == world.groupement.id:
            raise ValueError("convention illisible")
        return real(groupement, today)

    monkeypatch.setattr(convention, "_renewal_of", broken_for_gic65)
    result = run_job("convention_renewal", date(2028, 7, 1))
    assert result.status == JobStatus.ERROR
    assert result.message.startswith("JobPartlyFailed: Échec pour GIC 65 ; 3 notification(s)")
    assert {n.groupement_id for n in notifications()} == {other_world.groupement.id}


def _importing(module: str):
    """A job whose function imports ``module`` only when it runs."""
    def job(today: date) -> None:
        importlib.import_module(module)
    return job


@pytest.mark.parametrize(("module", "missing"), [
    ("gic.not_written.services", "gic.not_written"),    # module missing
    ("broken_job_module", "gic_no_such_dependency"),     # a broken import
])
def test_a_job_whose_import_fails_is_an_error(app, monkeypatch, tmp_path, module, missing):
    (tmp_path / "broken_job_module.py").write_text("import gic_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(JOBS, "future", Job("future", _importing(module), "Test",
                                            {"hour": 8, "minute": 0}))
    result = run_job("future", TODAY)
    [run] = runs("future")
    assert result.status == run.status == JobStatus.ERROR
    assert missing in run.message


@pytest.mark.parametrize("name", sorted(JOBS))
def test_every_registered_job_is_an_area_function(name):
    """Jobs are registered by the function itself (a missing one fails at import)."""
    target = JOBS[name].target
    assert callable(target)
    assert target.__module__.startswith("gic.") and target.__name__ in {name, f"job_{name}"}


@pytest.mark.commits  # the job runs in a thread, on its own connection
def test_run_job_pushes_an_app_context_when_there_is_none(app, world):
    onsite_days(world, 4)
    box = {}
    thread = threading.Thread(target=lambda: box.update(result=run_job("cap_alerts", TODAY,
                                                                       app=app)))
    thread.start()
    thread.join()
    assert box["result"].status == JobStatus.OK and box["result"].counts["notifications"] == 1
    assert len(notifications()) == 1


# --- schedule and the one scheduler -----------------------------------------------------

def test_schedule_of_every_job():
    scheduler = build_scheduler(object())
    after = datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
    next_runs = {job.id: job.trigger.get_next_fire_time(None, after)
                 for job in scheduler.get_jobs()}
    assert next_runs == {
        "cap_alerts": datetime(2026, 11, 24, 7, 0, tzinfo=PARIS),
        "convention_renewal": datetime(2026, 11, 24, 7, 5, tzinfo=PARIS),
        "technicians_meetings": datetime(2026, 12, 1, 7, 10, tzinfo=PARIS),
        "meeting_reminders": datetime(2026, 11, 24, 7, 15, tzinfo=PARIS),
        "minutes_overdue": datetime(2026, 11, 24, 7, 20, tzinfo=PARIS),
        "bilan_draft": datetime(2027, 1, 1, 6, 0, tzinfo=PARIS),
        "overdue_returns": datetime(2026, 11, 24, 7, 25, tzinfo=PARIS),
        "forget_old_attempts": datetime(2026, 11, 24, 3, 30, tzinfo=PARIS),
    }
    assert not scheduler.running
    assert [job.name for job in due_jobs(date(2027, 1, 1))] == list(JOBS)
    assert "bilan_draft" not in [job.name for job in due_jobs(TODAY)]
    assert JOBS["technicians_meetings"].when == "le 1er de chaque mois à 07:10"
    assert JOBS["bilan_draft"].when == "chaque année le 1er janvier à 06:00"
    assert JOBS["cap_alerts"].when == "tous les jours à 07:00"


def test_file_lock_refuses_a_second_holder(tmp_path):
    path = tmp_path / "scheduler.lock"
    first = FileLock(path)
    with pytest.raises(SchedulerError, match="Un planificateur tourne déjà"):
        FileLock(path)
    # Another process is refused too (flock is per open file, across processes).
    probe = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl
        with open({str(path)!r}) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                print("refused")
        """)], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "refused"
    first.release()
    assert not first.is_held()
    second = FileLock(path)
    assert second.is_held()
    second.release()


@pytest.mark.commits  # the lock takes a connection of its own from the engine
def test_scheduler_lock_of_the_database_dialect(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_LOCK_FILE", str(tmp_path / "scheduler.lock"))
    first = acquire_lock(app)
    kind = AdvisoryLock if db.engine.dialect.name == "postgresql" else FileLock
    assert isinstance(first, kind) and first.is_held()
    with pytest.raises(SchedulerError, match="Un planificateur tourne déjà"):
        acquire_lock(app)
    first.release()
    second = acquire_lock(app)
    second.release()


@pytest.mark.commits  # the lock takes a connection of its own from the engine
def test_a_second_scheduler_command_exits_with_a_clear_message(app, runner, tmp_path,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_LOCK_FILE", str(tmp_path / "scheduler.lock"))
    held = acquire_lock(app)
    try:
        result = runner.invoke(args=["scheduler"])
    finally:
        held.release()
    assert result.exit_code == 1
    assert "Un planificateur tourne déjà" in result.output
    assert "ce processus s'arrête" in result.output


@pytest.mark.commits  # the lock takes a connection of its own from the engine
def test_run_scheduler_holds_the_lock_catches_up_then_releases(app, world, test_jobs,
                                                               monkeypatch, tmp_path):
    """The real start-up path with a scheduler whose start() returns at once."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    import gic.jobs.scheduler as scheduler_module

    monkeypatch.setitem(app.config, "SCHEDULER_LOCK_FILE", str(tmp_path / "scheduler.lock"))
    only = {"cap_alerts": JOBS["cap_alerts"], "bilan_draft": JOBS["bilan_draft"]}
    monkeypatch.setattr(scheduler_module, "JOBS", only)
    seen = {}

    class NotStarting(BlockingScheduler):
        def start(self, *args, **kwargs):
            with pytest.raises(SchedulerError):
                acquire_lock(app)  # held while the scheduler runs
            seen["jobs"] = sorted(job.id for job in self.get_jobs())

    run_scheduler(app, NotStarting)
    assert seen["jobs"] == ["bilan_draft", "cap_alerts", "lock_heartbeat"]
    # Caught up: each job's latest scheduled day (bilan_draft: 1 January).
    assert {(r.name, r.status) for r in runs()} == {("cap_alerts", JobStatus.OK),
                                                    ("bilan_draft", JobStatus.OK)}
    now = timeutil.local_now(TIMEZONE).replace(tzinfo=None)
    assert {r.name: r.day for r in runs()}["bilan_draft"] == last_scheduled_day(
        JOBS["bilan_draft"], now)
    acquire_lock(app).release()  # released at the end


def test_missed_runs_skip_jobs_already_done(app, world):
    now = datetime(2026, 11, 23, 7, 3)
    assert last_scheduled_day(JOBS["cap_alerts"], now) == TODAY
    assert last_scheduled_day(JOBS["convention_renewal"], now) == TODAY - timedelta(days=1)
    assert last_scheduled_day(JOBS["technicians_meetings"], now) == date(2026, 11, 1)
    assert last_scheduled_day(JOBS["bilan_draft"], now) == date(2026, 1, 1)
    run_job("cap_alerts", TODAY)
    missed = {job.name: day for job, day in missed_runs(now)}
    assert "cap_alerts" not in missed
    assert missed["convention_renewal"] == TODAY - timedelta(days=1)


@pytest.mark.slow  # a fresh interpreter
def test_web_workers_never_start_a_scheduler(app, world, client, database_url):
    from tests.conftest import login
    login(client, world.directors["A"])
    for url in ("/", "/notifications/", "/interventions/"):
        assert client.get(url).status_code == 200
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name]
    # In a fresh interpreter, serving requests does not even import APScheduler.
    code = textwrap.dedent(f"""
        import sys, threading
        from gic import create_app
        app = create_app({{"TESTING": True, "SQLALCHEMY_DATABASE_URI": {database_url!r}}})
        client = app.test_client()
        statuses = [client.get(url).status_code for url in ("/login", "/", "/notifications/")]
        print(statuses, threading.active_count(),
              sorted(m for m in sys.modules if m.startswith("apscheduler")))
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[200, 302, 302] 1 []"


# --- the run-jobs command -----------------------------------------------------------------

def test_run_jobs_named_with_a_given_today(runner, world):
    onsite_days(world, 4)
    result = runner.invoke(args=["run-jobs", "--today", "2026-11-23", "cap_alerts"])
    assert result.exit_code == 0, result.output
    assert "cap_alerts (2026-11-23) : terminée — groupements : 1, notifications : 1" \
        in result.output
    assert [(r.name, r.day, r.status) for r in runs()] == [
        ("cap_alerts", TODAY, JobStatus.OK)]
    assert len(notifications()) == 1


def test_run_jobs_without_names_runs_the_jobs_of_that_day(runner, world, test_jobs):
    result = runner.invoke(args=["run-jobs", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert {r.name for r in runs()} == {"cap_alerts", "convention_renewal", "meeting_reminders",
                                        "minutes_overdue", "overdue_returns",
                                        "forget_old_attempts"}
    result = runner.invoke(args=["run-jobs", "--today", "2027-01-01"])
    assert result.exit_code == 0, result.output
    assert {r.name for r in runs() if r.day == date(2027, 1, 1)} == set(JOBS) - {"failing_once"}


def test_run_jobs_reports_failures_and_refuses_unknown_names(runner, world, test_jobs):
    result = runner.invoke(args=["run-jobs", "--today", "2026-11-23", "failing_once",
                                 "cap_alerts"])
    assert result.exit_code == 1
    assert "failing_once (2026-11-23) : en erreur — RuntimeError" in result.output
    assert "cap_alerts (2026-11-23) : terminée" in result.output  # the next one still ran
    assert "Tâche(s) en erreur : failing_once" in result.output
    result = runner.invoke(args=["run-jobs", "nope"])
    assert result.exit_code == 2
    assert "tâche inconnue : nope (tâches : cap_alerts, convention_renewal" in result.output
    result = runner.invoke(args=["run-jobs", "--today", "23/11/2026", "cap_alerts"])
    assert result.exit_code == 2


# --- e-mail -----------------------------------------------------------------------------

class FakeSMTP:
    """Stands in for the network peer only: records what the app sends."""

    sessions: ClassVar[list[FakeSMTP]] = []
    fail: ClassVar[bool] = False

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.fail:
            raise smtplib.SMTPConnectError(421, "service indisponible")
        self.host, self.port, self.calls, self.sent = host, port, [], []
        FakeSMTP.sessions.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append("quit")

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sessions, FakeSMTP.fail = [], False
    monkeypatch.setattr("gic.notifications.services.smtplib.SMTP", FakeSMTP)
    for key, value in dict(MAIL_SERVER="smtp.exemple.test", MAIL_PORT=2525, MAIL_USERNAME="gic",
                           MAIL_PASSWORD="secret", MAIL_DEFAULT_SENDER="GIC 65 <gic@exemple.test>",
                           PUBLIC_URL="https://gic.exemple.test").items():
        monkeypatch.setitem(app.config, key, value)
    return FakeSMTP


def test_notifications_go_by_smtp_when_a_server_is_set(app, world, smtp):
    director = world.directors["A"]
    [n] = notify([director], kind="test", key="k1", subject="Réunion des directions : à préparer",
                 body="Ordre du jour à compléter.", link="/billing/2026")
    [connection] = smtp.sessions
    assert (connection.host, connection.port) == ("smtp.exemple.test", 2525)
    assert connection.calls == ["starttls", ("login", "gic", "secret"), "quit"]
    [message] = connection.sent
    assert message["Subject"] == "Réunion des directions : à préparer"
    assert message["To"] == director.email and message["From"] == "GIC 65 <gic@exemple.test>"
    # Plain text and HTML, links on PUBLIC_URL in both.
    assert "https://gic.exemple.test/billing/2026" in message.get_body(("plain",)).get_content()
    assert 'href="https://gic.exemple.test/billing/2026"' in message.get_body(
        ("html",)).get_content()
    assert n.emailed_at is not None
    assert not list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))


def test_a_mail_server_down_keeps_the_notification_and_the_job_succeeds(world, smtp, logs):
    smtp.fail = True
    onsite_days(world, 4)
    assert run_job("cap_alerts", TODAY).status == JobStatus.OK
    [n] = notifications()
    assert n.emailed_at is None
    assert any("e-mail of notification" in r.getMessage() for r in logs.records)
    smtp.fail = False
    run_job("cap_alerts", TODAY)  # idempotent: not sent again
    assert len(notifications()) == 1 and smtp.sessions == []


def test_other_groupement_is_untouched_by_a_job_for_one(world, other_world):
    """Cap use is per groupement: X at 80 % alerts X's director only."""
    i = accepted(other_world, "X", "Y")
    for n in range(4):
        session(other_world, i, date(2026, 3, 2) + timedelta(days=n), "08:00", "15:00")
    run_job("cap_alerts", TODAY)
    assert [n.user_id for n in notifications()] == [other_world.directors["Y"].id]


def test_old_login_attempts_and_reset_requests_are_forgotten(world, clock):
    """The throttling tables keep what still counts, not every attempt ever made."""
    from datetime import timedelta

    from gic.auth.models import LoginAddress, PasswordResetRequest
    from gic.models import LoginFailure
    from gic.timeutil import utcnow

    now, tech = utcnow(), world.technicians["A"]
    for age in (timedelta(days=2), timedelta(minutes=5)):
        db.session.add(LoginFailure(email=tech.email, remote_addr="192.0.2.1", at=now - age))
        db.session.add(PasswordResetRequest(email=tech.email, remote_addr="192.0.2.1",
                                            at=now - age))
    db.session.add(LoginAddress(user_id=tech.id, remote_addr="192.0.2.2",
                                last_success_at=now - timedelta(days=91)))
    db.session.add(LoginAddress(user_id=tech.id, remote_addr="192.0.2.3",
                                last_success_at=now - timedelta(days=3)))
    db.session.commit()
    result = run_job("forget_old_attempts", TODAY)
    assert result.status == JobStatus.OK
    assert result.counts == {"login_failures": 1, "reset_requests": 1, "addresses": 1}
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 1
    assert db.session.scalar(select(func.count(PasswordResetRequest.id))) == 1
    assert list(db.session.scalars(select(LoginAddress.remote_addr))) == ["192.0.2.3"]
