"""The nightly work, job by job, each outcome recorded in ``job_runs``.

* :func:`run_crawls` — every enabled source, each in its own subprocess (Scrapy's reactor
  cannot restart in one process: scrapy#2941), under the ``nightly`` database lock so a second
  scheduler, a cron entry or a stray web worker cannot run the same night twice;
* :func:`run_digest_job` — the group digests, under the ``digests`` lock;
* :func:`catch_up` — at start-up, the nights missed while the machine was off: the latest one
  runs once (coalesced) if within the misfire grace, the others are recorded, never silent.

Statuses written: ``running`` → ``ok`` | ``failed``; ``skipped`` (lock held elsewhere, or the
crawl itself reported its source lock busy), ``missed`` (beyond the grace), ``coalesced``
(folded into a later run). Time is injected (``now``/``clock``) so tests need no waiting.

The rows are written by :mod:`db.jobs` (session first, never commits); each write here is its
own short transaction, so a crawl running for hours holds no transaction open.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from db import jobs as job_runs
from db.locks import LockBusy, held_lock, lease_free
from db.models.base import utcnow
from db.session import database_url, session_scope
from vocabulary.errors import VeilleurError

if TYPE_CHECKING:  # digest.service loads the mail stack: only when digests are sent
    from digest.service import GroupResult

__all__ = [
    "JOB_CRAWL",
    "JOB_DIGEST",
    "LOCKED_EXIT_CODE",
    "CrawlOutcome",
    "catch_up",
    "crawl_argv",
    "crawl_env",
    "enabled_sources",
    "fire_times",
    "previous_fire_time",
    "run_crawls",
    "run_digest_job",
    "wait_for_lock",
]

log = logging.getLogger(__name__)
JOB_CRAWL = "nightly-crawl"
JOB_DIGEST = "digests"
#: exit status of ``veilleur crawl NAME`` when the source's lock is held (EX_TEMPFAIL)
LOCKED_EXIT_CODE = 75
STDERR_TAIL_BYTES = 4000
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CrawlOutcome:
    source: str
    status: str
    returncode: int | None
    message: str


def crawl_argv(name: str) -> list[str]:
    """The command that crawls one source in a fresh interpreter."""
    return [sys.executable, "-m", "veilleur.cli", "crawl", name]


def _record(
    url: str | None,
    job: str,
    status: str,
    scheduled_for: datetime | None,
    message: str,
    now: datetime,
) -> None:
    with session_scope(url) as s:
        job_runs.record_job(s, job, status, scheduled_for, message, now)


def _start(url: str | None, job: str, scheduled_for: datetime | None, now: datetime) -> int:
    with session_scope(url) as s:
        return job_runs.start_job(s, job, scheduled_for, now)


def _finish(url: str | None, run_id: int, status: str, message: str, now: datetime) -> None:
    with session_scope(url) as s:
        job_runs.finish_job(s, run_id, status, message, now)


def enabled_sources(url: str | None, names: Iterable[str] | None = None) -> list[str]:
    """Registered sources minus those whose ``sources`` row says ``enabled = false``.

    ``names`` defaults to ``crawler.registry.nightly_source_names()`` (frozen datasets are left
    out). A name without a row counts as enabled.
    """
    from crawler.registry import nightly_source_names

    listed = list(names) if names is not None else nightly_source_names()
    with session_scope(url) as s:
        return job_runs.enabled_sources(s, listed)


def _tail(f: IO[bytes]) -> str:
    """The last few KB of a crawl's output: enough for the traceback, bounded for the DB."""
    f.seek(0, os.SEEK_END)
    f.seek(max(0, f.tell() - STDERR_TAIL_BYTES))
    return f.read().decode("utf-8", "replace").strip()


def crawl_env(url: str | None) -> dict[str, str]:
    """The environment of a crawl subprocess: ours, plus the resolved database (absolute, so
    the child writes where the parent records whatever its folder) and the settings module."""
    return dict(
        os.environ,
        DATABASE_URL=database_url(url),
        SCRAPY_SETTINGS_MODULE=os.environ.get("SCRAPY_SETTINGS_MODULE", "crawler.settings"),
    )


def _crawl_one(argv: Sequence[str], timeout: float, url: str | None) -> tuple[int | None, str]:
    # the child runs in our folder with our settings: relative paths mean the same to both
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=crawl_env(url)
        )
        try:
            code: int | None = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, f"timeout after {timeout:.0f}s\n{_tail(out)}"
        return code, _tail(out)


def run_crawls(
    url: str | None,
    scheduled_for: datetime | None = None,
    sources: Iterable[str] | None = None,
    argv_for: Callable[[str], list[str]] = crawl_argv,
    timeout: float = 6 * 3600,
    lock_ttl: float = 8 * 3600,
    holder: str | None = None,
    clock: Clock = utcnow,
) -> list[CrawlOutcome] | None:
    """Crawl every enabled source once, one subprocess each. None when the lock was busy."""
    try:
        with held_lock(url, "nightly", holder, ttl=lock_ttl, heartbeat=True):
            try:
                names = enabled_sources(url, sources)
            except VeilleurError as exc:  # a bad portal file: the night's crawl fails, saying why
                _record(url, JOB_CRAWL, "failed", scheduled_for, str(exc), clock())
                raise
            parent = _start(url, JOB_CRAWL, scheduled_for, clock())
            outcomes = [_run_source(url, n, scheduled_for, argv_for, timeout, clock) for n in names]
            _second_opinion(url)
            failed = [o.source for o in outcomes if o.status == "failed"]
            summary = f"{len(outcomes)} sources, failed: {', '.join(failed) or 'none'}"
            _finish(url, parent, "failed" if failed else "ok", summary, clock())
            return outcomes
    except LockBusy as busy:
        _record(url, JOB_CRAWL, "skipped", scheduled_for, f"overlap refused: {busy}", clock())
        return None


