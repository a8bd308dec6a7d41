"""A re-crawl skips, unparsed, the records its notices were stored from, and reads the rest.

Real BOAMP records over loopback into SQLite and PostgreSQL: a first crawl, then a second in
which the portal changed one record's title and published one record more, then a third with
``SKIP_UNCHANGED_RECORDS`` off, then a sampled canary run. ``CollectItems`` shows which records went through the
pipelines, the runs what was counted.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import CrawlError, CrawlRun, Flag, Notice
from db.session import session_scope
from tests.crawling import collected, collecting, crawl, demo_records, last_run
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

WINDOW = ("--since", "2006-01-01", "--until", "2024-12-31")
NEW_ID = "24-999999"


def _portal_a_day_later(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The same records, one retitled, one more published; and the retitled one's idweb."""
    later = copy.deepcopy(records)
    later[0]["objet"] = later[0]["objet"] + " (rectifié)"
    extra = copy.deepcopy(records[1])
    extra["idweb"] = extra["id"] = NEW_ID
    return [*later, extra], later[0]["idweb"]


def _field_warnings(url: str, run: CrawlRun) -> int:
    with session_scope(url) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(CrawlError)
                .where(CrawlError.run_id == run.id, CrawlError.error_kind == "bad_field")
            )
            or 0
        )


def _flags_of_others(url: str, *keys: str) -> int:
    """Flags of every notice but ``keys``."""
    with session_scope(url) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Flag)
                .join(Notice, Notice.id == Flag.notice_id)
                .where(Notice.source_key.not_in(keys))
            )
            or 0
        )


@pytest.fixture(scope="module")
def crawls(module_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = module_db_url
    out = tmp_path_factory.mktemp("collected")
    first_records = demo_records()
    later_records, retitled = _portal_a_day_later(first_records)
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": first_records})) as server:
        first = crawl("boamp", server, *WINDOW, database_url=url).process
    first_run, flags_after_first = last_run(url), _flags_of_others(url, retitled, NEW_ID)
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": later_records})) as server:
        second = crawl(
            "boamp", server, *WINDOW, database_url=url, settings=collecting(out / "second.jsonl")
        ).process
        second_run = last_run(url)
        flags_after_second = _flags_of_others(url, retitled, NEW_ID)
        every = {**collecting(out / "third.jsonl"), "SKIP_UNCHANGED_RECORDS": False}
        third = crawl("boamp", server, *WINDOW, database_url=url, settings=every).process
        third_run = last_run(url)
        canary = collecting(out / "canary.jsonl")
        sampled = crawl(
            "boamp", server, *WINDOW, "--sample", "5", database_url=url, settings=canary
        ).process
    return {
        "url": url,
        "out": out,
        "processes": (first, second, third, sampled),
        "runs": (first_run, second_run, third_run),
        "records": len(later_records),
        "retitled": retitled,
        "flags": (flags_after_first, flags_after_second),
    }


def _ids(out: Path, name: str) -> list[str]:
    return sorted(line["source_id"] for line in collected(out / name))


def test_every_crawl_exits_zero(crawls: dict[str, Any]) -> None:
    for process in crawls["processes"]:
        assert process.returncode == 0, process.stderr[-3000:]


def test_only_the_changed_and_the_new_record_are_read_again(crawls: dict[str, Any]) -> None:
    assert _ids(crawls["out"], "second.jsonl") == sorted([crawls["retitled"], NEW_ID])


def test_the_skipped_records_count_as_seen_and_unchanged(crawls: dict[str, Any]) -> None:
    run = crawls["runs"][1]
    assert (run.items_seen, run.items_new, run.items_changed, run.items_unchanged) == (
        crawls["records"],
        1,
        1,
        crawls["records"] - 2,
    )


def test_the_skip_is_counted_in_the_crawl_stats(crawls: dict[str, Any]) -> None:
    skipped = crawls["records"] - 2
    assert f"'veilleur/records_skipped_unchanged': {skipped}," in crawls["processes"][1].stderr


def test_the_changed_record_is_stored_as_its_second_version(crawls: dict[str, Any]) -> None:
    with session_scope(crawls["url"]) as session:
        notice = session.scalars(
            select(Notice).where(Notice.source_key == crawls["retitled"])
        ).one()
        assert (notice.version, notice.title.endswith("(rectifié)")) == (2, True)


def test_skipped_notices_keep_their_flags(crawls: dict[str, Any]) -> None:
    before, after = crawls["flags"]
    assert after == before > 0


def test_a_skipped_record_records_no_field_warning_again(crawls: dict[str, Any]) -> None:
    first, second, every_read = (_field_warnings(crawls["url"], r) for r in crawls["runs"])
    assert second < first <= every_read


def test_with_the_skip_off_every_record_is_read(crawls: dict[str, Any]) -> None:
    assert len(_ids(crawls["out"], "third.jsonl")) == crawls["records"]


def test_with_the_skip_off_nothing_is_written(crawls: dict[str, Any]) -> None:
    run = crawls["runs"][2]
    assert (run.items_new, run.items_changed, run.items_unchanged) == (0, 0, crawls["records"])


def test_a_sampled_run_reads_its_records(crawls: dict[str, Any]) -> None:
    # a canary checks that the source still parses: it reads the records it counts
    assert len(_ids(crawls["out"], "canary.jsonl")) == 5
