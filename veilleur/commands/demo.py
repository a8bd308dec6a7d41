"""``veilleur demo``: the whole chain, offline, on real recorded portal answers."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click

__all__ = ["demo"]


@click.command()
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("var/demo.sqlite"),
    show_default=True,
    help="SQLite file to create afresh.",
)
@click.option("--keep", is_flag=True, help="Keep an existing demo database (re-crawl into it).")
def demo(database: Path, keep: bool) -> None:
    """Replay recorded portal answers offline into a fresh database.

    Replay recorded portal responses (BOAMP, TED, DECP, a council listing) over loopback
    HTTP through the real spiders, documents, rules, storage and linking into a fresh SQLite
    database, then list the flagged notices.

    \b
    Example:
      veilleur demo && veilleur flagged --database-url sqlite:///var/demo.sqlite
    """
    from veilleur.commands.crawl import run_crawl
    from veilleur.commands.query import print_flagged
    from veilleur.demo.sources import (
        DEMO_SOURCE_NAMES,
        demo_server,
        demo_settings,
        enable_demo_portals,
    )

    if database.exists() and not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{database}"
    enable_demo_portals()  # before the spider registry loads: the demo's own config sources
    verbose = logging.getLogger().level < logging.WARNING
    if not verbose:  # the faults are on purpose: summed up below, not logged one by one
        logging.getLogger("crawler").setLevel(logging.ERROR)
    with demo_server() as server:
        click.echo(f"Replaying recorded portal responses on {server.url}", err=True)
        overrides = {
            **demo_settings(server.url),
            "VEILLEUR_PROGRESS": True,
            "VEILLEUR_PROGRESS_INTERVAL": 1.0,
            "LOG_LEVEL": "WARNING" if verbose else "ERROR",
        }
        statuses = run_crawl(
            DEMO_SOURCE_NAMES,
            spider_args={"since": "2006-01-01", "until": date.today().isoformat()},
            database_url=url,
            settings_overrides=overrides,
        )
        for name, status in statuses.items():
            click.echo(f"{name}: run {status}", err=True)
        click.echo(f"({len(server.requests)} HTTP requests to the replay server)", err=True)
    print_flagged(url, limit=100)
    for line in recorded_faults(url):
        click.echo(line, err=True)
    click.echo(f"\nDatabase: {database}  (try: veilleur status --database-url {url})", err=True)


#: what the replayed answers hold on purpose (veilleur/demo/data/sources/README.md), by
#: the error kind each is recorded as
ON_PURPOSE = {
    "listing_loop": "a council listing whose next page points back (loop, stopped)",
    "bad_record": "a listing row without a title (skipped)",
    "hostile_xml": "a TED notice declaring entities in its DOCTYPE (refused)",
    "document_failed": "documents that moved (404)",
    "not_conforming": "a catalogue file that stopped following its schema",
    "offline_demo": "links to real sites the demo does not replay (not fetched: offline)",
}


def recorded_faults(url: str) -> list[str]:
    """What the crawl recorded against each source, grouped by kind, with what was on purpose."""
    from sqlalchemy import func, select

    from db.models.runs import CrawlError
    from db.session import session_scope

    with session_scope(url) as session:
        rows = session.execute(
            select(
                CrawlError.source_name,
                CrawlError.error_kind,
                func.count(),
                func.min(CrawlError.message),
            )
            .group_by(CrawlError.source_name, CrawlError.error_kind)
            .order_by(CrawlError.source_name, CrawlError.error_kind)
        ).all()
    if not rows:
        return []
    lines = [
        "\nFaults met and recorded in crawl_errors (each against its source and URL; the crawl "
        "went on; `veilleur status` shows them):"
    ]
    for source, kind, count, example in rows:
        why = ON_PURPOSE.get(kind)
        detail = f"on purpose: {why}" if why else f"in the real records: {example[:80]}"
        lines.append(f"  {source} {kind} ×{count} — {detail}")
    return lines
