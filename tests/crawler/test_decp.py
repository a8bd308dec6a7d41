"""DECP spiders over loopback: the regulatory JSON files, and the ministry's ODS datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.base_spiders.decp import DecpFilesSpider
from crawler.base_spiders.decp_flat import contract_tree
from crawler.base_spiders.decp_json import DecpRecordError, merge_duplicates, parse_decp_document
from tests.conftest import FIXTURES, sqlite_database
from tests.crawler.decp_flat import flat_record
from tests.crawling import crawl, errors, notices
from veilleur.demo.replay import Cassette, OpendatasoftEmulator, ReplayServer
from veilleur.demo.sources import DEMO_SOURCES
from vocabulary.errors import SpiderArgumentError

#: the demo's slices of the real 2019 DECP files (see veilleur/demo/data/sources/README.md)
DECP = DEMO_SOURCES / "decp"
DECP_HTTP = FIXTURES / "decp_http"
FILES = sorted(p.name for p in DECP.glob("*.json"))


def _entry(name: str) -> dict[str, object]:
    return {
        "method": "GET",
        "path": f"/decp/{name}",
        "status": 200,
        "headers": {"Content-Type": "application/json"},
        "file": name,
    }


def _cassettes() -> list[Cassette]:
    """The real slices, and a truncated file beside them."""
    return [
        Cassette(DECP, entries=[_entry(name) for name in FILES]),
        Cassette(DECP_HTTP, entries=[_entry("broken.json")]),
    ]


def _expected() -> int:
    parsed = [
        n
        for name in FILES
        for n in parse_decp_document((DECP / name).read_bytes(), name)
        if not isinstance(n, DecpRecordError)
    ]
    return len(merge_duplicates(parsed))


@pytest.fixture(scope="module")
def decp_crawl(tmp_path_factory: pytest.TempPathFactory):
    url = sqlite_database(tmp_path_factory.mktemp("decp"))
    with ReplayServer(cassettes=_cassettes()) as server:
        result = crawl(
            "decp_fixture",
            server,
            "--since",
            "2018-01-01",
            database_url=url,
            portals=DECP_HTTP / "portals.toml",
        ).process
    return url, result


def test_every_contract_stored_once(decp_crawl) -> None:
    url, result = decp_crawl
    assert len(notices(url, "decp_fixture")) == _expected(), result.stderr[-2000:]


def test_contract_in_two_files_stored_once_with_both_files(decp_crawl) -> None:
    url, _ = decp_crawl
    lyon = [n for n in notices(url, "decp_fixture") if "Mermoz" in n.title]
    assert len(lyon) == 1 and len(lyon[0].raw["_files"]) == 2


def test_broken_file_recorded(decp_crawl) -> None:
    url, _ = decp_crawl
    assert [e.url.rsplit("/", 1)[-1] for e in errors(url) if e.error_kind == "malformed_json"] == [
        "broken.json"
    ]


def test_missing_file_recorded(decp_crawl) -> None:
    url, _ = decp_crawl
    assert [e.url.rsplit("/", 1)[-1] for e in errors(url) if e.error_kind == "request_failed"] == [
        "moved.json"
    ]


def test_record_without_buyer_recorded_with_its_position(decp_crawl) -> None:
    url, _ = decp_crawl
    assert all("#marches[" in e.url for e in errors(url) if e.error_kind == "bad_record")


def test_spider_refuses_to_run_without_files(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    spider_class = type("Unconfigured", (DecpFilesSpider,), {"name": "decp_unconfigured"})
    crawler = get_crawler(spider_class, {"DATABASE_URL": url})
    with pytest.raises(SpiderArgumentError, match="DECP_FILES"):
        spider_class.from_crawler(crawler, since="2019-01-01")


def _lyon_record() -> dict:
    import json

    data = json.loads((DECP / "data.gouv.fr_pes_2019-04-05.json").read_text())
    return next(m for m in data["marches"] if "Mermoz" in m["objet"])


def test_flat_record_reshaped_to_the_regulatory_tree() -> None:
    tree = contract_tree([flat_record(_lyon_record())])
    assert (tree["acheteur"]["id"], tree["titulaires"][0]["id"]) == (
        _lyon_record()["acheteur"]["id"],
        _lyon_record()["titulaires"][0]["id"],
    )


def test_ods_dataset_source_reads_the_ministry_records(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    ods = OpendatasoftEmulator({"decp-v3-marches-valides": [flat_record(_lyon_record())]})
    with ReplayServer(ods=ods) as server:
        crawl("decp_v3", server, "--since", "2018-01-01", "--until", "2019-12-31", database_url=url)
    stored = notices(url, "decp_v3")
    assert [(n.source_id, n.kind) for n in stored] == [("21690123100011:2018J114600", "contract")]
