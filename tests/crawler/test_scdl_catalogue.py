"""Councils at scale: the SCDL datasets the national catalogue lists are discovered and read,
their files' health kept, an unchanged file not fetched again, a dataset gone noticed.

The catalogue's pages are ASSEMBLED around real dataset/resource shapes and real files (see
``veilleur/demo/data/sources/catalogue/README.md``)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import CatalogueResource
from db.session import session_scope
from tests.conftest import sqlite_database
from tests.crawling import crawl, last_run, notices
from veilleur.demo.replay import Cassette, ReplayServer
from veilleur.demo.sources import DEMO_SOURCES, demo_cassettes

NIGHTLY = ("--since", (date.today() - timedelta(days=1)).isoformat())
SETTINGS = {"DOCUMENTS_ENABLED": False}


def _health(url: str) -> dict[str, str]:
    with session_scope(url) as session:
        rows = session.scalars(select(CatalogueResource))
        return {r.url.rsplit("/", 1)[-1]: r.status for r in rows}


def _crawl(url: str, cassettes: list[Cassette]) -> list[tuple[str, str, dict[str, str]]]:
    with ReplayServer(cassettes=cassettes) as server:
        crawl("delib_scdl", server, *NIGHTLY, database_url=url, settings=SETTINGS)
        return list(server.requests)


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory):
    url = sqlite_database(tmp_path_factory.mktemp("catalogue"))
    first = _crawl(url, demo_cassettes())
    after_first = (_health(url), len(notices(url, "delib_scdl")))
    second = _crawl(url, demo_cassettes())
    return url, first, after_first, second


def test_discovered_dataset_rows_are_stored(twice) -> None:
    _, _, (_, stored), _ = twice
    # 80 rows, one of them typed twice (same id, same act)
    assert stored == 79


def test_file_missing_scdl_columns_is_not_conforming(twice) -> None:
    _, _, (health, _), _ = twice
    assert health["montpellier__VilleMTP_MTP_Delibs.csv"] == "not_conforming"


def test_conforming_file_is_ok(twice) -> None:
    _, _, (health, _), _ = twice
    assert health["altervilles__deliberations-metropole-saint-etienne.csv"] == "ok"


def test_both_catalogue_pages_are_read(twice) -> None:
    _, first, _, _ = twice
    assert sorted(q.get("page", "") for _, p, q in first if p == "/api/1/datasets/") == ["1", "2"]


def test_unchanged_file_is_not_fetched_again(twice) -> None:
    _, _, _, second = twice
    assert not [p for _, p, _ in second if p.endswith("saint-etienne.csv")]


def test_run_with_every_file_unchanged_is_ok(twice) -> None:
    url, _, _, _ = twice
    assert last_run(url).status == "ok"


def test_dataset_left_the_catalogue_is_gone(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    _crawl(url, demo_cassettes())
    page = json.loads((DEMO_SOURCES / "catalogue" / "page1.json").read_text(encoding="utf-8"))
    (tmp_path / "page1.json").write_text(json.dumps(page | {"next_page": None}))
    only_page1 = Cassette(
        tmp_path,
        entries=[
            {
                "method": "GET",
                "path": "/api/1/datasets/",
                "status": 200,
                "file": "page1.json",
                "headers": {"Content-Type": "application/json"},
            }
        ],
    )
    _crawl(url, [only_page1, *demo_cassettes()])
    assert _health(url)["montpellier__VilleMTP_MTP_Delibs.csv"] == "gone"


def test_status_lists_the_file_that_stopped_conforming(twice) -> None:
    from click.testing import CliRunner

    from veilleur.commands.query import status

    url, _, _, _ = twice
    result = CliRunner().invoke(status, ["--database-url", url, "--json"])
    files = json.loads(result.output)["files"]
    assert [(f["status"], f["url"].rsplit("/", 1)[-1]) for f in files] == [
        ("not_conforming", "montpellier__VilleMTP_MTP_Delibs.csv")
    ]
