"""``veilleur status``: is the watch working, and if not, why — in 80 columns.

Per source: its state (``ok`` only for a run without recorded errors), notices new and changed
by the last run, the cause of that run's first error (not the tail of Scrapy's statistics);
then the enabled sources and the next scheduled runs, the jobs' latest runs, the catalogue files
not read cleanly and the access requests needing action. On a narrow terminal or in a pipe each
source is a block of lines (as ``veilleur flagged`` does); on a wide one, a table. A fresh
install says what to run first. Read-only: a database without schema is not created here.
"""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import datetime
from typing import Any

import click

from db.runs import SourceHealth

__all__ = ["FRESH_INSTALL", "NEXT_STEP", "state_label", "status"]

#: what a fresh install is told (docs/operations.md quotes it)
FRESH_INSTALL = """\
Fresh install: nothing crawled yet in {db}.
First: veilleur db upgrade
Then:  veilleur crawl boamp --sample 20    (a short test crawl)
Then:  veilleur run-nightly, from cron     (docs/operations.md)"""
NEXT_STEP = 'next: docs/operations.md, "When something fails", says what each state means'
WIDE = 120


def state_label(h: SourceHealth) -> str:
    """The source's state in one word or two: never ``ok`` when its last run recorded errors."""
    if h.last_status is None:
        return "never run"
    if h.last_status == "ok" and h.last_errors:
        return f"ok, {h.last_errors} errors"
    return h.last_status


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


def _last_line(text: str | None, width: int = 150) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if len(last) <= width else last[: width - 1] + "…"


def _schedule_lines(url: str) -> list[str]:
    from veilleur.jobs import enabled_sources
    from veilleur.night import next_runs
    from veilleur.schedule import load_config
    from vocabulary.errors import VeilleurError

    names = ", ".join(enabled_sources(url)) or "none"
    lines = textwrap.wrap(f"Enabled sources: {names}", 80, subsequent_indent="  ")
    try:
        config = load_config()
    except VeilleurError as exc:
        return [*lines, f"Schedule: cannot be read: {exc}"]
    from db.models.base import utcnow

    runs = next_runs(config, utcnow())
    for job, times in runs.items():
        when = times[0].strftime("%Y-%m-%d %H:%M %Z") if times else "never"
        lines.append(f"Next {job}: {when} (when `veilleur schedule` runs)")
    return lines


def _print_sources(health: list[SourceHealth], wide: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    if wide:
        table = Table(title="Sources")
        columns = ("source", "state", "last run", "new", "changed", "notices", "flagged",
                   "watermark", "last ok", "first error")  # fmt: skip
        for name in columns:
            table.add_column(name, overflow="fold")
        for h in health:
            table.add_row(
                h.name, state_label(h), _when(h.last_started), str(h.last_new or 0),
                str(h.last_changed or 0), str(h.notices), str(h.flagged),
                h.watermark.isoformat() if h.watermark else "", _when(h.last_ok),
                h.first_error or "",
            )  # fmt: skip
        Console().print(table)
        return
    click.echo("Sources")
    for h in health:
        click.echo(f"\n{h.name}  {state_label(h)}  (last run {_when(h.last_started)})")
        click.echo(
            f"  new {h.last_new or 0}, changed {h.last_changed or 0}; "
            f"notices {h.notices}, flagged {h.flagged}"
        )
        click.echo(
            f"  watermark {h.watermark.isoformat() if h.watermark else 'none'}, "
            f"last ok {_when(h.last_ok)}"
        )
        why = h.first_error and f"first error: {h.first_error}"
        if not why and h.last_status not in (None, "ok", "running") and h.last_message:
            why = f"why: {_last_line(h.last_message)}"
        if why:
            click.echo(textwrap.fill(why, 80, initial_indent="  ", subsequent_indent="    "))


def _print_rows(title: str, rows: list[dict[str, str]], wide: bool) -> None:
    if not rows:
        return
    from rich.console import Console
    from rich.table import Table

    if wide:
        table = Table(title=title)
        for name in rows[0]:
            table.add_column(name, overflow="fold")
        for row in rows:
            table.add_row(*row.values())
        Console().print(table)
        return
    click.echo(f"\n{title}")
    for row in rows:
        first, *rest = row.values()
        line = f"{first}  " + "  ".join(v for v in rest if v)
        click.echo(textwrap.fill(line, 80, initial_indent="  ", subsequent_indent="    "))


@click.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(database_url: str | None, as_json: bool) -> None:
    """Health of every source, next runs, jobs and access requests needing action.

    Per-source health and last runs, enabled sources and next runs, scheduled jobs, then
    access requests per state and those needing action; exit code 1 when a source's last run
    is not ok or a job failed or was missed.

    \b
    Example:
      veilleur status
    """
    from rich.console import Console

    from db.catalogue import unhealthy_resources
    from db.health import failing_sources
    from db.jobs import latest_jobs
    from db.migrate import current
    from db.runs import source_health
    from db.session import database_url as resolve
    from db.session import describe_url, session_scope
    from veilleur.commands.request_status import print_requests, requests_status

    url = resolve(database_url)
    if not current(url):  # read-only: say what to run, create nothing
        click.echo(FRESH_INSTALL.format(db=describe_url(url)))
        sys.exit(1)
    with session_scope(url) as session:
        health = source_health(session)
        jobs: list[dict[str, Any]] = [
            {"job": j.job, "status": j.status, "started": j.started_at, "message": j.message}
            for j in latest_jobs(session, limit=50)
        ]
        failing = failing_sources(session)
        files: list[dict[str, Any]] = [
            {
                "source": r.source,
                "status": r.status,
                "dataset": r.dataset_title,
                "url": r.url,
                "error": r.error,
                "checked": r.checked_at,
            }
            for r in unhealthy_resources(session)
        ]
        access = requests_status(session)
    failed_jobs = [j for j in jobs if j["status"] in ("failed", "missed")]
    healthy = all(h.healthy for h in health) and not failing and not failed_jobs
    if as_json:
        sources = [h.__dict__ for h in health]
        out = {"sources": sources, "jobs": jobs, "files": files, "requests": access}
        click.echo(json.dumps(out, default=str, indent=1))
        sys.exit(0 if healthy else 1)
    wide = Console().width >= WIDE
    if not health and not jobs:  # nothing wrong yet: nothing ran
        click.echo(FRESH_INSTALL.format(db=describe_url(url)))
    else:
        _print_sources(health, wide)
    click.echo("")
    for line in _schedule_lines(url):
        click.echo(line)
    _print_rows(
        "Scheduled jobs (latest run of each)",
        [
            {
                "job": j["job"],
                "status": j["status"],
                "started": j["started"].strftime("%Y-%m-%d %H:%M") if j["started"] else "",
                "message": _last_line(j["message"]),
            }
            for j in jobs
        ],
        wide,
    )
    _print_rows(
        "Catalogue files not read cleanly (latest state)",
        [
            {
                "source": f["source"],
                "status": f["status"],
                "dataset": f["dataset"][:80],
                "url": f["url"],
                "error": _last_line(f["error"]),
            }
            for f in files
        ],
        wide,
    )
    print_requests(access)
    if not healthy:
        click.echo(f"\n{NEXT_STEP}")
    sys.exit(0 if healthy else 1)
