"""``BaseSpider``: what every Veilleur spider shares.

Recipe for a new source (see docs/adding-a-portal.md):

1. Subclass ``BaseSpider`` (or a more specific base such as ``OpendatasoftSpider``).
2. Set the attributes ``config_keys`` lists: ``name`` (the source name stored with each
   notice), ``base_url`` (the production root; tests and the demo override it with the
   ``PORTAL_BASE_URLS`` setting), ``licence`` and ``source_kind``.
3. Implement ``async def start()`` and one callback per response type, yielding
   ``vocabulary.items.NoticeItem``. Call ``self.record_error(...)`` for a bad page or record
   and go on.

A base that config entries can declare (``[[opendatasoft]]``, ``[[html_listing]]`` …) lists
every key an entry may give in ``config_keys`` (see :mod:`crawler.base_spiders.config_keys`);
``crawler.base_spiders.declare.declare`` builds a spider class from an entry.

Spider arguments (``-a name=value`` or ``veilleur crawl NAME --since … --until …``):

``since`` / ``until``
    ISO dates bounding the publication dates to read. Without ``since``, the crawl starts from
    the source's watermark (the last date fully read, minus ``WATERMARK_OVERLAP_DAYS``), else
    ``DEFAULT_LOOKBACK_DAYS`` ago. ``until`` defaults to today.
``sample``
    Stop after N notices (canary runs); a sampled run never moves the watermark.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler

from crawler import signals as veilleur_signals
from crawler.base_spiders.config_keys import Choice, ConfigKey, SourceName, Text
from vocabulary.errors import SpiderArgumentError

__all__ = ["BASE_URL", "LICENCE", "NAME", "SOURCE_KIND", "BaseSpider", "parse_date_arg"]

log = logging.getLogger(__name__)

#: re-read this many days before the watermark: late publications of the same day still arrive
WATERMARK_OVERLAP_DAYS = 1

NAME = SourceName(
    "name", "the source's name: `veilleur crawl NAME`, stored with every notice", required=True
)
BASE_URL = Text(
    "base_url",
    "the portal's root URL (tests and the demo point it at a replay: `PORTAL_BASE_URLS`)",
    required=True,
    pattern=r"https?://[^\s/]+\S*",
    shape="an http(s) URL",
    named="URL",
)
LICENCE = Text("licence", "the licence the data is published under (kept in the sources table)")
SOURCE_KIND = Choice(
    "source_kind",
    "how the source is read (kept in the sources table)",
    choices=("api", "dataset", "listing"),
)


def parse_date_arg(name: str, value: Any) -> date | None:
    """A spider date argument: ISO ``YYYY-MM-DD`` or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise SpiderArgumentError(f"{name}={value!r} is not a date (YYYY-MM-DD)") from exc


