"""``veilleur demo``, the README's first command: every demo source crawled over loopback,
flagged notices printed, stories linked — run as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Notice, NoticeLink
from db.session import session_scope
from veilleur.demo import DEMO_DATA
from veilleur.demo.sources import DEMO_SOURCE_NAMES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], str]:
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("VEILLEUR_EXTRA_PORTALS", None)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "veilleur.cli", "demo", "--database", str(database)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result, f"sqlite:///{database}"


def test_demo_exits_zero(demo_run) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stderr[-3000:]


def test_demo_stores_every_source(demo_run) -> None:
    _, url = demo_run
    with session_scope(url) as session:
        sources = set(session.scalars(select(Notice.source).distinct()))
    assert sources == set(DEMO_SOURCE_NAMES)


def test_demo_prints_every_flagged_notice(demo_run) -> None:
    result, url = demo_run
    with session_scope(url) as session:
        flagged = session.scalar(select(func.count()).select_from(Notice).where(Notice.flagged))
    # one block per notice, each opening with its publication date (or ????-??-??)
    printed = re.findall(r"^(?:\d{4}-\d\d-\d\d|\?{4}-\?\?-\?\?)  ", result.stdout, re.M)
    assert flagged and len(printed) == flagged


def test_demo_links_stories_at_the_end_of_the_crawl(demo_run) -> None:
    _, url = demo_run
    with session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(NoticeLink)) > 0


def test_demo_data_stays_small() -> None:
    size = sum(p.stat().st_size for p in DEMO_DATA.rglob("*") if p.is_file())
    assert size < 3_000_000


def test_demo_output_is_for_a_newcomer(demo_run) -> None:
    """No Scrapy banner, no library versions, no WARNING line per deliberate fault: the faults
    are summed up once, those injected on purpose said so, with where they are recorded."""
    result, _ = demo_run
    assert "Versions:" not in result.stderr and "Scrapy 2." not in result.stderr
    assert not re.search(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ", result.stderr, re.M)
    assert "Traceback" not in result.stderr
    assert "recorded in crawl_errors" in result.stderr
    assert re.search(r"^  ted hostile_xml ×1 — on purpose: ", result.stderr, re.M)
    assert re.search(r"^  demo_deliberations listing_loop ×1 — on purpose: ", result.stderr, re.M)


def test_demo_stays_offline(demo_run) -> None:
    """Links of the recorded answers to real sites are refused and recorded, not fetched."""
    from db.models.runs import CrawlError

    _, url = demo_run
    with session_scope(url) as session:
        refused = session.scalars(
            select(CrawlError.url).where(CrawlError.error_kind == "offline_demo")
        ).all()
    assert refused and all(not u.startswith("http://127.0.0.1") for u in refused)
