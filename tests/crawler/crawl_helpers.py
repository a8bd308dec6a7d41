"""Run a real crawl in a subprocess (Scrapy's reactor cannot restart within one process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.models import CrawlRun
from db.session import session_scope
from veilleur.demo import DEMO_DATA

ROOT = Path(__file__).resolve().parents[2]


def demo_records() -> list[dict[str, Any]]:
    return json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))


def crawl_command(
    db_url: str, server_url: str, *args: str, settings: dict[str, Any] | None = None
) -> list[str]:
    merged = {
        "PORTAL_BASE_URLS": json.dumps({"boamp": server_url}),
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        "RETRY_TIMES": "2",
        "LOG_LEVEL": "INFO",
    }
    merged.update({k: str(v) for k, v in (settings or {}).items()})
    command = [
        sys.executable,
        "-m",
        "veilleur.cli",
        "crawl",
        "boamp",
        "--quiet",
        "--database-url",
        db_url,
        *args,
    ]
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    return command


def run_crawl(
    db_url: str, server_url: str, *args: str, settings: dict[str, Any] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        crawl_command(db_url, server_url, *args, settings=settings),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def last_run(db_url: str) -> CrawlRun:
    with session_scope(db_url) as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()
        session.expunge(run)
        return run


def count(db_url: str, model: Any) -> int:
    with session_scope(db_url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
