"""Run a real crawl in a test, and read what it stored.

``crawl`` runs ``veilleur crawl NAME`` in a subprocess (Scrapy's reactor cannot restart within
one process) against a loopback :class:`~veilleur.demo.replay.ReplayServer`::

    with ReplayServer(ods=OpendatasoftEmulator({"boamp": demo_records()})) as server:
        crawled = crawl("boamp", server, "--since", "2006-01-01", database_url=url)
    assert crawled.process.returncode == 0
    count(crawled.database_url, Notice)

The source is pointed at the server, politeness towards loopback is off, ``settings``
override any of that; ``portals`` registers config entries (``VEILLEUR_EXTRA_PORTALS``);
downloaded documents land beside a SQLite database (else in a temporary folder), never in the
worktree. ``CollectItems`` lets a test read the items as they leave the pipelines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.models import CrawlError, CrawlRun, Notice
from db.session import session_scope
from veilleur.demo import DEMO_DATA
from veilleur.demo.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[1]
#: no politeness towards loopback; a 429 or a dropped connection is retried
LOOPBACK_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "RETRY_TIMES": 2,
    "LOG_LEVEL": "INFO",
}


@dataclass
class Crawled:
    """What ``crawl`` returns: the finished ``veilleur crawl`` process and its database."""

    process: subprocess.CompletedProcess[str]
    database_url: str


def demo_records() -> list[dict[str, Any]]:
    """The demo's recorded BOAMP API records (see ``veilleur/demo/data/boamp/README.md``)."""
    return json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))


def crawl_command(
    name: str,
    server_url: str,
    *args: str,
    database_url: str,
    settings: dict[str, Any] | None = None,
    documents_dir: Path | None = None,
) -> list[str]:
    """The ``veilleur crawl`` command line (for a test that must start it itself)."""
    merged: dict[str, Any] = {
        **LOOPBACK_SETTINGS,
        "PORTAL_BASE_URLS": json.dumps({name: server_url}),
    }
    if documents_dir is not None:
        merged["DOCUMENTS_DIR"] = str(documents_dir)
    merged.update(settings or {})
    command = [sys.executable, "-m", "veilleur.cli", "crawl", name, "--quiet"]
    command += ["--database-url", database_url, *args]
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    return command


def start_crawl(
    name: str,
    server_url: str,
    *args: str,
    database_url: str,
    settings: dict[str, Any] | None = None,
    documents_dir: Path | None = None,
    portals: Path | None = None,
    stderr: Any = subprocess.DEVNULL,
) -> subprocess.Popen[str]:
    """``veilleur crawl`` started in the background, for a test that kills something during
    it; in a session of its own, so that only what the test kills is killed."""
    command = crawl_command(
        name, server_url, *args,
        database_url=database_url, settings=settings, documents_dir=documents_dir,
    )  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=crawl_env(portals),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def crawl_env(portals: Path | None = None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the crawl process: this checkout first on the path."""
    merged = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    if portals is not None:
        merged["VEILLEUR_EXTRA_PORTALS"] = str(portals)
    return merged


def crawl(
    name: str,
    server: ReplayServer,
    *args: str,
    database_url: str,
    settings: dict[str, Any] | None = None,
    portals: Path | None = None,
    env: dict[str, str] | None = None,
    documents_dir: Path | None = None,
) -> Crawled:
    """Crawl source ``name`` from ``server`` into ``database_url``; ``args`` go to the command."""
    with tempfile.TemporaryDirectory(prefix="veilleur-documents-") as scratch:
        if documents_dir is None:
            documents_dir = (
                Path(database_url.split("///", 1)[1]).parent / "documents"
                if database_url.startswith("sqlite:///")
                else Path(scratch)
            )
        command = crawl_command(
            name,
            server.url,
            *args,
            database_url=database_url,
            settings=settings,
            documents_dir=documents_dir,
        )
        process = subprocess.run(
            command,
            cwd=ROOT,
            env=crawl_env(portals, env),
            capture_output=True,
            text=True,
            timeout=240,
        )
    return Crawled(process, database_url)


class CollectItems:
    """A last pipeline for tests: appends each item's id and documents, as they leave the
    other pipelines, as one JSON line to the file named by the ``COLLECT_ITEMS_TO`` setting."""

    def __init__(self, out: str) -> None:
        self.out = Path(out)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CollectItems:
        return cls(crawler.settings["COLLECT_ITEMS_TO"])

    def process_item(self, item: Any) -> Any:
        line = {"source_id": item.source_id, "documents": [asdict(d) for d in item.documents]}
        with self.out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")
        return item


def collecting(out: Path) -> dict[str, str]:
    """Settings adding ``CollectItems`` after the project's pipelines, writing to ``out``."""
    from crawler.settings import ITEM_PIPELINES

    pipelines = {**ITEM_PIPELINES, f"{__name__}.CollectItems": 950}
    return {"ITEM_PIPELINES": json.dumps(pipelines), "COLLECT_ITEMS_TO": str(out)}


def collected(out: Path) -> list[dict[str, Any]]:
    """The lines ``CollectItems`` wrote."""
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


# -- what the crawl stored -----------------------------------------------------------------


def count(database_url: str, model: Any) -> int:
    with session_scope(database_url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def notices(database_url: str, source: str) -> list[Notice]:
    with session_scope(database_url) as session:
        rows = list(
            session.scalars(select(Notice).where(Notice.source == source).order_by(Notice.id))
        )
        session.expunge_all()
        return rows


def errors(database_url: str, kind: str | None = None) -> list[CrawlError]:
    with session_scope(database_url) as session:
        query = select(CrawlError).order_by(CrawlError.id)
        if kind:
            query = query.where(CrawlError.error_kind == kind)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def runs(database_url: str) -> list[CrawlRun]:
    with session_scope(database_url) as session:
        rows = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        session.expunge_all()
        return rows


def last_run(database_url: str) -> CrawlRun:
    return runs(database_url)[-1]