def _second_opinion(url: str | None) -> None:
    """Score the night's unflagged notices for the desk's "à vérifier" (when a model file
    exists). Never fails the night: the crawls are done and stored."""
    from veilleur.opinions import score_unflagged_if_model

    try:
        score_unflagged_if_model(url)
    except Exception as exc:  # a second opinion is optional; the error is logged, not lost
        log.warning("second_opinion_failed error=%s: %s", type(exc).__name__, exc)


def _run_source(
    url: str | None,
    name: str,
    scheduled_for: datetime | None,
    argv_for: Callable[[str], list[str]],
    timeout: float,
    clock: Clock,
) -> CrawlOutcome:
    run_id = _start(url, f"crawl:{name}", scheduled_for, clock())
    log.info("crawl_start source=%s", name)
    code, tail = _crawl_one(argv_for(name), timeout, url)
    if code == 0:
        status = "ok"
    elif code == LOCKED_EXIT_CODE:
        status = "skipped"
    else:
        status = "failed"
    message = f"exit {code}: {tail}" if code is not None else tail
    _finish(url, run_id, status, message, clock())
    log.info("crawl_done source=%s status=%s code=%s", name, status, code)
    return CrawlOutcome(name, status, code, message)


def run_digest_job(
    url: str | None,
    scheduled_for: datetime | None = None,
    send: Callable[[], Sequence[GroupResult]] | None = None,
    lock_ttl: float = 2 * 3600,
    holder: str | None = None,
    clock: Clock = utcnow,
) -> str:
    """Send the due digests under the ``digests`` lock; returns the recorded status."""
    try:
        with held_lock(url, "digests", holder, ttl=lock_ttl):
            run_id = _start(url, JOB_DIGEST, scheduled_for, clock())
            try:
                results: Sequence[GroupResult]
                if send is None:
                    from digest.service import send_digests

                    results = send_digests(url, now=clock())
                else:
                    results = send()
            except Exception as exc:  # any failure must land in job_runs, not vanish
                log.exception("digest_job_failed")
                _finish(url, run_id, "failed", f"{type(exc).__name__}: {exc}", clock())
                return "failed"
            errors = [f"{r.group}: {r.error or 'refused ' + ','.join(r.refused)}"
                      for r in results if r.error or r.refused]  # fmt: skip
            status = "failed" if errors else "ok"
            _finish(url, run_id, status, "; ".join(errors) or f"{len(results)} groups", clock())
            return status
    except LockBusy as busy:
        _record(url, JOB_DIGEST, "skipped", scheduled_for, f"overlap refused: {busy}", clock())
        return "skipped"


def wait_for_lock(
    url: str | None,
    name: str,
    max_wait: float,
    poll: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Wait until nobody holds a live ``name`` lease (the digests wait for the night's crawls
    so they report them); False when still held after ``max_wait`` seconds."""
    waited = 0.0
    while True:
        with session_scope(url) as s:
            free = lease_free(s, name)
        if free:
            return True
        if waited >= max_wait:
            return False
        sleep(poll)
        waited += poll


def fire_times(
    trigger: CronTrigger, after: datetime, until: datetime, cap: int = 1000
) -> list[datetime]:
    """Fire times of ``trigger`` strictly after ``after`` and at or before ``until``."""
    out: list[datetime] = []
    cursor = after + timedelta(microseconds=1)
    while len(out) < cap:
        nxt = trigger.get_next_fire_time(None, cursor)
        if nxt is None or nxt > until:
            break
        out.append(nxt)
        cursor = nxt + timedelta(microseconds=1)
    return out


def previous_fire_time(
    trigger: CronTrigger, now: datetime, lookback: timedelta = timedelta(days=8)
) -> datetime | None:
    """The latest fire time at or before ``now`` (the run a job started now stands for)."""
    times = fire_times(trigger, now - lookback, now)
    return times[-1] if times else None


def catch_up(
    url: str | None,
    jobs: Sequence[tuple[str, CronTrigger, Callable[[datetime], object]]],
    now: datetime,
    grace: timedelta,
) -> dict[str, str]:
    """Handle the fire times missed since each job's last recorded run (machine off, crash).

    For each ``(job name, trigger, run(scheduled_for))``: the latest missed time runs once when
    ``now`` is within ``grace`` of it, and earlier ones are recorded ``coalesced``; beyond the
    grace they are all recorded ``missed``. A job never recorded before is not caught up (a
    fresh install does not run last night at start-up). Returns job name -> what was done.
    """
    done: dict[str, str] = {}
    for job, trigger, run in jobs:
        with session_scope(url) as s:
            last = job_runs.last_scheduled(s, job)
        if last is None:
            done[job] = "first start"
            continue
        missed = fire_times(trigger, last, now)
        if not missed:
            done[job] = "up to date"
            continue
        latest = missed[-1]
        if now - latest <= grace:
            for t in missed[:-1]:
                _record(
                    url,
                    job,
                    "coalesced",
                    t,
                    f"coalesced into the run for {latest.isoformat()}",
                    now,
                )
            log.info("catch_up job=%s runs_for=%s coalesced=%d", job, latest, len(missed) - 1)
            run(latest)
            done[job] = f"ran for {latest.isoformat()}, coalesced {len(missed) - 1}"
        else:
            for t in missed:
                _record(
                    url,
                    job,
                    "missed",
                    t,
                    f"machine was off; beyond the misfire grace of {grace}",
                    now,
                )
            done[job] = f"missed {len(missed)}"
    return done
