"""Retry-After parsing and the window arithmetic of the Opendatasoft base."""

from __future__ import annotations

from datetime import date

from crawler.base_spiders.opendatasoft import DateWindow
from crawler.middlewares import MAX_RETRY_AFTER_S, retry_after_seconds


def test_retry_after_seconds() -> None:
    assert retry_after_seconds(b"7") == 7.0


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0  # 2023-11-14 22:13:20 GMT
    assert retry_after_seconds("Tue, 14 Nov 2023 22:13:50 GMT", now=now) == 30.0


def test_retry_after_is_capped() -> None:
    assert retry_after_seconds("999999") == MAX_RETRY_AFTER_S


def test_retry_after_garbage_is_none() -> None:
    assert retry_after_seconds("soon") is None


def test_window_halves_cover_the_window() -> None:
    first, second = DateWindow(date(2024, 1, 1), date(2024, 1, 31)).halves()
    assert (first.start, first.end + (second.start - first.end), second.end) == (
        date(2024, 1, 1),
        second.start,
        date(2024, 1, 31),
    )


def test_window_halves_do_not_overlap() -> None:
    first, second = DateWindow(date(2024, 1, 1), date(2024, 1, 2)).halves()
    assert (first.days, second.days) == (1, 1)
