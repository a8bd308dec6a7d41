"""Read-side commands: ``flagged``, ``rescan``, ``status``, ``export``."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import Any

import click
from sqlalchemy import select

__all__ = ["export", "flagged", "print_flagged", "rescan", "status"]


def _flagged_rows(
    database_url: str | None,
    *,
    category: str | None = None,
    departement: str | None = None,
    since: date | None = None,
    until: date | None = None,
    source: str | None = None,
    limit: int = 50,
) -> list[Any]:
    from db.models.notices import Notice
    from db.session import session_scope

    query = select(Notice).where(Notice.flagged.is_(True))
    if since:
        query = query.where(Notice.published_at >= since)
    if until:
        query = query.where(Notice.published_at <= until)
    if source:
        query = query.where(Notice.source == source)
    query = query.order_by(Notice.published_at.desc().nulls_last(), Notice.id.desc())
    out = []
    with session_scope(database_url) as session:
        for notice in session.scalars(query):
            # JSON list filters in Python: portable across SQLite and PostgreSQL
            if category and category not in (notice.categories or []):
                continue
            if departement and departement not in (notice.departements or []):
                continue
            out.append(notice)
            if len(out) >= limit:
                break
        session.expunge_all()
    return out


def print_flagged(database_url: str | None, limit: int = 50, **filters: Any) -> int:
    """A table on a wide terminal; one block per notice on a narrow one or in a pipe."""
    from rich.console import Console
    from rich.table import Table

    rows = _flagged_rows(database_url, limit=limit, **filters)
    console = Console(soft_wrap=False)
    if console.width < 120:
        console.print(f"[bold]Flagged notices ({len(rows)})[/bold]")
        for notice in rows:
            day = notice.published_at.isoformat() if notice.published_at else "????-??-??"
            console.print(
                f"\n[bold]{day}[/bold]  {','.join(notice.departements or []) or '—'}  "
                f"[magenta]{','.join(notice.categories or [])}[/magenta]  "
                f"{notice.buyer_name or ''}",
                highlight=False,
            )
            console.print(f"  {notice.title}", highlight=False, markup=False)
            console.print(f"  {notice.url}", highlight=False, markup=False)
        return len(rows)
    table = Table(title=f"Flagged notices ({len(rows)})", expand=True)
    for name in ("date", "buyer", "dépt", "categories", "title", "link"):
        table.add_column(name, overflow="fold")
    for notice in rows:
        table.add_row(
            notice.published_at.isoformat() if notice.published_at else "",
            (notice.buyer_name or "")[:40],
            ",".join(notice.departements or []),
            ",".join(notice.categories or []),
            notice.title[:160],
            notice.url,
        )
    console.print(table)
    return len(rows)


@click.command()
@click.option("--category", help="Only this category (videosurveillance, lapi, drones …).")
@click.option("--departement", help="Only this département code (13, 2A, 974 …).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before.")
@click.option("--source", help="Only this source (boamp, ted …).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def flagged(
    category: str | None,
    departement: str | None,
    since: Any,
    until: Any,
    source: str | None,
    limit: int,
    database_url: str | None,
) -> None:
    """List flagged notices, newest first, as a table.

    \b
    Examples:
      veilleur flagged --category videosurveillance --departement 62
      veilleur flagged --since 2024-01-01 --limit 200
    """
    print_flagged(
        database_url,
        limit=limit,
        category=category,
        departement=departement,
        since=since.date() if since else None,
        until=until.date() if until else None,
        source=source,
    )


@click.command()
@click.option("--source", help="Only notices of this source.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def rescan(source: str | None, database_url: str | None) -> None:
    """Re-apply the current rules to every stored notice (and its documents); no crawling.

    \b
    Example:
      veilleur rescan --source boamp
    """
    from db.session import sessionmaker_for
    from extract.rules import default_ruleset
    from veilleur.rescan import rescan_notices

    result = rescan_notices(
        sessionmaker_for(database_url),
        default_ruleset(),
        source=source,
        progress=lambda n: click.echo(f"{n} notices rescanned", err=True),
    )
    click.echo(
        f"rescanned={result.scanned} changed={result.changed} "
        f"now_flagged={result.flagged} rules={result.rules_version}"
    )


@click.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(database_url: str | None, as_json: bool) -> None:
    """Per-source health, last runs and scheduled jobs; exit code 1 when a source's last run
    is not ok or a job failed or was missed.

    \b
    Example:
      veilleur status
    """
    from rich.console import Console
    from rich.table import Table

    from db.migrate import upgrade
    from db.runs import source_health
    from db.session import session_scope
    from veilleur.jobs import latest_jobs

    upgrade(database_url)
    with session_scope(database_url) as session:
        health = source_health(session)
        jobs: list[dict[str, Any]] = [
            {"job": j.job, "status": j.status, "started": j.started_at, "message": j.message}
            for j in latest_jobs(session, limit=50)
        ]
        from db.health import failing_sources

        failing = failing_sources(session)
    failed_jobs = [j for j in jobs if j["status"] in ("failed", "missed")]
    if as_json:
        click.echo(
            json.dumps(
                {"sources": [h.__dict__ for h in health], "jobs": jobs}, default=str, indent=1
            )
        )
    else:
        table = Table(title="Sources")
        for name in (
            "source",
            "status",
            "last run",
            "seen",
            "errors",
            "notices",
            "flagged",
            "watermark",
            "last ok",
            "message",
        ):
            table.add_column(name, overflow="fold")
        for h in health:
            table.add_row(
                h.name,
                h.last_status or "never run",
                h.last_started.strftime("%Y-%m-%d %H:%M") if h.last_started else "",
                str(h.last_seen if h.last_seen is not None else ""),
                str(h.last_errors if h.last_errors is not None else ""),
                str(h.notices),
                str(h.flagged),
                h.watermark.isoformat() if h.watermark else "",
                h.last_ok.strftime("%Y-%m-%d %H:%M") if h.last_ok else "",
                (h.last_message or "")[:200],
            )
        Console().print(table)
        if jobs:
            job_table = Table(title="Scheduled jobs (latest run of each)")
            for name in ("job", "status", "started", "message"):
                job_table.add_column(name, overflow="fold")
            for job in jobs:
                style = "red" if job in failed_jobs else None
                job_table.add_row(
                    job["job"],
                    job["status"],
                    job["started"].strftime("%Y-%m-%d %H:%M") if job["started"] else "",
                    (job["message"] or "")[-200:],
                    style=style,
                )
            Console().print(job_table)
    healthy = all(h.healthy for h in health) and not failing and not failed_jobs
    sys.exit(0 if healthy else 1)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option("--flagged-only/--all", default=True, show_default=True)
@click.option("--source", help="Only notices of this source.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def export(fmt: str, flagged_only: bool, source: str | None, database_url: str | None) -> None:
    """Export notices with their decision to standard output.

    \b
    Example:
      veilleur export --format jsonl > flagged.jsonl
    """
    from db.models.notices import Notice
    from db.session import session_scope

    columns = [
        "id",
        "source",
        "source_id",
        "kind",
        "published_at",
        "deadline_at",
        "buyer_name",
        "buyer_siret",
        "departements",
        "cpv_codes",
        "title",
        "url",
        "flagged",
        "score",
        "categories",
        "estimated_value",
    ]
    query = select(Notice).order_by(Notice.id)
    if flagged_only:
        query = query.where(Notice.flagged.is_(True))
    if source:
        query = query.where(Notice.source == source)
    writer = csv.writer(sys.stdout) if fmt == "csv" else None
    if writer:
        writer.writerow(columns)
    with session_scope(database_url) as session:
        for notice in session.scalars(query.execution_options(yield_per=1000)):
            row = {c: getattr(notice, c) for c in columns}
            if writer:
                writer.writerow(
                    [
                        ";".join(v) if isinstance(v, list) else ("" if v is None else v)
                        for v in row.values()
                    ]
                )
            else:
                click.echo(json.dumps(row, default=str, ensure_ascii=False))
