"""Crawl behaviour at the edges: windows under the offset cap, bad input, versions, watermark,
zero items, rate limiting, a killed crawl. Each crawl is real: a subprocess over loopback HTTP."""

from __future__ import annotations

import copy
import json
import os
import signal
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import CrawlRun, Notice, NoticeVersion
from db.session import session_scope
from tests.crawling import (
    count,
    crawl,
    demo_records,
    errors,
    last_run,
    start_crawl,
)
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer, Reply

ALL = ("--since", "2006-01-01", "--until", "2024-12-31")


def records_2006() -> list[dict[str, Any]]:
    return [r for r in demo_records() if r["dateparution"].startswith("2006")]


def crawl_boamp(url: str, server: ReplayServer, *args: str, **settings: Any) -> Any:
    """A BOAMP crawl of ``server`` into ``url``; keyword arguments are Scrapy settings."""
    return crawl("boamp", server, *args, database_url=url, settings=settings).process


# -- windows under the offset cap ---------------------------------------------------------


def test_windows_split_under_the_cap_store_everything(sqlite_url: str) -> None:
    ods = OpendatasoftEmulator({"boamp": demo_records()}, offset_cap=40)
    with ReplayServer(ods=ods) as server:
        crawl_boamp(sqlite_url, server, *ALL, ODS_OFFSET_CAP=40, ODS_PAGE_SIZE=20)
    assert count(sqlite_url, Notice) == len(demo_records())


def test_windows_split_never_ask_past_the_cap(sqlite_url: str) -> None:
    ods = OpendatasoftEmulator({"boamp": demo_records()}, offset_cap=40)
    with ReplayServer(ods=ods) as server:
        crawl_boamp(sqlite_url, server, *ALL, ODS_OFFSET_CAP=40, ODS_PAGE_SIZE=20)
        asked = [
            int(q["offset"]) + int(q["limit"])
            for _, p, q in server.requests
            if p.endswith("/records")
        ]
    assert max(asked) <= 40


def test_a_day_over_the_cap_is_read_through_exports(sqlite_url: str) -> None:
    ods = OpendatasoftEmulator({"boamp": demo_records()}, offset_cap=4)
    with ReplayServer(ods=ods) as server:
        crawl_boamp(sqlite_url, server, *ALL, ODS_OFFSET_CAP=4, ODS_PAGE_SIZE=2)
        exports = [p for _, p, _ in server.requests if p.endswith("/exports/json")]
    assert exports and count(sqlite_url, Notice) == len(demo_records())


def test_pages_of_a_window_are_asked_together_each_once(sqlite_url: str) -> None:
    records = records_2006()
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records})) as server:
        process = crawl_boamp(sqlite_url, server, *ALL, ODS_PAGE_SIZE=5)
        asked = [(q["where"], int(q["offset"])) for _, p, q in server.requests if "offset" in q]
    assert "'veilleur/ods/pages_fanned_out'" in process.stderr  # not one after another
    assert sorted(asked) == sorted(set(asked))
    assert sorted(o for _, o in asked) == list(range(0, len(records), 5))
    assert count(sqlite_url, Notice) == len(records)


def test_many_small_batches_are_all_stored_in_order(db_url: str) -> None:
    # batches of 3 written one after another by the writer thread, one waiting at most
    records = records_2006()
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records})) as server:
        process = crawl_boamp(db_url, server, *ALL, STORE_BATCH_SIZE=3, STORE_BATCHES_AHEAD=1)
    assert process.returncode == 0, process.stderr[-2000:]
    assert count(db_url, Notice) == len(records)
    assert last_run(db_url).items_new == len(records)


@pytest.mark.parametrize("in_process", [True, False], ids=["process", "thread"])
def test_a_crawl_that_fills_a_batch_stores_from_its_writer(
    sqlite_url: str, in_process: bool
) -> None:
    # the demo's records, one of them made to be flagged, so the flagged count crosses back too
    records = demo_records()
    records[0] = dict(records[0], objet="Fourniture et pose de caméras de vidéoprotection")
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records})) as server:
        process = crawl_boamp(
            sqlite_url, server, "--since", "2006-01-01", STORE_BATCH_SIZE=4,
            STORE_IN_PROCESS=in_process,
        )  # fmt: skip
    assert process.returncode == 0, process.stderr[-2000:]
    writer = "process" if in_process else "thread"
    assert f"'veilleur/store_writer': '{writer}'" in process.stderr
    with session_scope(sqlite_url) as session:
        flagged = session.scalar(select(func.count()).where(Notice.flagged)) or 0
    assert flagged >= 1
    assert f"'veilleur/items_flagged': {flagged}," in process.stderr
    assert count(sqlite_url, Notice) == len(records)


