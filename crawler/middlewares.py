"""Downloader middlewares: refuse unsafe URLs; honour ``Retry-After``."""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

__all__ = ["RetryAfterMiddleware", "SafeSchemeMiddleware", "retry_after_seconds"]

log = logging.getLogger(__name__)

#: a portal asking for more than this is treated as this (a night is not infinite)
MAX_RETRY_AFTER_S = 300.0


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when - (now if now is not None else time.time()), MAX_RETRY_AFTER_S))


class SafeSchemeMiddleware:
    """Only http(s) URLs are fetched; file:, data:, ftp: … are refused and recorded."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeSchemeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ("http", "https"):
            spider: Any = self.crawler.spider
            if hasattr(spider, "record_error"):
                spider.record_error(request.url[:300], "unsafe_url", f"scheme {scheme!r} refused")
            raise IgnoreRequest(f"scheme {scheme!r} refused")
        return None


class RetryAfterMiddleware:
    """On 429/503 with ``Retry-After``, pause the slot before Scrapy's retry re-queues.

    Scrapy's RetryMiddleware retries 429 immediately; portals that rate-limit say how long to
    wait (RFC 9110 §10.2.3). We delay the download slot so every request to that host waits.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Any:
        if response.status not in (429, 503):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            return response
        engine = self.crawler.engine
        slot_key = request.meta.get("download_slot") or urlsplit(request.url).hostname
        slots = getattr(engine.downloader, "slots", {}) if engine else {}
        slot = slots.get(slot_key)
        if slot is not None:
            slot.delay = max(slot.delay, delay)
        log.info("retry_after url=%s status=%d delay=%.1f", request.url, response.status, delay)
        self.crawler.stats.inc_value("veilleur/retry_after")
        return response
