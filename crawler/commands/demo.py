"""``veilleur demo``: the whole chain, offline, on real recorded BOAMP records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from crawler.replay import OpendatasoftEmulator, ReplayServer

__all__ = ["DEMO_DATA", "demo", "demo_server"]

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo_data"


def demo_server(offset_cap: int = 10_000) -> ReplayServer:
    """A ReplayServer answering like the BOAMP portal with the demo records."""
    records = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    return ReplayServer(ods=OpendatasoftEmulator({"boamp": records}, offset_cap=offset_cap))


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
    """Replay recorded BOAMP API responses over loopback HTTP through the real spider, rules
    and storage into a fresh SQLite database, then list the flagged notices.

    \b
    Example:
      veilleur demo && veilleur flagged --database-url sqlite:///var/demo.sqlite
    """
    from crawler.commands.crawl import run_crawl
    from crawler.commands.query import print_flagged

    if database.exists() and not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{database}"
    with demo_server() as server:
        click.echo(f"Replaying recorded BOAMP responses on {server.url}", err=True)
        statuses = run_crawl(
            ["boamp"],
            spider_args={"since": "2006-01-01", "until": date.today().isoformat()},
            database_url=url,
            settings_overrides={
                "PORTAL_BASE_URLS": {"boamp": server.url},
                "VEILLEUR_PROGRESS": True,
                "VEILLEUR_PROGRESS_INTERVAL": 1.0,
                # loopback replay: no need to be polite to ourselves
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
                "LOG_LEVEL": "WARNING",
            },
        )
        click.echo(
            f"boamp: run {statuses['boamp']} ({len(server.requests)} HTTP requests)", err=True
        )
    print_flagged(url, limit=100)
    click.echo(f"\nDatabase: {database}  (try: veilleur status --database-url {url})", err=True)
