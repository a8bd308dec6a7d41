"""``veilleur schedule`` and ``veilleur run-nightly``: the nightly crawl, then the digests.

APScheduler 3.x (the 4.x line is a pre-release) runs two cron jobs — the crawls and the
digests — with ``coalesce=True`` (a backlog of fire times runs once), ``max_instances=1`` and a
misfire grace of hours. That protects one process only; the database locks taken in
:mod:`veilleur.jobs` protect against a second scheduler, cron, or a web worker. Fire times
missed while the process was down are found from ``job_runs`` at start-up (:func:`catch_up`),
which keeps job state out of pickled job stores.

Configuration: ``veilleur.toml`` (``[schedule]`` table; path from ``--config`` or
``VEILLEUR_CONFIG``) then environment variables, which win::

    [schedule]
    crawl_cron = "30 2 * * *"      # VEILLEUR_CRAWL_CRON
    digest_cron = "0 7 * * *"      # VEILLEUR_DIGEST_CRON
    timezone = "Europe/Paris"      # VEILLEUR_TIMEZONE
    misfire_grace_hours = 6        # VEILLEUR_MISFIRE_GRACE_HOURS
    crawl_timeout_hours = 6        # VEILLEUR_CRAWL_TIMEOUT_HOURS (per source)
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from db import jobs as job_runs
from db.models.base import utcnow
from db.session import database_url, describe_url, session_scope
from veilleur.jobs import (
    JOB_CRAWL,
    JOB_DIGEST,
    catch_up,
    previous_fire_time,
    run_crawls,
    run_digest_job,
    wait_for_lock,
)
from vocabulary.env import time_zone
from vocabulary.errors import ConfigError

__all__ = [
    "ScheduleConfig",
    "build_scheduler",
    "config_file",
    "load_config",
    "run_nightly",
    "run_nightly_command",
    "schedule_command",
    "startup_catch_up",
    "triggers",
]

log = logging.getLogger(__name__)
DEFAULT_CONFIG_FILE = Path("veilleur.toml")
#: how long the digest job waits for a still-running night of crawls before sending anyway
DIGEST_WAIT_FOR_CRAWL_S = 3 * 3600


@dataclass(frozen=True)
class ScheduleConfig:
    crawl_cron: str = "30 2 * * *"
    digest_cron: str = "0 7 * * *"
    timezone: str = "Europe/Paris"
    misfire_grace_hours: float = 6.0
    crawl_timeout_hours: float = 6.0

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.misfire_grace_hours)


_ENV_KEYS = {
    "crawl_cron": "VEILLEUR_CRAWL_CRON",
    "digest_cron": "VEILLEUR_DIGEST_CRON",
    "timezone": "VEILLEUR_TIMEZONE",
    "misfire_grace_hours": "VEILLEUR_MISFIRE_GRACE_HOURS",
    "crawl_timeout_hours": "VEILLEUR_CRAWL_TIMEOUT_HOURS",
}


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> ScheduleConfig:
    """Defaults, then the ``[schedule]`` table of the TOML file, then environment variables.
    A missing or malformed file, an unknown key, an invalid cron expression or time zone fail
    here (:class:`ConfigError`, one line naming the file and the fix), at start-up, not at 02:30."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = config_file(path, env)
    if path is not None:
        values.update(_schedule_table(path))
    for key, var in _ENV_KEYS.items():
        if env.get(var):
            values[key] = env[var]
    for key in ("misfire_grace_hours", "crawl_timeout_hours"):
        if key in values:
            try:
                values[key] = float(values[key])
            except ValueError:
                raise ConfigError(
                    f"{key} must be a number of hours, not {values[key]!r} "
                    f"({_ENV_KEYS[key]} or the [schedule] table)"
                ) from None
    config = replace(ScheduleConfig(), **values)
    triggers(config)  # validate
    return config


