"""``scrapy crawl NAME`` and ``veilleur crawl NAME`` store the same notices and the same story
links: linking belongs to the crawl (``StoryLinker``), not to the command that starts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Notice, NoticeLink
from db.session import session_scope
from tests.crawling import LOOPBACK_SETTINGS, ROOT, crawl, crawl_env
from veilleur.demo.sources import demo_server


def _stored(url: str) -> tuple[set[str], set[tuple[str, str, str, bool]]]:
    """Source ids, and links as (from, relation, to, resolved to a stored notice)."""
    with session_scope(url) as session:
        ids = set(session.scalars(select(Notice.source_id)))
        rows = session.execute(
            select(
                Notice.source_id,
                NoticeLink.relation,
                NoticeLink.target_key,
                NoticeLink.target_notice_id.is_not(None),
            ).join(Notice, Notice.id == NoticeLink.notice_id)
        )
        links = {(a, rel, b, bool(resolved)) for a, rel, b, resolved in rows}
    return ids, links


def _scrapy_crawl(name: str, server_url: str, database_url: str, documents: Path) -> None:
    settings = {
        **LOOPBACK_SETTINGS,
        "PORTAL_BASE_URLS": json.dumps({name: server_url}),
        "DATABASE_URL": database_url,
        "DOCUMENTS_DIR": str(documents),
    }
    command = [str(Path(sys.executable).parent / "scrapy"), "crawl", name, "-a", "since=2006-01-01"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    subprocess.run(command, cwd=ROOT, env=crawl_env(), capture_output=True, timeout=240, check=True)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """BOAMP then TED crawled into one database by each command: TED notices twin BOAMP ones
    only if linking ran after the TED crawl."""
    folder = tmp_path_factory.mktemp("linker")
    by_veilleur = f"sqlite:///{folder / 'veilleur.sqlite'}"
    by_scrapy = f"sqlite:///{folder / 'scrapy.sqlite'}"
    with demo_server() as server:
        for name in ("boamp", "ted"):
            crawl(name, server, "--since", "2006-01-01", database_url=by_veilleur)
            _scrapy_crawl(name, server.url, by_scrapy, folder / "documents")
    return by_veilleur, by_scrapy


def test_both_commands_store_the_same_notices(both: tuple[str, str]) -> None:
    by_veilleur, by_scrapy = both
    assert _stored(by_scrapy)[0] == _stored(by_veilleur)[0] != set()


def test_both_commands_link_the_same_stories(both: tuple[str, str]) -> None:
    by_veilleur, by_scrapy = both
    assert _stored(by_scrapy)[1] == _stored(by_veilleur)[1]


def test_the_crawl_itself_links_twins(both: tuple[str, str]) -> None:
    _, by_scrapy = both
    twins = {link for link in _stored(by_scrapy)[1] if link[1] == "twin" and link[3]}
    assert twins


def test_an_unchanged_recrawl_leaves_the_stories_as_they_are(sqlite_url: str) -> None:
    with demo_server() as server:
        first = crawl("boamp", server, "--since", "2006-01-01", database_url=sqlite_url)
        stories = _stored(sqlite_url)[1]
        again = crawl("boamp", server, "--since", "2006-01-01", database_url=sqlite_url)
    assert "'veilleur/linking': 'ran'" in first.process.stderr
    assert "'veilleur/linking': 'skipped: nothing new or changed'" in again.process.stderr
    assert _stored(sqlite_url)[1] == stories != set()
