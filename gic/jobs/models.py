"""The log of scheduled job runs: one row per run, kept for the operators."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db


class JobStatus(Labelled):
    """How a run ended (``running`` while it runs, or when the process died in it)."""

    RUNNING = "running", N_("en cours")
    OK = "ok", N_("terminée")
    ERROR = "error", N_("en erreur")
    SKIPPED = "skipped", N_("ignorée")


class JobRun(db.Model):
    """One run of a job for one day (``run_key`` like ``"cap_alerts:2026-11-23"``).

    A log, not a "done" marker: jobs are idempotent on their own (notifications
    are unique per user and key), so a failed run is simply retried by the next one.
    """

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_name_started", "name", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    run_key: Mapped[str] = mapped_column(String(150), index=True)
    day: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, 20), default=JobStatus.RUNNING)
    message: Mapped[str] = mapped_column(Text, default="")
    counts: Mapped[dict | None] = mapped_column(JSON)
