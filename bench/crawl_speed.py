"""Notices per second from the loopback replay through the rules into the database.

Serves N real BOAMP demo records (repeated under distinct ids over distinct days) from the
Opendatasoft emulator, crawls them with the real spider in a subprocess into SQLite and into
PostgreSQL (if answering), then crawls again unchanged. Prints figures; asserts nothing.

    python bench/crawl_speed.py [N]
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from veilleur.demo import DEMO_DATA
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer


def records(n: int) -> list[dict[str, Any]]:
    base = json.loads((DEMO_DATA / "boamp" / "records.json").read_text(encoding="utf-8"))
    out = []
    i = 0
    while len(out) < n:
        for record in base:
            clone = copy.deepcopy(record)
            clone["idweb"] = clone["id"] = f"B{i:07d}"
            clone["dateparution"] = (date(2024, 1, 1) + timedelta(days=i // 1500)).isoformat()
            out.append(clone)
            i += 1
            if len(out) >= n:
                break
    return out


def crawl(url: str, server: str) -> float:
    command = [
        sys.executable,
        "-m",
        "veilleur.cli",
        "crawl",
        "boamp",
        "--quiet",
        "--database-url",
        url,
        "--since",
        "2024-01-01",
        "--until",
        "2024-12-31",
        "-s",
        "PORTAL_BASE_URLS=" + json.dumps({"boamp": server}),
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s",
        "LOG_LEVEL=WARNING",
    ]
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def pg_url() -> str | None:
    from sqlalchemy import create_engine, text

    admin = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    name = f"veilleur_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return None
    return admin.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    data = records(n)
    print(f"records: {n} (real BOAMP demo records, repeated under distinct ids)")
    with (
        tempfile.TemporaryDirectory() as tmp,
        ReplayServer(ods=OpendatasoftEmulator({"boamp": data})) as server,
    ):
        targets = [("sqlite", f"sqlite:///{tmp}/bench.sqlite")]
        pg = pg_url()
        if pg:
            targets.append(("postgresql", pg))
        for label, url in targets:
            first = crawl(url, server.url)
            second = crawl(url, server.url)
            print(
                f"{label:10s} first crawl  {first:6.1f} s  {n / first:7.0f} notices/s (process start included)"
            )
            print(
                f"{label:10s} second crawl {second:6.1f} s  {n / second:7.0f} notices/s, unchanged"
            )


if __name__ == "__main__":
    main()
