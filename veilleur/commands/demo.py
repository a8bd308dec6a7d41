"""``veilleur demo``: the whole chain, offline, on real recorded portal answers."""

from __future__ import annotations

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
    """Replay recorded portal responses (BOAMP, TED, DECP, a council listing) over loopback
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
    with demo_server() as server:
        click.echo(f"Replaying recorded portal responses on {server.url}", err=True)
        overrides = {
            **demo_settings(server.url),
            "VEILLEUR_PROGRESS": True,
            "VEILLEUR_PROGRESS_INTERVAL": 1.0,
            "LOG_LEVEL": "WARNING",
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
    click.echo(f"\nDatabase: {database}  (try: veilleur status --database-url {url})", err=True)
