"""Downloader middlewares: refuse unsafe URLs; honour ``Retry-After``.

Unsafe: a scheme other than http(s), or a host that is not on the public internet — loopback,
private, link-local (169.254.169.254 answers cloud metadata), CGNAT, multicast, reserved, in any
spelling (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``), ``localhost`` and single-label
names (``redis``, ``db``: service names on the crawler's own network). A notice's document link
or a portal's redirect must not make the crawler read the machine it runs on (SSRF, OWASP
https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html).
Scrapy sends a redirect's target back through ``process_request``, so redirects are judged too.

The exceptions are exact ``host:port`` pairs: the running source's own root (its ``base_url``
or ``PORTAL_BASE_URLS`` override — the replay server of the demo and the tests is on
loopback), the other ``PORTAL_BASE_URLS`` roots, and the ``PRIVATE_HOSTS_ALLOWED`` setting
(``["127.0.0.1:8080"]``, for a portal mirrored on the operator's own network). Names are not
resolved here (a blocking lookup in the reactor): a public name that resolves to a private
address is not caught.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

__all__ = [
    "RetryAfterMiddleware",
    "SafeSchemeMiddleware",
    "non_public_host",
    "retry_after_seconds",
]

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


def non_public_host(host: str) -> str | None:
    """Why ``host`` (a URL's hostname) is not on the public internet, or None. IP addresses are
    parsed in every form the resolver accepts (``AI_NUMERICHOST``: no DNS query is made)."""
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return "no host"
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine"
    try:
        numeric = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)[0][4][0]
    except (socket.gaierror, UnicodeError, ValueError):
        if "." not in host:
            return f"{host} is a local network name"
        return None
    address = ipaddress.ip_address(str(numeric).split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        return f"{address} is not a public address"
    return None


def _host_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return None
    return ((parts.hostname or "").rstrip(".").lower(), port)


class SafeSchemeMiddleware:
    """Only http(s) URLs to public hosts are fetched (see the module docstring for the
    exceptions); anything else is refused and recorded against the source."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._allowed: set[tuple[str, int]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeSchemeMiddleware:
        return cls(crawler)

    def allowed(self) -> set[tuple[str, int]]:
        """The ``(host, port)`` pairs allowed although not public."""
        if self._allowed is None:
            settings = self.crawler.settings
            roots = list(settings.getdict("PORTAL_BASE_URLS").values())
            extra = settings.get("PRIVATE_HOSTS_ALLOWED") or []
            if isinstance(extra, str):
                extra = json.loads(extra) if extra.startswith("[") else extra.split(",")
            roots += [e if "://" in e else f"http://{e}" for e in extra]
            spider: Any = self.crawler.spider
            if hasattr(spider, "portal_url"):
                roots.append(spider.portal_url())
            self._allowed = {hp for hp in map(_host_port, roots) if hp is not None}
        return self._allowed

    def _refuse(self, request: Request, reason: str) -> None:
        spider: Any = self.crawler.spider
        if hasattr(spider, "record_error"):
            spider.record_error(request.url[:300], "unsafe_url", reason)
        raise IgnoreRequest(reason)

    def process_request(self, request: Request) -> None:
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ("http", "https"):
            self._refuse(request, f"scheme {scheme!r} refused")
        where = _host_port(request.url)
        if where is None:
            self._refuse(request, "unparseable URL refused")
            return None
        reason = non_public_host(where[0])
        if reason and where not in self.allowed():
            self._refuse(request, f"{reason}: refused ({request.url[:120]})")
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
