"""Scheduled and manual jobs in ``job_runs``: start, finish, record, and what the scheduler
reads back (enabled sources, the last scheduled run of a job, the latest run of each job).

Statuses: ``running`` → ``ok`` | ``failed``; ``skipped`` (lock held elsewhere), ``missed``
(beyond the misfire grace), ``coalesced`` (folded into a later run). Functions take the
session first and never commit: the shell (``veilleur.jobs``) owns each transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models.runs import JobRun, Source

__all__ = [
    "MESSAGE_TAIL_CHARS",
    "enabled_sources",
    "finish_job",
    "last_scheduled",
    "latest_jobs",
    "mark_interrupted",
    "record_job",
    "start_job",
]

log = logging.getLogger(__name__)
#: the end of a job's message that is kept (a crawl's output tail: enough for the traceback)
MESSAGE_TAIL_CHARS = 4000


def record_job(
    session: Session,
    job: str,
    status: str,
    scheduled_for: datetime | None,
    message: str,
    now: datetime,
) -> int:
    """A finished JobRun written in one go (skipped, missed, coalesced…); returns its id."""
    run = JobRun(
        job=job, scheduled_for=scheduled_for, started_at=now, finished_at=now,
        status=status, message=message,
    )  # fmt: skip
    session.add(run)
    session.flush()
    log.info("job_recorded job=%s status=%s scheduled_for=%s", job, status, scheduled_for)
    return run.id


def start_job(session: Session, job: str, scheduled_for: datetime | None, now: datetime) -> int:
    """A ``running`` JobRun; returns its id for :func:`finish_job`."""
    run = JobRun(job=job, scheduled_for=scheduled_for, started_at=now, status="running")
    session.add(run)
    session.flush()
    return run.id


def finish_job(session: Session, run_id: int, status: str, message: str, now: datetime) -> None:
    """Close a run with its status and the tail of its message."""
    run = session.get(JobRun, run_id)
    if run is not None:
        run.status, run.message, run.finished_at = status, message[-MESSAGE_TAIL_CHARS:], now
    log.info("job_finished id=%s status=%s", run_id, status)


def enabled_sources(session: Session, names: Iterable[str] | None) -> list[str]:
    """``names`` minus those whose ``sources`` row says ``enabled = false`` (a name without a
    row counts as enabled); without ``names``, the names of the ``sources`` rows."""
    rows = {name: enabled for name, enabled in session.execute(select(Source.name, Source.enabled))}
    listed = sorted(rows) if names is None else list(names)
    return [n for n in listed if rows.get(n, True)]


def mark_interrupted(session: Session, now: datetime, older_than: timedelta) -> int:
    """Rows left ``running`` by a killed process (no live lock could still own them) become
    ``failed`` with an explanation, so they are reported instead of looking busy forever."""
    stale = (
        session.execute(
            select(JobRun).where(JobRun.status == "running", JobRun.started_at < now - older_than)
        )
        .scalars()
        .all()
    )
    for run in stale:
        run.status, run.finished_at = "failed", now
        run.message = f"interrupted: still 'running' after {older_than} (process killed?)"
    return len(stale)


def last_scheduled(session: Session, job: str) -> datetime | None:
    """The latest fire time a run of ``job`` was recorded for (None: never recorded)."""
    return session.execute(
        select(JobRun.scheduled_for)
        .where(JobRun.job == job, JobRun.scheduled_for.is_not(None))
        .order_by(JobRun.scheduled_for.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_jobs(session: Session, limit: int = 50) -> list[JobRun]:
    """The most recent run of each job (for ``veilleur status``), newest first."""
    newest = select(JobRun.job, func.max(JobRun.id).label("id")).group_by(JobRun.job).subquery()
    stmt = select(JobRun).join(newest, JobRun.id == newest.c.id).order_by(JobRun.started_at.desc())
    return list(session.execute(stmt.limit(limit)).scalars())
