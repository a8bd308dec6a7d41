"""What a night will do and what it did, in words an operator reads in a cron log.

* :func:`run_night` — one night's work once (crawls, received files, digests), keeping each
  job's outcome for :func:`summary_lines`: one line per source (status, notices new and
  changed, the first error's cause) and where to look next;
* :func:`settings_lines` — the effective settings (database, SMTP host, time zone, crons,
  enabled sources, groups) and the next run times, for ``veilleur schedule --print-config``;
* :func:`next_runs` — the next fire times of the two nightly jobs (``veilleur status`` too).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from db.models.base import utcnow
from db.session import session_scope
from veilleur.jobs import CrawlOutcome, enabled_sources, fire_times, run_crawls, run_digest_job
from veilleur.schedule import ScheduleConfig, read_waiting_files, triggers
from vocabulary.errors import VeilleurError

__all__ = ["Night", "next_runs", "run_night", "settings_lines", "summary_lines"]

log = logging.getLogger(__name__)
NEXT_STEP = (
    "next: `veilleur status` for every source and job; a run's errors are in the crawl_errors "
    'table; docs/operations.md, "When something fails", says what each line means'
)


@dataclass
class Night:
    """What one night did: ``outcomes`` None when the crawls did not start (another night
    holds the lock, or ``crawl_error`` says why), ``digests`` the digest job's status."""

    started: datetime
    outcomes: list[CrawlOutcome] | None = None
    crawl_error: str | None = None
    crawled: bool = False
    digests: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        crawls_ok = not self.crawled or (
            self.outcomes is not None and all(o.status != "failed" for o in self.outcomes)
        )
        return crawls_ok and self.digests in (None, "ok")


def run_night(
    url: str,
    config: ScheduleConfig,
    crawl: bool = True,
    digests: bool = True,
    sources: list[str] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Night:
    """One night's work once: the crawls, the files received for requests, the digests."""
    night = Night(started=clock(), crawled=crawl)
    if crawl:
        try:
            night.outcomes = run_crawls(
                url, None, sources, timeout=config.crawl_timeout_hours * 3600, clock=clock
            )
        except VeilleurError as exc:  # recorded as a failed crawl job; the digests still go out
            log.error("crawl_not_started error=%s", exc)
            night.crawl_error = str(exc)
    read_waiting_files(url)
    if digests:
        night.digests = run_digest_job(url, None, clock=clock)
    return night


def _one_line(text: str, width: int = 160) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if len(last) <= width else last[: width - 1] + "…"


def summary_lines(url: str, night: Night) -> list[str]:
    """One line per job of the night, then where to look next."""
    from db.models.runs import JobRun
    from db.runs import source_health

    lines: list[str] = []
    if night.crawled:
        if night.crawl_error:
            lines.append(f"crawls   not started: {night.crawl_error}")
        elif night.outcomes is None:
            lines.append("crawls   skipped: another night's crawls are running (lock held)")
        else:
            with session_scope(url) as session:
                health = {h.name: h for h in source_health(session)}
            for outcome in night.outcomes:
                h = health.get(outcome.source)
                this_night = h is not None and h.last_started and h.last_started >= night.started
                line = f"{outcome.source:<12} {outcome.status:<8}"
                if h is not None and this_night:
                    line += f" new {h.last_new or 0}, changed {h.last_changed or 0}"
                    cause = h.first_error or (
                        h.last_message if h.last_status not in ("ok", "running") else None
                    )
                    if cause:
                        line += f"; first error: {_one_line(cause)}"
                elif outcome.status != "ok":
                    line += f" {_one_line(outcome.message)}"
                lines.append(line)
            if not night.outcomes:
                lines.append("crawls   no enabled source")
    if night.digests is not None:
        with session_scope(url) as session:
            job = session.scalar(
                select(JobRun).where(JobRun.job == "digests").order_by(JobRun.id.desc()).limit(1)
            )
        detail = _one_line(job.message or "") if job is not None else ""
        lines.append(f"{'digests':<12} {night.digests:<8} {detail}".rstrip())
    lines.append(NEXT_STEP if not night.ok else "next: `veilleur status` for every source")
    return lines


def next_runs(config: ScheduleConfig, now: datetime, count: int = 1) -> dict[str, list[datetime]]:
    """The next ``count`` fire times of the crawl and digest jobs after ``now``."""
    from datetime import timedelta

    crawl_trigger, digest_trigger = triggers(config)
    horizon = now + timedelta(days=400)
    return {
        "crawls": fire_times(crawl_trigger, now, horizon, cap=count),
        "digests": fire_times(digest_trigger, now, horizon, cap=count),
    }


def settings_lines(url: str, config: ScheduleConfig, config_file: str | None) -> list[str]:
    """The settings a night runs with, where each comes from, and the next run times."""
    from db.session import describe_url

    smtp = os.environ.get("VEILLEUR_SMTP_HOST") or "(not set: digests cannot be sent)"
    lines = [
        f"database        {describe_url(url)}",
        f"config file     {config_file or '(none: defaults and environment variables)'}",
        f"smtp host       {smtp}",
        f"time zone       {config.timezone}",
        f"crawl cron      {config.crawl_cron}",
        f"digest cron     {config.digest_cron}",
        f"misfire grace   {config.misfire_grace_hours:g} h",
        f"crawl timeout   {config.crawl_timeout_hours:g} h per source",
    ]
    lines += [f"sources         {', '.join(_sources(url))}", f"groups          {_groups(url)}"]
    for job, times in next_runs(config, utcnow()).items():
        when = times[0].strftime("%Y-%m-%d %H:%M %Z") if times else "never"
        lines.append(f"next {job:<10} {when}")
    return lines


def _sources(url: str) -> list[str]:
    try:
        return enabled_sources(url) or ["(none enabled)"]
    except Exception as exc:  # no schema yet: the registry's list, said so
        from crawler.registry import nightly_source_names

        log.debug("sources_from_registry error=%s", exc)
        return [*nightly_source_names(), "(database not created yet: all enabled)"]


def _groups(url: str) -> str:
    from db.models.digest import Group

    try:
        with session_scope(url) as session:
            groups = list(session.scalars(select(Group).order_by(Group.name)))
    except Exception as exc:  # no schema yet
        log.debug("groups_unread error=%s", exc)
        return "(database not created yet)"
    if not groups:
        return "(none: `veilleur groups add` creates one)"
    return ", ".join(f"{g.name} ({g.cadence}{'' if g.active else ', inactive'})" for g in groups)
