"""Late publications are read: a nightly crawl (``--since`` yesterday) stores what a source
posts today about an event years old — council sessions appear 7 to 268 days after the session
(measured on a commune's page), DECP contracts 58 days to 8.5 years after notification."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from crawler.registry import nightly_source_names
from tests.conftest import FIXTURES, sqlite_database
from tests.crawling import crawl, notices
from veilleur.demo.replay import Cassette, ReplayServer
from veilleur.demo.sources import demo_cassettes

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def test_scdl_rows_of_old_sessions_are_stored_by_a_nightly_crawl(tmp_path: Path) -> None:
    scdl = FIXTURES / "scdl"
    url = sqlite_database(tmp_path)
    with ReplayServer(cassettes=[Cassette(scdl)]) as server:
        crawl(
            "scdl_fixture",
            server,
            "--since",
            YESTERDAY,
            database_url=url,
            portals=scdl / "portals.toml",
            settings={"DOCUMENTS_ENABLED": False},
        )
    # the deliberations of 1998 and 2013 in the file are read whatever their date
    assert len(notices(url, "scdl_fixture")) == 2


def test_listing_rows_of_old_sessions_are_stored_by_a_nightly_crawl(tmp_path: Path) -> None:
    listings = FIXTURES / "listings"
    url = sqlite_database(tmp_path)
    # the demo's council listing (sessions of 1998 to 2026) answers /deliberations
    with ReplayServer(cassettes=demo_cassettes()) as server:
        crawl(
            "listing_fixture",
            server,
            "--since",
            YESTERDAY,
            database_url=url,
            portals=listings / "portals.toml",
            settings={"DOCUMENTS_ENABLED": False},
        )
    assert len(notices(url, "listing_fixture")) == 4


def test_frozen_dataset_left_out_of_the_nightly_crawl() -> None:
    assert "decp_v3" not in nightly_source_names()


def test_live_dataset_kept_in_the_nightly_crawl() -> None:
    assert "decp_2022" in nightly_source_names()