def config_file(path: Path | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The TOML file in use: ``path``, else ``VEILLEUR_CONFIG``, else ``./veilleur.toml`` when
    it exists, else none."""
    env = os.environ if env is None else env
    path = path or (Path(env["VEILLEUR_CONFIG"]) if env.get("VEILLEUR_CONFIG") else None)
    if path is None and DEFAULT_CONFIG_FILE.exists():
        path = DEFAULT_CONFIG_FILE
    return path


def _schedule_table(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh).get("schedule", {})
    except FileNotFoundError:
        raise ConfigError(
            f"the configuration file {path} does not exist: create it or fix VEILLEUR_CONFIG "
            f"(or --config)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix that line") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [schedule] must be a table")
    unknown = set(table) - set(_ENV_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown [schedule] keys in {path}: {', '.join(sorted(unknown))} "
            f"(known: {', '.join(_ENV_KEYS)})"
        )
    return table


def triggers(config: ScheduleConfig) -> tuple[CronTrigger, CronTrigger]:
    tz = time_zone(config.timezone)
    try:
        return (
            CronTrigger.from_crontab(config.crawl_cron, timezone=tz),
            CronTrigger.from_crontab(config.digest_cron, timezone=tz),
        )
    except ValueError as exc:
        raise ConfigError(
            f'bad cron expression ({exc}): five fields, e.g. "30 2 * * *" '
            f"(VEILLEUR_CRAWL_CRON, VEILLEUR_DIGEST_CRON or the [schedule] table)"
        ) from None


def run_nightly(
    url: str | None,
    config: ScheduleConfig,
    crawl: bool = True,
    digests: bool = True,
    sources: list[str] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> bool:
    """One night's work once (crawls then digests); True when nothing failed."""
    from veilleur.night import run_night

    night = run_night(database_url(url), config, crawl, digests, sources, clock)
    return night.ok


def read_waiting_files(url: str | None) -> None:
    """Read files received for access requests that the desk could not read yet, so the
    digests report their flagged pages; a failure is logged and never stops the night."""
    from veilleur.requests import read_received

    try:
        read_received(url, os.environ.get("VEILLEUR_DOCUMENTS_DIR", "var/documents"))
    except Exception:
        log.exception("received_files_not_read")


def _listener(url: str | None) -> Callable[[JobEvent], None]:
    """Record what APScheduler decided without running the job: missed, skipped, coalesced."""

    def on_event(event: JobEvent) -> None:
        now = utcnow()
        try:
            with session_scope(url) as s:
                if event.code == EVENT_JOB_MISSED:
                    job_runs.record_job(
                        s, event.job_id, "missed", event.scheduled_run_time,
                        "past the misfire grace", now,
                    )  # fmt: skip
                elif event.code == EVENT_JOB_MAX_INSTANCES:
                    job_runs.record_job(
                        s, event.job_id, "skipped", event.scheduled_run_time,
                        "previous run still going (max_instances=1)", now,
                    )  # fmt: skip
                elif event.code == EVENT_JOB_SUBMITTED and isinstance(event, JobSubmissionEvent):
                    for t in event.scheduled_run_times[:-1]:
                        job_runs.record_job(
                            s, event.job_id, "coalesced", t, "coalesced into the next run", now
                        )
        except Exception:  # a listener must never take the scheduler down
            log.exception("job_event_record_failed job=%s", event.job_id)

    return on_event


def build_scheduler(
    url: str | None, config: ScheduleConfig, scheduler: BaseScheduler | None = None
) -> BaseScheduler:
    """A scheduler with the two nightly jobs, ready to ``start()``."""
    crawl_trigger, digest_trigger = triggers(config)
    scheduler = scheduler or BlockingScheduler(timezone=ZoneInfo(config.timezone))
    grace = int(config.grace.total_seconds())
    common: dict[str, Any] = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": grace,
        "replace_existing": True,
    }
    timeout = config.crawl_timeout_hours * 3600

    def crawl_job() -> None:
        run_crawls(url, previous_fire_time(crawl_trigger, utcnow()), timeout=timeout)
        read_waiting_files(url)

    def digest_job() -> None:
        # a long night's crawls still running at digest time: wait for them, then report them
        if not wait_for_lock(url, "nightly", max_wait=DIGEST_WAIT_FOR_CRAWL_S):
            log.warning("digests_start_while_crawling waited_s=%s", DIGEST_WAIT_FOR_CRAWL_S)
        run_digest_job(url, previous_fire_time(digest_trigger, utcnow()))

    scheduler.add_job(crawl_job, crawl_trigger, id=JOB_CRAWL, name="nightly crawl", **common)
    scheduler.add_job(digest_job, digest_trigger, id=JOB_DIGEST, name="digests", **common)
    scheduler.add_listener(
        _listener(url), EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_SUBMITTED
    )
    return scheduler


