"""The TED spider over a loopback replay: search iteration, XML of both formats, bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from spiders.ted import build_query, notice_from_hit
from tests.conftest import sqlite_database
from tests.crawling import crawl, errors, notices, runs
from veilleur.demo import DEMO_DATA
from veilleur.demo.replay import Cassette, ReplayServer

#: the demo's TED recordings (real XML notices; search answers assembled, see its README)
CASSETTE = DEMO_DATA / "sources" / "ted"
WINDOW = ("--since", "2016-01-01", "--until", "2024-12-31")


@pytest.fixture(scope="module")
def ted_crawl(tmp_path_factory: pytest.TempPathFactory):
    url = sqlite_database(tmp_path_factory.mktemp("ted"))
    calls = {"n": 0}

    def first_search_rate_limited(method: str, path: str, query: dict[str, str]):
        if path == "/v3/notices/search" and calls["n"] == 0:
            calls["n"] += 1
            return 429, {"Retry-After": "1"}, b'{"message": "Too many requests"}'
        return None

    with ReplayServer(cassettes=[Cassette(CASSETTE)], faults=[first_search_rate_limited]) as server:
        result = crawl("ted", server, *WINDOW, database_url=url).process
        requests = list(server.requests)
    return url, result, requests


def test_every_searched_notice_is_stored(ted_crawl) -> None:
    url, _, _ = ted_crawl
    assert len(notices(url, "ted")) == 12


def test_search_stops_on_total_count_although_a_token_remains(ted_crawl) -> None:
    _, _, requests = ted_crawl
    # the first call is answered 429 and retried after Retry-After, then two pages
    assert len([r for r in requests if r[1] == "/v3/notices/search"]) == 3


def test_eforms_notice_parsed_from_its_xml(ted_crawl) -> None:
    url, _, _ = ted_crawl
    row = next(n for n in notices(url, "ted") if n.source_key == "47522-2024")
    assert row.buyer_siret == "20003441100013"


def test_r2_notice_parsed_from_its_xml(ted_crawl) -> None:
    url, _, _ = ted_crawl
    row = next(n for n in notices(url, "ted") if n.source_key == "334815-2021")
    assert "32323500" in row.cpv_codes


def test_entity_bomb_recorded_against_its_url(ted_crawl) -> None:
    url, _, _ = ted_crawl
    bombs = [e for e in errors(url) if e.error_kind == "hostile_xml"]
    assert [e.url.rsplit("/", 2)[-2] for e in bombs] == ["999001-2021"]


def test_moved_document_recorded(ted_crawl) -> None:
    url, _, _ = ted_crawl
    assert [e.record_id for e in errors(url) if e.error_kind == "document_failed"] == [
        "999002-2021"
    ]


def test_notice_whose_xml_failed_kept_from_its_search_hit(ted_crawl) -> None:
    url, _, _ = ted_crawl
    assert {"999001-2021", "999002-2021"} <= {n.source_key for n in notices(url, "ted")}


def test_run_with_recorded_bad_documents_still_finishes(ted_crawl) -> None:
    url, result, _ = ted_crawl
    assert runs(url)[-1].items_seen == 12, result.stderr[-2000:]


@pytest.fixture(scope="module")
def ted_recrawl(tmp_path_factory: pytest.TempPathFactory):
    """The same window crawled twice: the XML paths the second crawl asked for, its run."""
    url = sqlite_database(tmp_path_factory.mktemp("ted-twice"))
    with ReplayServer(cassettes=[Cassette(CASSETTE)]) as server:
        crawl("ted", server, *WINDOW, database_url=url)
        before = len(server.requests)
        second = crawl("ted", server, *WINDOW, database_url=url).process
        asked = [path for _, path, *_ in server.requests[before:] if path.endswith("/xml")]
    return url, second, asked


def test_a_recrawl_downloads_only_the_xml_that_failed(ted_recrawl) -> None:
    # a notice stored from its XML is not downloaded again; the two kept from their search hit
    # after their XML failed are asked for again
    _, second, asked = ted_recrawl
    assert sorted(p.rsplit("/", 2)[-2] for p in asked) == ["999001-2021", "999002-2021"], (
        second.stderr[-2000:]
    )


def test_a_recrawl_counts_every_notice_seen_and_unchanged(ted_recrawl) -> None:
    url, _, _ = ted_recrawl
    run = runs(url)[-1]
    assert (run.items_seen, run.items_new, run.items_unchanged) == (12, 0, 12)


def test_stuck_token_stops_and_is_recorded(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    cassette = Cassette(CASSETTE)
    # every search answer is page 1 with token t1: the second call repeats the token
    cassette.entries = [e for e in cassette.entries if e.get("body_contains") is None]
    with ReplayServer(cassettes=[cassette]) as server:
        crawl("ted", server, *WINDOW, database_url=url)
        searches = [r for r in server.requests if r[1] == "/v3/notices/search"]
    assert len(searches) == 2 and [
        e.error_kind for e in errors(url) if e.error_kind == "stuck_token"
    ]


def test_query_names_countries_window_cpv_and_text() -> None:
    query = build_query(
        date(2024, 1, 1), date(2024, 1, 31), ["FRA"], ["32323500"], ["vidéoprotection"]
    )
    assert query == (
        "buyer-country IN (FRA) AND publication-date>=20240101 AND publication-date<=20240131"
        ' AND classification-cpv IN (32323500) AND (FT~"vidéoprotection")'
    )


def test_hit_fallback_prefers_french_title() -> None:
    hit = {
        "publication-number": "0123-2024",
        "notice-title": {"eng": "Video", "fra": "Vidéo"},
        "publication-date": "2024-01-02+01:00",
        "notice-type": "cn-standard",
    }
    notice = notice_from_hit(hit)
    assert (notice.source_id, notice.title, notice.kind) == ("123-2024", "Vidéo", "tender")


# -- the recorded answer of the live search (tests/fixtures/realworld/ted) -----------------------

REAL_TED = Path(__file__).parents[1] / "fixtures" / "realworld" / "ted"
RECORDED = "ted_v3_search_response__op-ted_ted-rdf-conversion-pipeline.json"


def _search_only(directory: Path, file: str) -> Cassette:
    entry = {"method": "POST", "path": "/v3/notices/search", "status": 200, "file": file}
    return Cassette(directory, entries=[dict(entry, headers={"Content-Type": "application/json"})])


def test_recorded_answer_repeating_a_notice_ends_without_incomplete_search(tmp_path: Path) -> None:
    # the answer holds notice 67623-2022 twice and says totalNoticeCount 2, with no token
    url = sqlite_database(tmp_path)
    with ReplayServer(cassettes=[_search_only(REAL_TED, RECORDED)]) as server:
        crawl("ted", server, *WINDOW, database_url=url)
    assert [e.error_kind for e in errors(url) if e.error_kind == "incomplete_search"] == []


def test_timed_out_answer_is_asked_again_then_recorded(tmp_path: Path) -> None:
    """The recorded answer with ``timedOut: true`` set (DERIVED at test time: no recording of a
    timed-out answer exists)."""
    import json

    answer = json.loads((REAL_TED / RECORDED).read_text(encoding="utf-8"))
    (tmp_path / "timed_out.json").write_text(json.dumps(answer | {"timedOut": True}))
    url = sqlite_database(tmp_path)
    with ReplayServer(cassettes=[_search_only(tmp_path, "timed_out.json")]) as server:
        crawl("ted", server, *WINDOW, database_url=url)
        searches = [r for r in server.requests if r[1] == "/v3/notices/search"]
    assert (len(searches), [e.error_kind for e in errors(url, "search_timed_out")]) == (
        3,
        ["search_timed_out"],
    )


def test_query_has_no_sort_by() -> None:
    # a client reports that SORT BY caps iteration at 750 notices
    query = build_query(date(2024, 1, 1), date(2024, 1, 31), ["FRA"], [], [])
    assert "SORT BY" not in query.upper()
