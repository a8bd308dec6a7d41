"""Job runs (``db.jobs``) on SQLite and PostgreSQL: what the scheduler writes and reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.jobs import MESSAGE_TAIL_CHARS, finish_job, mark_interrupted, start_job
from db.models import JobRun

pytestmark = pytest.mark.pg_reuse

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def _status(session: Session) -> str:
    return session.scalars(select(JobRun.status)).one()


def test_stale_running_row_marked_failed(session: Session) -> None:
    session.add(JobRun(job="crawl:boamp", started_at=NOW - timedelta(days=1), status="running"))
    mark_interrupted(session, NOW, timedelta(hours=12))
    assert _status(session) == "failed"


def test_recent_running_row_left_alone(session: Session) -> None:
    session.add(JobRun(job="crawl:boamp", started_at=NOW - timedelta(hours=1), status="running"))
    mark_interrupted(session, NOW, timedelta(hours=12))
    assert _status(session) == "running"


def test_finished_job_keeps_the_end_of_its_message(session: Session) -> None:
    run_id = start_job(session, "crawl:boamp", None, NOW)
    finish_job(session, run_id, "failed", "x" * 10 + "Traceback … ValueError", NOW)
    message = session.scalars(select(JobRun.message).where(JobRun.id == run_id)).one()
    assert message is not None and message.endswith("ValueError")


def test_long_message_is_cut_to_its_tail(session: Session) -> None:
    run_id = start_job(session, "crawl:boamp", None, NOW)
    finish_job(session, run_id, "failed", "a" * MESSAGE_TAIL_CHARS + "end", NOW)
    message = session.scalars(select(JobRun.message).where(JobRun.id == run_id)).one()
    assert message == "a" * (MESSAGE_TAIL_CHARS - 3) + "end"
