"""The offline demo of TED, DECP and a council listing: real spiders over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from db.models import Notice
from db.session import session_scope
from veilleur.demo.sources import DEMO_SOURCE_NAMES, DEMO_SOURCES, add_demo_sources

ROOT = Path(__file__).resolve().parents[2]


def test_demo_crawls_every_new_source(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("VEILLEUR_EXTRA_PORTALS", None)
    result = subprocess.run(
        [sys.executable, "-m", "veilleur.demo.sources", "--database-url", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    with session_scope(url) as session:
        counts = dict(
            session.execute(select(Notice.source, func.count()).group_by(Notice.source)).all()
        )
    assert set(counts) == set(DEMO_SOURCE_NAMES), result.stderr[-2000:]


def test_demo_data_stays_small() -> None:
    size = sum(p.stat().st_size for p in DEMO_SOURCES.rglob("*") if p.is_file())
    assert size < 2_000_000


def test_add_demo_sources_writes_a_cassette_index(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VEILLEUR_EXTRA_PORTALS", "")  # restored after the test
    names = add_demo_sources(tmp_path)
    index = json.loads((tmp_path / "index.json").read_text())
    assert names == DEMO_SOURCE_NAMES and all(
        (tmp_path / e["file"]).exists() for e in index if e.get("file")
    )
