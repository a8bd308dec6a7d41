"""SCDL deliberations from data.gouv.fr over loopback, and the row mapping."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.base_spiders.csv_rows import decode_csv, read_deliberations
from db.models import NoticeDocument
from db.session import session_scope
from tests.conftest import FIXTURES, sqlite_database
from tests.crawling import crawl, errors, notices
from veilleur.demo.replay import Cassette, ReplayServer

SCDL = FIXTURES / "scdl"


@pytest.fixture(scope="module")
def scdl_crawl(tmp_path_factory: pytest.TempPathFactory):
    url = sqlite_database(tmp_path_factory.mktemp("scdl"))
    with ReplayServer(cassettes=[Cassette(SCDL)]) as server:
        result = crawl(
            "scdl_fixture",
            server,
            "--since",
            "1990-01-01",
            database_url=url,
            portals=SCDL / "portals.toml",
            # the DELIB_URLs are the real acts' addresses, off loopback: never fetched in tests
            settings={"DOCUMENTS_ENABLED": False},
        ).process
    return url, result


def test_rows_become_deliberations(scdl_crawl) -> None:
    url, result = scdl_crawl
    assert [n.kind for n in notices(url, "scdl_fixture")] == ["deliberation", "deliberation"], (
        result.stderr[-2000:]
    )


def test_cp1252_csv_keeps_accents(scdl_crawl) -> None:
    url, _ = scdl_crawl
    assert any(n.buyer_name == "Ville d’Evreux" for n in notices(url, "scdl_fixture"))


def test_delib_url_becomes_a_document(scdl_crawl) -> None:
    url, _ = scdl_crawl
    with session_scope(url) as session:
        urls = {d.url for d in session.query(NoticeDocument)}
    assert "http://d.20-bal.com/law/4986/index.html" in urls


def test_row_without_object_recorded(scdl_crawl) -> None:
    url, _ = scdl_crawl
    assert [e.url.rsplit("#", 1)[-1] for e in errors(url) if e.error_kind == "bad_record"] == [
        "row=4"
    ]


def test_dataset_that_moved_recorded(scdl_crawl) -> None:
    url, _ = scdl_crawl
    assert any(
        e.error_kind == "request_failed" and "dataset-that-moved" in e.url for e in errors(url)
    )


def test_french_date_and_float_siret() -> None:
    body = "DELIB_OBJET;DELIB_DATE;COLL_SIRET;DELIB_ID\nx;30/11/1998;2.1690123100011E+13;1\n"
    notice = next(
        n
        for n in read_deliberations(body.encode(), source="s", file_url="u")
        if not hasattr(n, "kind") or n.kind == "deliberation"
        if hasattr(n, "published_at")
    )
    assert (notice.published_at, notice.buyer_siret) == (date(1998, 11, 30), "21690123100011")


def test_csv_with_bom_decoded() -> None:
    assert decode_csv("\ufeffDELIB_OBJET".encode()) == "DELIB_OBJET"
