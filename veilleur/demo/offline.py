"""The demo stays offline: every request to a host other than the replay server is refused
before it leaves the machine, and recorded against its source like any refused URL.

The recorded answers are real, so they link to real sites (a council's deliberations page in
a catalogue file, documents on a city's server); without this the demo would try the Internet
and wait on DNS. Enabled by :func:`veilleur.demo.sources.demo_settings` only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

__all__ = ["ReplayOnlyMiddleware"]


class ReplayOnlyMiddleware:
    """Refuse (``IgnoreRequest``) what is not for ``DEMO_REPLAY_ORIGIN`` (scheme://host:port)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.origin = urlsplit(crawler.settings.get("DEMO_REPLAY_ORIGIN", "")).netloc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayOnlyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        if not self.origin or host == self.origin:
            return None
        spider: Any = self.crawler.spider
        if hasattr(spider, "record_error") and not request.url.endswith("/robots.txt"):
            spider.record_error(
                request.url[:300], "offline_demo", f"not fetched: {host} is not replayed"
            )
        raise IgnoreRequest(f"demo is offline: {host} not replayed")
