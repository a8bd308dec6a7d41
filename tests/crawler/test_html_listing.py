"""The declarative HTML listing base over a loopback replay: rows, encodings, loops, layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.base_spiders.html_listing import _select, _text, decode_listing, parse_listing_date
from tests.conftest import FIXTURES, sqlite_database
from tests.crawling import crawl, errors, notices, runs
from veilleur.demo.replay import Cassette, ReplayServer
from veilleur.demo.sources import DEMO_SOURCES, demo_cassettes

LISTINGS = FIXTURES / "listings"
PORTALS = LISTINGS / "portals.toml"
#: the two listing pages are the demo's council listing (one copy, served by the demo too)
PAGE1 = DEMO_SOURCES / "listing" / "page1.html"
WINDOW = ("--since", "1990-01-01", "--until", "2030-12-31")


def _crawl(name: str, tmp: Path):
    url = sqlite_database(tmp)
    # the demo answers /deliberations (pages 1 and 2); the fixture, the changed layout
    with ReplayServer(cassettes=[*demo_cassettes(), Cassette(LISTINGS)]) as server:
        result = crawl(name, server, *WINDOW, database_url=url, portals=PORTALS).process
        requests = list(server.requests)
    return url, result, requests


@pytest.fixture(scope="module")
def css_crawl(tmp_path_factory: pytest.TempPathFactory):
    return _crawl("listing_fixture", tmp_path_factory.mktemp("listing"))


def test_rows_of_both_pages_become_deliberations(css_crawl) -> None:
    url, result, _ = css_crawl
    assert [n.kind for n in notices(url, "listing_fixture")] == ["deliberation"] * 4, result.stderr[
        -2000:
    ]


def test_windows_1252_page_without_charset_keeps_its_accents(css_crawl) -> None:
    url, _, _ = css_crawl
    assert any("vidéoprotection" in n.title for n in notices(url, "listing_fixture"))


def test_french_long_date_parsed(css_crawl) -> None:
    url, _, _ = css_crawl
    dates = {n.source_id: n.published_at for n in notices(url, "listing_fixture")}
    assert dates["2013-09-30-REGIE"] == date(2013, 9, 30)


def test_document_link_made_absolute(css_crawl) -> None:
    url, _, _ = css_crawl
    row = next(n for n in notices(url, "listing_fixture") if n.source_id == "2013-09-30-REGIE")
    assert row.url.endswith("/files/evreux-2013-09-30-regie.pdf") and row.url.startswith(
        "http://127.0.0.1"
    )


def test_next_link_back_to_the_first_page_is_a_recorded_loop(css_crawl) -> None:
    url, _, requests = css_crawl
    assert [e.error_kind for e in errors(url) if e.error_kind == "listing_loop"] == ["listing_loop"]
    assert len([r for r in requests if r[1] == "/deliberations"]) == 2


def test_row_without_title_recorded(css_crawl) -> None:
    url, _, _ = css_crawl
    bad = [e.record_id or "" for e in errors(url) if e.error_kind == "bad_record"]
    assert [r.rsplit("/", 1)[-1] for r in bad] == ["vide.pdf"]


def test_unreadable_date_kept_undated_and_warned(css_crawl) -> None:
    url, _, _ = css_crawl
    row = next(n for n in notices(url, "listing_fixture") if n.source_id == "2026-02-05-08")
    assert row.published_at is None and any(e.error_kind == "bad_field" for e in errors(url))


def test_xpath_selectors_read_the_same_rows() -> None:
    page = Selector(text=PAGE1.read_text(encoding="utf-8"))
    css = [_text(_select(row, "a.doc")) for row in _select(page, "li.acte")]
    xpath = [
        _text(_select(row, "./a[@class='doc']")) for row in _select(page, "//li[@class='acte']")
    ]
    assert xpath == css and len(css) == 3


def test_layout_change_recorded_and_run_failing(tmp_path: Path) -> None:
    url, _, _ = _crawl("listing_fixture_changed", tmp_path)
    assert [e.error_kind for e in errors(url)] == ["layout_changed"] and runs(url)[
        -1
    ].status == "failing"


def test_utf8_label_on_cp1252_bytes_is_corrected() -> None:
    body = "Délibération vidéoprotection".encode("cp1252")
    response = HtmlResponse(
        "http://x/", body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    assert decode_listing(response).text == "Délibération vidéoprotection"


def test_declared_latin_charset_is_trusted() -> None:
    body = "Séance".encode("iso-8859-15")
    response = HtmlResponse(
        "http://x/", body=body, headers={"Content-Type": "text/html; charset=iso-8859-15"}
    )
    assert decode_listing(response).text == "Séance"


def test_configured_date_format_first() -> None:
    assert parse_listing_date("2024.03.07", ["%Y.%m.%d"]) == date(2024, 3, 7)


def test_day_month_year_date() -> None:
    assert parse_listing_date("Publié le 01/02/2014", []) == date(2014, 2, 1)


def test_documents_that_moved_are_recorded_with_their_error(css_crawl) -> None:
    url, _, _ = css_crawl
    from db.models import NoticeDocument
    from db.session import session_scope

    with session_scope(url) as session:
        fetch_errors = {
            d.url.rsplit("/", 1)[-1]: d.fetch_error for d in session.query(NoticeDocument)
        }
    assert fetch_errors["evreux-2013-09-30-regie.pdf"] == "http: status 404"