def test_repeated_page_stops_the_window(sqlite_url: str) -> None:
    page = {"total_count": 500, "results": records_2006()[:10]}

    def same_page(method: str, path: str, query: dict[str, str]) -> Reply | None:
        if path.endswith("/records"):
            return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()
        return None

    with ReplayServer(faults=[same_page]) as server:
        crawl_boamp(sqlite_url, server, *ALL)
    assert len(errors(sqlite_url, "repeated_page")) == 1


# -- bad input ----------------------------------------------------------------------------


def mutated() -> list[dict[str, Any]]:
    """Real records, each with one field broken the way real feeds break."""
    base = records_2006()
    bad_date = copy.deepcopy(base[0]) | {"datelimitereponse": "31/02/2024"}
    # the deadline is also written in `gestion` (read first): break it there too
    bad_date["gestion"] = bad_date["gestion"].replace(
        '"DATE_LIMITE_REPONSE": "2006-07-21"', '"DATE_LIMITE_REPONSE": "31/02/2024"'
    )
    nul = copy.deepcopy(base[1])
    nul["objet"] = nul["objet"] + "\x00\x07"
    wrong_type = copy.deepcopy(base[2]) | {"code_departement": {"not": "a list"}, "titulaire": 42}
    no_id = copy.deepcopy(base[3]) | {"idweb": None, "id": None}
    broken_donnees = copy.deepcopy(base[4]) | {"donnees": '{"IDENT": {"NOM": "x"'}
    spaced_id = copy.deepcopy(base[5]) | {"idweb": " " + base[5]["idweb"].lower() + " "}
    return [bad_date, nul, wrong_type, no_id, broken_donnees, base[5], spaced_id, *base[6:10]]


@pytest.fixture(scope="module")
def bad_crawl(module_db_url: str) -> str:
    """One crawl of the mutated records per database, shared by the tests below."""
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": mutated()})) as server:
        crawl_boamp(module_db_url, server, *ALL)
    return module_db_url


def test_bad_input_keeps_the_good_records(bad_crawl: str) -> None:
    # 11 records: one has no id (dropped), two spell the same id (one notice)
    assert count(bad_crawl, Notice) == 9


def test_absurd_date_is_recorded_with_its_record(bad_crawl: str) -> None:
    assert any("31/02/2024" in e.message and e.record_id for e in errors(bad_crawl, "bad_field"))


def test_absurd_date_notice_is_kept_without_date(bad_crawl: str) -> None:
    key = records_2006()[0]["idweb"]
    with session_scope(bad_crawl) as session:
        row = session.scalars(select(Notice).where(Notice.source_key == key)).one()
        assert (row.deadline_at, row.published_at is not None) == (None, True)


def test_nul_bytes_are_removed(bad_crawl: str) -> None:
    key = records_2006()[1]["idweb"]
    with session_scope(bad_crawl) as session:
        assert "\x00" not in session.scalar(select(Notice.title).where(Notice.source_key == key))


def test_missing_id_is_recorded_with_url(bad_crawl: str) -> None:
    found = errors(bad_crawl, "bad_record")
    assert found and found[0].url and "/records" in found[0].url


def test_malformed_donnees_is_recorded(bad_crawl: str) -> None:
    assert any("donnees" in e.message for e in errors(bad_crawl, "bad_field"))


def test_wrong_types_are_recorded(bad_crawl: str) -> None:
    assert any("departement" in e.message for e in errors(bad_crawl, "bad_field"))


def test_malformed_json_page_is_recorded_and_run_fails(sqlite_url: str) -> None:
    def broken(method: str, path: str, query: dict[str, str]) -> Reply | None:
        if path.endswith("/records"):
            return 200, {"Content-Type": "application/json"}, b'{"total_count": 3, "results": [{'
        return None

    with ReplayServer(faults=[broken]) as server:
        result = crawl_boamp(sqlite_url, server, *ALL)
    assert (result.returncode, len(errors(sqlite_url, "bad_json"))) == (1, 1)


# -- versions, watermark, zero items ---------------------------------------------------------


def test_changed_notice_gets_a_new_version_keeping_the_old(sqlite_url: str) -> None:
    records = records_2006()
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records})) as server:
        crawl_boamp(sqlite_url, server, *ALL)
    changed = copy.deepcopy(records)
    old_title = changed[0]["objet"]
    changed[0]["objet"] = old_title + " (rectifié)"
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": changed})) as server:
        crawl_boamp(sqlite_url, server, *ALL)
    with session_scope(sqlite_url) as session:
        row = session.scalars(select(Notice).where(Notice.source_key == changed[0]["idweb"])).one()
        titles = [v.data["title"] for v in row.versions]
        assert (row.version, titles) == (2, [old_title, old_title + " (rectifié)"])


def test_next_crawl_starts_the_day_before_the_watermark(sqlite_url: str) -> None:
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records_2006()})) as server:
        crawl_boamp(sqlite_url, server, "--since", "2006-07-01", "--until", "2006-07-10")
        server.requests.clear()
        crawl_boamp(sqlite_url, server, "--until", "2006-07-20")
        where = next(q["where"] for _, p, q in server.requests if p.endswith("/records"))
    assert "dateparution >= date'2006-07-09'" in where