def startup_catch_up(
    url: str | None, config: ScheduleConfig, now: datetime | None = None
) -> dict[str, str]:
    """Close rows a killed process left ``running``, then run or record the missed nights."""
    now = now or utcnow()
    with session_scope(url) as s:
        job_runs.mark_interrupted(s, now, timedelta(hours=config.crawl_timeout_hours) * 2)
    crawl_trigger, digest_trigger = triggers(config)
    timeout = config.crawl_timeout_hours * 3600
    return catch_up(
        url,
        [
            (JOB_CRAWL, crawl_trigger, lambda t: run_crawls(url, t, timeout=timeout)),
            (JOB_DIGEST, digest_trigger, lambda t: run_digest_job(url, t)),
        ],
        now,
        config.grace,
    )


def stop_on_signal(scheduler: BaseScheduler) -> Callable[[int, object], None]:
    """A SIGTERM handler: shut the scheduler down, or leave quietly if it is not running yet.

    The signal can land between installing the handler and the end of `scheduler.start()`
    (a service manager stopping a scheduler that is still starting); `shutdown()` then raises
    `SchedulerNotRunningError`, which used to reach the operator as a traceback.
    """

    def _stop(signum: int, _frame: object) -> None:
        log.info("schedule_stop signal=%s", signum)
        if not scheduler.running:
            raise SystemExit(0)
        scheduler.shutdown(wait=False)

    return _stop


@click.command("schedule")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file with a [schedule] table (default ./veilleur.toml).")  # fmt: skip
@click.option(
    "--database-url", "db_url", envvar="DATABASE_URL", help="Database (default: DATABASE_URL)."
)
@click.option("--print-config", is_flag=True, help="Show the effective configuration and exit.")
def schedule_command(config_path: Path | None, db_url: str | None, print_config: bool) -> None:
    """Run the nightly scheduler in the foreground (crawls, then digests).

    \b
    Examples:
      veilleur schedule
      VEILLEUR_CRAWL_CRON="0 3 * * *" veilleur schedule --config /etc/veilleur.toml
    Missed nights (machine off) run once at start-up when within the misfire grace.
    """
    url = database_url(db_url)
    config = load_config(config_path)
    if print_config:
        from veilleur.night import settings_lines

        shown = config_file(config_path)
        click.echo("\n".join(settings_lines(url, config, str(shown) if shown else None)))
        return
    from veilleur.commands import schema_for_writing

    schema_for_writing(url)
    done = startup_catch_up(url, config)
    log.info("schedule_start config=%s catch_up=%s", config, done)
    scheduler = build_scheduler(url, config)
    signal.signal(signal.SIGTERM, stop_on_signal(scheduler))
    click.echo(
        f"veilleur schedule: crawl '{config.crawl_cron}', digests '{config.digest_cron}' "
        f"({config.timezone}); database {describe_url(url)}"
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


@click.command("run-nightly")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TOML file with a [schedule] table (default ./veilleur.toml).")  # fmt: skip
@click.option(
    "--database-url", "db_url", envvar="DATABASE_URL", help="Database (default: DATABASE_URL)."
)
@click.option("--source", "sources", multiple=True, help="Crawl only these sources (repeatable).")
@click.option("--no-crawl", is_flag=True, help="Skip the crawls, only send the digests.")
@click.option("--no-digest", is_flag=True, help="Skip the digests, only crawl.")
def run_nightly_command(
    config_path: Path | None,
    db_url: str | None,
    sources: tuple[str, ...],
    no_crawl: bool,
    no_digest: bool,
) -> None:
    """Do one night's work once: crawl every enabled source, then send the due digests.

    \b
    Examples:
      veilleur run-nightly                 # for cron or a systemd timer
      veilleur run-nightly --source boamp --no-digest
    Exit status 1 when a crawl or the digests failed (the details are in job_runs).
    """
    from veilleur.commands import schema_for_writing
    from veilleur.night import run_night, summary_lines

    url = database_url(db_url)
    config = load_config(config_path)
    click.echo(f"veilleur run-nightly: database {describe_url(url)}")
    schema_for_writing(url)
    night = run_night(
        url, config, crawl=not no_crawl, digests=not no_digest, sources=list(sources) or None
    )
    for line in summary_lines(url, night):
        click.echo(line)
    sys.exit(0 if night.ok else 1)
