"""The progress line a long crawl prints every few seconds."""

from __future__ import annotations

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.extensions import ProgressReporter


def _line(stats: dict[str, int], capsys: pytest.CaptureFixture[str]) -> str:
    crawler = get_crawler(Spider, {"VEILLEUR_PROGRESS": True, "VEILLEUR_PROGRESS_INTERVAL": 5})
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    reporter = ProgressReporter.from_crawler(crawler)
    reporter.report(Spider("raa_83"))
    return capsys.readouterr().err.strip()


def test_documents_read_before_any_notice_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    line = _line({"documents/status/ok": 2, "documents/status/ocr": 1}, capsys)
    assert line.startswith("raa_83: 0 notices") and "3 documents read" in line


def test_a_source_without_documents_says_nothing_of_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = _line({"veilleur/items_seen": 40, "response_received_count": 1}, capsys)
    assert "40 notices" in line and "documents" not in line