def test_zero_items_after_items_is_failing(sqlite_url: str) -> None:
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records_2006()})) as server:
        crawl_boamp(sqlite_url, server, "--since", "2006-07-01", "--until", "2006-07-10")
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": []})) as server:
        result = crawl_boamp(sqlite_url, server, "--since", "2006-07-01", "--until", "2006-07-10")
    run = last_run(sqlite_url)
    assert (result.returncode, run.status, "previous run" in (run.message or "")) == (
        1,
        "failing",
        True,
    )


def test_zero_items_run_keeps_stored_notices(sqlite_url: str) -> None:
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records_2006()})) as server:
        crawl_boamp(sqlite_url, server, "--since", "2006-07-01", "--until", "2006-07-10")
    before = count(sqlite_url, Notice)
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": []})) as server:
        crawl_boamp(sqlite_url, server, "--since", "2006-07-01", "--until", "2006-07-10")
    assert count(sqlite_url, Notice) == before > 0


def test_sample_stops_early_and_keeps_the_watermark(sqlite_url: str) -> None:
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": demo_records()})) as server:
        crawl_boamp(sqlite_url, server, *ALL, "--sample", "5")
    with session_scope(sqlite_url) as session:
        from db.models import Source

        watermark = session.scalar(select(Source.watermark))
    assert (count(sqlite_url, Notice), watermark) == (5, None)


# -- politeness ------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried(sqlite_url: str) -> None:
    seen: list[int] = []

    def rate_limited(method: str, path: str, query: dict[str, str]) -> Reply | None:
        if path.endswith("/records") and not seen:
            seen.append(1)
            return 429, {"Retry-After": "1"}, b"slow down"
        return None

    ods = OpendatasoftEmulator({"boamp": records_2006()})
    with ReplayServer(ods=ods, faults=[rate_limited]) as server:
        result = crawl_boamp(sqlite_url, server, *ALL)
    assert (result.returncode, count(sqlite_url, Notice)) == (0, len(records_2006()))


# -- a killed crawl -------------------------------------------------------------------------


#: the days ``many_records`` spreads its copies over (up to 59 copies)
MANY_DAYS = ("--since", "2006-01-01", "--until", "2006-02-28")


def many_records(n_copies: int) -> list[dict[str, Any]]:
    """Real records repeated under distinct ids, spread over distinct days."""
    out = []
    for copy_no in range(n_copies):
        for record in records_2006():
            clone = copy.deepcopy(record)
            clone["idweb"] = clone["id"] = f"{record['idweb']}-{copy_no:03d}"
            clone["dateparution"] = (date(2006, 1, 1) + timedelta(days=copy_no)).isoformat()
            out.append(clone)
    return out


def test_killed_crawl_rerun_stores_each_notice_once(sqlite_url: str, tmp_path: Path) -> None:
    records = many_records(30)  # 600 notices over 30 days

    def slow(method: str, path: str, query: dict[str, str]) -> Reply | None:
        time.sleep(0.15)
        return None

    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records}), faults=[slow]) as server:
        process = start_crawl(
            "boamp",
            server.url,
            *MANY_DAYS,
            database_url=sqlite_url,
            settings={"STORE_BATCH_SIZE": 20, "ODS_PAGE_SIZE": 10},
            documents_dir=tmp_path / "documents",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and count(sqlite_url, Notice) < 60:
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        partial = count(sqlite_url, Notice)
        server.faults.clear()
        crawl_boamp(sqlite_url, server, *MANY_DAYS)
    with session_scope(sqlite_url) as session:
        keys = list(session.scalars(select(Notice.source_key)))
        statuses = list(session.scalars(select(CrawlRun.status).order_by(CrawlRun.id)))
    assert 0 < partial < len(records)
    assert (len(keys), len(set(keys)), statuses) == (
        len(records),
        len(records),
        ["interrupted", "ok"],
    )


def test_versions_equal_notices_after_kill_free_crawl(sqlite_url: str) -> None:
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": records_2006()})) as server:
        crawl_boamp(sqlite_url, server, *ALL)
    with session_scope(sqlite_url) as session:
        assert session.scalar(select(func.count()).select_from(NoticeVersion)) == count(
            sqlite_url, Notice
        )


# -- one crawl of a source at a time -------------------------------------------------------


def test_crawl_refuses_to_start_while_another_holds_the_source(sqlite_url: str) -> None:
    from db.locks import held_lock
    from veilleur.jobs import LOCKED_EXIT_CODE

    with (
        ReplayServer(ods=OpendatasoftEmulator({"boamp": records_2006()})) as server,
        held_lock(sqlite_url, "crawl:boamp", holder="another-process", ttl=600),
    ):
        result = crawl_boamp(sqlite_url, server, *ALL)
    assert (result.returncode, count(sqlite_url, CrawlRun)) == (LOCKED_EXIT_CODE, 0)
