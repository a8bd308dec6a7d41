"""Run any source's real crawl in a subprocess against a loopback replay (Scrapy's reactor
cannot restart within one process), and read what it stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.models import CrawlError, CrawlRun, Notice
from db.session import session_scope

ROOT = Path(__file__).resolve().parents[2]


def crawl(
    name: str,
    db_url: str,
    server_url: str,
    *args: str,
    settings: dict[str, Any] | None = None,
    extra_portals: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    merged: dict[str, Any] = {
        "PORTAL_BASE_URLS": json.dumps({name: server_url}),
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        "RETRY_TIMES": "1",
        "LOG_LEVEL": "INFO",
    }
    # documents fetched during the crawl land beside the test database, never in the worktree
    merged["DOCUMENTS_DIR"] = str(Path(db_url.split("///", 1)[-1]).parent / "documents")
    merged.update({k: str(v) for k, v in (settings or {}).items()})
    command = [
        sys.executable,
        "-m",
        "veilleur.cli",
        "crawl",
        name,
        "--quiet",
        "--database-url",
        db_url,
        *args,
    ]
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if extra_portals is not None:
        env["VEILLEUR_EXTRA_PORTALS"] = str(extra_portals)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def notices(db_url: str, source: str) -> list[Notice]:
    with session_scope(db_url) as session:
        rows = list(
            session.scalars(select(Notice).where(Notice.source == source).order_by(Notice.id))
        )
        session.expunge_all()
        return rows


def errors(db_url: str) -> list[CrawlError]:
    with session_scope(db_url) as session:
        rows = list(session.scalars(select(CrawlError).order_by(CrawlError.id)))
        session.expunge_all()
        return rows


def runs(db_url: str) -> list[CrawlRun]:
    with session_scope(db_url) as session:
        rows = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        session.expunge_all()
        return rows
