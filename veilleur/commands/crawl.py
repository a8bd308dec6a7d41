"""``veilleur crawl NAME`` and ``veilleur crawlall``: run spiders into the database."""

from __future__ import annotations

import json
import os
import socket
import sys
from datetime import date
from typing import Any

import click

from veilleur.commands import schema_for_writing

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
    # our CLI owns the root handler (it leaves Scrapy's start-up banner out); Scrapy's
    # configure_logging resets the "scrapy" logger to DEBUG, so the level is applied after too
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
        if not sep or not key:
            raise click.BadParameter(f"{what} {value!r} is not NAME=VALUE")
        out[key] = val
    return out


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: write it YYYY-MM-DD (e.g. 2024-01-31)", param_hint=name
        ) from None


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD (``2024-13-01`` is refused, not read later)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date: write it YYYY-MM-DD (e.g. 2024-01-31)")


def _settings_values(pairs: dict[str, str]) -> dict[str, Any]:
    """``-s`` values: a value that starts like JSON (``{`` or ``[``) must be JSON, since Scrapy
    reads dict and list settings with ``json.loads`` only when the crawl starts."""
    for key, value in pairs.items():
        if value.lstrip()[:1] in ("{", "["):
            try:
                json.loads(value)
            except json.JSONDecodeError as exc:
                raise click.BadParameter(
                    f"setting {key}={value!r} is not valid JSON ({exc.msg} at column "
                    f"{exc.colno}): quote it for the shell, e.g. -s '{key}={{\"a\": 1}}'",
                    param_hint="-s",
                ) from None
    return dict(pairs)


def spider_arguments(
    spider_arg: tuple[str, ...], since: date | None, until: date | None, sample: int | None
) -> dict[str, str]:
    """The spider's arguments, checked here (one line, exit 2) rather than in the crawl."""
    args = _pairs(spider_arg, "spider argument")
    if since is not None:
        args["since"] = since.isoformat()
    if until is not None:
        args["until"] = until.isoformat()
    if sample is not None:
        args["sample"] = str(sample)
    first = _day(args["since"], "since") if "since" in args else None
    last = _day(args["until"], "until") if "until" in args else None
    if first and last and first > last:
        raise click.BadParameter(
            f"--since {first} is after --until {last}: swap them", param_hint="--since/--until"
        )
    if "sample" in args and not (args["sample"].isdigit() and int(args["sample"]) >= 1):
        raise click.BadParameter(
            f"{args['sample']!r}: give a whole number of notices, at least 1",
            param_hint="--sample",
        )
    return args


@click.command()
@click.argument("name")
@click.option("--since", type=IsoDate(), help="First publication date to read; default: watermark.")
@click.option("--until", type=IsoDate(), help="Last publication date to read; default: today.")
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    help="Stop after N notices (canary run; watermark kept).",
)
@click.option("-a", "spider_arg", multiple=True, help="Spider argument NAME=VALUE.")
@click.option("-s", "setting", multiple=True, help="Scrapy setting NAME=VALUE.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def crawl(
    name: str,
    since: date | None,
    until: date | None,
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
    args = spider_arguments(spider_arg, since, until, sample)
    from db.locks import LockBusy, held_lock
    from veilleur.commands import schema_for_writing
    from veilleur.jobs import LOCKED_EXIT_CODE

    overrides = _settings_values(_pairs(setting, "setting"))
    overrides.setdefault("VEILLEUR_PROGRESS", not quiet)
    schema_for_writing(database_url)
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
    if status != "ok":
        _explain(database_url, name)
    sys.exit(0 if status == "ok" else 1)


def _explain(database_url: str | None, name: str) -> None:
    """The cause of the run's first error, and where to look next (not Scrapy's statistics)."""
    from db.runs import source_health
    from db.session import session_scope

    with session_scope(database_url) as session:
        health = {h.name: h for h in source_health(session)}.get(name)
    if health is not None and health.first_error:
        click.echo(f"{name}: first error: {health.first_error}", err=True)
    elif health is not None and health.last_message:
        click.echo(f"{name}: {health.last_message.strip().splitlines()[0]}", err=True)
    click.echo('next: `veilleur status`; docs/operations.md, "When something fails"', err=True)


@click.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def crawlall(database_url: str | None) -> None:
    """Crawl every enabled source, one subprocess each; exit code 1 if one failed.

    Crawl every enabled source, one subprocess each (Scrapy's reactor cannot restart),
    under the same lock and job records as the nightly run; exit code 1 if one failed.

    \b
    Example:
      veilleur crawlall
    """
    from db.models.base import utcnow
    from db.session import database_url as resolve
    from veilleur.jobs import run_crawls
    from veilleur.night import Night, summary_lines

    url = resolve(database_url)
    schema_for_writing(url)
    night = Night(started=utcnow(), crawled=True)
    night.outcomes = run_crawls(url)  # a bad portal file (ConfigError): one line, exit 2
    for line in summary_lines(url, night):
        click.echo(line, err=True)
    sys.exit(0 if night.ok else 1)
