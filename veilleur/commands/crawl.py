"""``veilleur crawl NAME`` and ``veilleur crawlall``: run spiders into the database."""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

import click

__all__ = ["crawl", "crawlall", "run_crawl"]


def _settings(database_url: str | None, overrides: dict[str, Any]) -> Any:
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    from db.session import database_url as resolve

    settings.set("DATABASE_URL", resolve(database_url), priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    names: list[str],
    *,
    spider_args: dict[str, Any] | None = None,
    database_url: str | None = None,
    settings_overrides: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Crawl the named sources in this process (one reactor: call once per process).

    Returns each source's final run status (ok, failing, error).
    """
    import logging

    from scrapy.crawler import CrawlerProcess

    from crawler.registry import spider_class

    settings = _settings(database_url, settings_overrides or {})
    # our CLI owns the root handler; Scrapy's configure_logging resets the "scrapy" logger to
    # DEBUG, so the level is applied before (start-up banner) and after
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    level = settings.get("LOG_LEVEL", "INFO")
    logging.getLogger("scrapy").setLevel(level)
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy").setLevel(level)
    crawlers = {}
    for name in names:
        crawler = process.create_crawler(spider_class(name))
        crawlers[name] = crawler
        process.crawl(crawler, **(spider_args or {}))
    process.start()
    url = settings.get("DATABASE_URL")
    return {name: _final_status(url, c) for name, c in crawlers.items()}


def _final_status(database_url: str, crawler: Any) -> str:
    from db.models.runs import CrawlRun
    from db.session import session_scope

    run_id = getattr(crawler.spider, "run_id", None) if crawler.spider else None
    if run_id is None:
        return "error"
    with session_scope(database_url) as session:
        run = session.get(CrawlRun, run_id)
        return run.status if run else "error"


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{what} {value!r} is not NAME=VALUE")
        out[key] = val
    return out


@click.command()
@click.argument("name")
@click.option("--since", help="First publication date to read (YYYY-MM-DD); default: watermark.")
@click.option("--until", help="Last publication date to read (YYYY-MM-DD); default: today.")
@click.option("--sample", type=int, help="Stop after N notices (canary run; watermark kept).")
@click.option("-a", "spider_arg", multiple=True, help="Spider argument NAME=VALUE.")
@click.option("-s", "setting", multiple=True, help="Scrapy setting NAME=VALUE.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def crawl(
    name: str,
    since: str | None,
    until: str | None,
    sample: int | None,
    spider_arg: tuple[str, ...],
    setting: tuple[str, ...],
    database_url: str | None,
    quiet: bool,
) -> None:
    """Crawl one source into the database; exit code 1 when the run is not ok.

    \b
    Examples:
      veilleur crawl boamp                         # from the watermark to today
      veilleur crawl boamp --since 2024-01-01 --until 2024-01-31
      veilleur crawl boamp --sample 50             # canary run
    """
    from crawler.registry import spider_class
    from vocabulary.errors import UnknownSourceError, VeilleurError

    try:
        spider_class(name)
    except UnknownSourceError as exc:
        raise click.UsageError(str(exc)) from exc
    except VeilleurError as exc:  # a bad portal file (ConfigError): one line, no traceback
        raise click.ClickException(str(exc)) from exc
    args = _pairs(spider_arg, "spider argument")
    for key, value in (("since", since), ("until", until), ("sample", sample)):
        if value is not None:
            args[key] = str(value)
    from db.locks import LockBusy, held_lock
    from db.migrate import upgrade
    from veilleur.jobs import LOCKED_EXIT_CODE

    overrides: dict[str, Any] = dict(_pairs(setting, "setting"))
    overrides.setdefault("VEILLEUR_PROGRESS", not quiet)
    upgrade(database_url)
    from db.locks import break_if_holder_died
    from db.session import session_scope

    lock = f"crawl:{name}"
    if os.environ.get("VEILLEUR_REDIS_URL"):
        # workers of one shared crawl (VEILLEUR_CRAWL_ID) run side by side: one lock each
        crawl_id = os.environ.get("VEILLEUR_CRAWL_ID") or "default"
        lock = f"crawl:{name}:{crawl_id}:{socket.gethostname()}:{os.getpid()}"[:200]
    with session_scope(database_url) as session:
        break_if_holder_died(session, lock)
    try:
        # one crawl of a source at a time, whoever starts it (scheduler, cron, a person)
        with held_lock(database_url, lock, ttl=3600, heartbeat=True):
            statuses = run_crawl(
                [name], spider_args=args, database_url=database_url, settings_overrides=overrides
            )
    except LockBusy as busy:
        click.echo(f"{name}: another crawl is running ({busy}); not started", err=True)
        sys.exit(LOCKED_EXIT_CODE)
    except VeilleurError as exc:
        raise click.ClickException(str(exc)) from exc
    status = statuses[name]
    click.echo(f"{name}: run {status}", err=True)
    sys.exit(0 if status == "ok" else 1)


@click.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def crawlall(database_url: str | None) -> None:
    """Crawl every enabled source, one subprocess each (Scrapy's reactor cannot restart),
    under the same lock and job records as the nightly run; exit code 1 if one failed.

    \b
    Example:
      veilleur crawlall
    """
    from veilleur.jobs import run_crawls
    from vocabulary.errors import VeilleurError

    try:
        outcomes = run_crawls(database_url)
    except VeilleurError as exc:  # a bad portal file (ConfigError): one line, no traceback
        raise click.ClickException(str(exc)) from exc
    if outcomes is None:
        click.echo("another nightly crawl is running; not started", err=True)
        sys.exit(1)
    for outcome in outcomes:
        click.echo(f"{outcome.source}: {outcome.status}", err=True)
    sys.exit(1 if any(o.status == "failed" for o in outcomes) else 0)