class BaseSpider(scrapy.Spider):
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider, crawler.extensions.RunRecorder and the sources table
        NAME,
        BASE_URL,
        LICENCE,
        SOURCE_KIND,
    )
    source_kind: ClassVar[str] = "api"
    licence: ClassVar[str] = ""
    base_url: ClassVar[str] = ""

    allowed_domains: list[str]
    since: date
    until: date
    sample: int | None
    notices_yielded: int

    def __init__(
        self,
        *args: Any,
        since: Any = None,
        until: Any = None,
        sample: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._since_arg = parse_date_arg("since", since)
        self._until_arg = parse_date_arg("until", until)
        if sample in (None, ""):
            self.sample = None
        else:
            try:
                self.sample = int(sample)
            except (TypeError, ValueError) as exc:
                raise SpiderArgumentError(f"sample={sample!r} is not a whole number") from exc
            if self.sample < 1:
                raise SpiderArgumentError("sample must be at least 1")
        self.notices_yielded = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BaseSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._resolve_window(crawler)
        host = urlsplit(spider.portal_url()).hostname
        if host and not getattr(spider, "allowed_domains", None):
            spider.allowed_domains = [host]
        return spider

    def _resolve_window(self, crawler: Crawler) -> None:
        today = date.today()
        self.until = self._until_arg or today
        if self._since_arg is not None:
            self.since = self._since_arg
        else:
            watermark = self._stored_watermark(crawler)
            if watermark is not None:
                self.since = watermark - timedelta(days=WATERMARK_OVERLAP_DAYS)
            else:
                lookback = crawler.settings.getint("DEFAULT_LOOKBACK_DAYS", 7)
                self.since = self.until - timedelta(days=lookback)
        if self.since > self.until:
            raise SpiderArgumentError(f"since={self.since} is after until={self.until}")

    def _stored_watermark(self, crawler: Crawler) -> date | None:
        from db.runs import get_watermark
        from db.session import session_scope

        with session_scope(crawler.settings.get("DATABASE_URL")) as session:
            return get_watermark(session, self.name)

    # -- helpers for subclasses ------------------------------------------------------------

    def portal_url(self, path: str = "") -> str:
        """``path`` joined to the source's base URL (or its ``PORTAL_BASE_URLS`` override)."""
        overrides = self.crawler.settings.getdict("PORTAL_BASE_URLS")
        root = overrides.get(self.name) or self.base_url
        return urljoin(root.rstrip("/") + "/", path.lstrip("/"))

    def record_error(
        self, url: str | None, error_kind: str, message: str, record_id: str | None = None
    ) -> None:
        """Record a bad page or record against this source and run; the crawl goes on."""
        # a field-level warning is one line per odd record: stored and counted, logged at INFO
        # so a long crawl's WARNING log keeps to what stops a page or a record
        log.log(
            logging.INFO if error_kind == "bad_field" else logging.WARNING,
            "source=%s error_kind=%s url=%s record_id=%s message=%s",
            self.name,
            error_kind,
            url,
            record_id,
            message,
        )
        self.crawler.stats.inc_value(f"veilleur/errors/{error_kind}")
        self.crawler.signals.send_catch_log(
            signal=veilleur_signals.error_recorded,
            spider=self,
            url=url,
            error_kind=error_kind,
            message=message,
            record_id=record_id,
        )

    def on_error(self, failure: Any) -> None:
        """Errback for a request that got no answer: recorded as ``request_failed``."""
        self.record_error(failure.request.url, "request_failed", repr(failure.value)[:500])

    # -- records stored unchanged (crawler.base_spiders.unchanged) -----------------------------

    def record_digests(self, records: Mapping[str, Any]) -> dict[str, str]:
        """The digest of each record (stored key → record as received), to set on the notice
        it becomes (``NoticeItem.record_digest``) and to look up with ``stored_unchanged``; a
        record that has none is left out (it is read every time)."""
        from crawler.base_spiders.unchanged import record_digest

        fingerprint = self._parsing_fingerprint
        digests = {key: record_digest(record, fingerprint) for key, record in records.items()}
        return {key: digest for key, digest in digests.items() if digest is not None}

    @cached_property
    def _parsing_fingerprint(self) -> bytes:
        """This spider's ``parsing_fingerprint``: its code, its declaration, the rules."""
        from crawler.base_spiders.unchanged import parsing_fingerprint
        from extract.rules import default_ruleset

        declaration = [
            (key.attribute, getattr(self, key.attribute, None)) for key in self.config_keys
        ]
        return parsing_fingerprint(declaration, default_ruleset().version)

    def stored_unchanged(self, digests: Mapping[str, str], url: str) -> set[str]:
        """The keys of ``digests`` stored from these very records: the caller skips them
        unparsed and they count as seen and unchanged. None in a sampled run (a canary reads
        its records) or with ``SKIP_UNCHANGED_RECORDS`` off; none either when the database
        cannot say (recorded: the records are then parsed, and storing them changes nothing)."""
        if not digests or self.sample is not None:
            return set()
        if not self.settings.getbool("SKIP_UNCHANGED_RECORDS", True):
            return set()
        from sqlalchemy.exc import SQLAlchemyError

        from db.session import error_line, session_scope
        from db.unchanged import unchanged_keys

        try:
            with session_scope(self.settings.get("DATABASE_URL")) as session:
                keys = unchanged_keys(session, self.name, digests)
        except SQLAlchemyError as exc:
            self.record_error(url, "unchanged_lookup", error_line(exc))
            return set()
        if keys:
            stats = self.crawler.stats
            stats.inc_value("veilleur/items_seen", len(keys))
            stats.inc_value("veilleur/items_unchanged", len(keys))
            stats.inc_value("veilleur/records_skipped_unchanged", len(keys))
            self.notices_yielded += len(keys)
        return keys

    def sample_exhausted(self) -> bool:
        """True once ``sample=N`` notices were yielded: stop scheduling more pages."""
        return self.sample is not None and self.notices_yielded >= self.sample

    def count_notice(self) -> None:
        self.notices_yielded += 1
