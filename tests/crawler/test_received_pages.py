"""A notice's new version, crawled after files came back for an access request, keeps the hits
found in those files (the Flag pipeline reads their stored pages)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler.pipelines.core import FlagPipeline
from db.models.notices import Flag, Notice
from db.received import attach_received
from db.requests import create_request, mark_sent
from db.session import session_scope
from db.store import upsert_notices
from review.request_flow import store_upload
from tests.factories import boamp_items, decision, store
from veilleur.requests import read_received
from vocabulary.decision import Hit
from vocabulary.items import NoticeItem

ANSWER = Path(__file__).parents[1] / "fixtures" / "requests" / "raa-var-242-2025-07-15.pdf"


@pytest.fixture
def answered(sqlite_url: str, tmp_path: Path) -> NoticeItem:
    """A stored notice, a request about it, and the real prefectoral bundle received and read."""
    item = boamp_items()[0]
    hit = Hit("cctv", "r@1", "videosurveillance", "title", item.title[:40], 2.0)
    with session_scope(sqlite_url) as s:
        notice = store(s, item, decision(hit))
        request = create_request(
            s, notice.id, documents=[{"key": "cctp", "label": "le CCTP"}], recipient={}
        )
        mark_sent(s, request.id, request.version, None, date(2025, 6, 2))
        body = ANSWER.read_bytes()
        sha, rel = store_upload(tmp_path / "documents", body)
        attach_received(
            s,
            request.id,
            sha256=sha,
            filename=ANSWER.name,
            storage_path=rel,
            size_bytes=len(body),
            received_on=date(2025, 7, 20),
        )
    read_received(sqlite_url, tmp_path / "documents")
    return item


def _pages(url: str, item: NoticeItem) -> list[int]:
    with session_scope(url) as s:
        notice = s.scalar(select(Notice).where(Notice.source_key == item.key))
        rows = s.scalars(
            select(Flag.page).where(Flag.notice_id == notice.id, Flag.document_id.is_not(None))
        )
        return sorted({p for p in rows if p is not None})


def _recrawl(url: str, item: NoticeItem) -> None:
    crawler = get_crawler(Spider, {"DATABASE_URL": url})
    flagged = FlagPipeline(crawler).process_item(item)
    with session_scope(url) as s:
        upsert_notices(s, [(flagged, flagged.decision)])


def test_received_pages_are_flagged_once_read(sqlite_url: str, answered: NoticeItem) -> None:
    assert _pages(sqlite_url, answered) == [67, 68]


def test_a_changed_version_keeps_the_received_hits(sqlite_url: str, answered: NoticeItem) -> None:
    _recrawl(sqlite_url, replace(answered, title=answered.title + " (rectificatif)"))
    assert _pages(sqlite_url, answered) == [67, 68]


def test_other_notices_are_read_without_them(sqlite_url: str, answered: NoticeItem) -> None:
    other = boamp_items()[1]
    _recrawl(sqlite_url, other)
    assert _pages(sqlite_url, other) == []
