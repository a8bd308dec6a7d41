"""TED (Tenders Electronic Daily): notices of French buyers through the Search API v3.

Recipe (``BaseSpider`` + one POST search and one GET per notice):

1. ``POST /v3/notices/search`` (anonymous) with an expert query built from the spider
   arguments — buyer countries (``countries=FRA,BEL``, default ``FRA``), CPV codes
   (``cpv=32323500,35125300``), full-text terms (``text=vidéoprotection|caméras``) — and the
   publication window; ``paginationMode: ITERATION``, which has no 15 000 result cap.
2. Iterate with ``iterationNextToken``. The token may not disappear at the end: stop when the
   notices read reach ``totalNoticeCount``, on a missing, repeated or stuck token (a page that
   brings nothing new), or on ``TED_MAX_PAGES``. 429 answers are retried after ``Retry-After``
   (``RetryAfterMiddleware``).
3. Fetch each notice's XML (``links.xml.MUL``) and parse it with
   :func:`spiders.parsers.ted_xml.parse_ted_xml` (eForms UBL and TED_EXPORT R2.0.x). When the
   XML cannot be fetched or parsed, the error is recorded and a notice is still stored from
   the search hit's own fields, so nothing found is lost.

Tests and the demo point the spider at a loopback replay with
``PORTAL_BASE_URLS = {"ted": "http://127.0.0.1:PORT"}``; the XML links are re-hosted there too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import date
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.base_spiders.base import BaseSpider
from spiders.parsers.ted_xml import (
    NOTICE_URL,
    TED_SOURCE,
    XMLError,
    canonical_publication_number,
    parse_ted_xml,
)
from vocabulary.errors import SpiderArgumentError
from vocabulary.items import NoticeItem, normalize_source_id
from vocabulary.terms import NoticeKind

__all__ = ["TedSpider", "build_query", "notice_from_hit"]

SEARCH_FIELDS = [
    "publication-number",
    "publication-date",
    "notice-type",
    "notice-title",
    "buyer-name",
    "buyer-country",
    "classification-cpv",
    "links",
]
_HIT_KINDS: dict[str, NoticeKind] = {
    "cn": "tender",
    "can": "award",
    "pin": "prior_information",
    "corr": "correction",
}


def _csv(value: Any, sep: str = ",") -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(sep)
    return [str(v).strip() for v in items if str(v).strip()]


def build_query(
    since: date, until: date, countries: list[str], cpv: list[str], text: list[str]
) -> str:
    """The TED expert query: ``buyer-country IN (FRA) AND publication-date>=… AND …``.

    No ``SORT BY``: a client of the API reports that a sorted query stops iterating at 750
    notices (``shared/corpus/realworld/SOURCES.md``), and ITERATION needs no order."""
    parts = []
    if countries:
        parts.append(f"buyer-country IN ({' '.join(countries)})")
    parts.append(f"publication-date>={since:%Y%m%d} AND publication-date<={until:%Y%m%d}")
    if cpv:
        parts.append(f"classification-cpv IN ({' '.join(cpv)})")
    if text:
        terms = " OR ".join(f'FT~"{t.replace(chr(34), " ")}"' for t in text)
        parts.append(f"({terms})")
    return " AND ".join(parts)


def _lang(value: Any) -> str:
    """TED multilingual fields are ``{"fra": "…"}`` or ``{"fra": ["…"]}``: French first."""
    if isinstance(value, dict):
        for key in ("fra", "FRA", "eng", "ENG", *value.keys()):
            if key in value:
                return _lang(value[key])
        return ""
    if isinstance(value, list):
        return " ".join(_lang(v) for v in value if v)
    return str(value or "").strip()


def notice_from_hit(hit: dict[str, Any]) -> NoticeItem:
    """A notice from the search hit alone (when its XML cannot be had)."""
    number = canonical_publication_number(str(hit.get("publication-number", "")))
    notice_type = _lang(hit.get("notice-type"))
    published = str(hit.get("publication-date") or "")[:10]
    try:
        published_at: date | None = date.fromisoformat(published)
    except ValueError:
        published_at = None
    return NoticeItem(
        source=TED_SOURCE,
        source_id=number,
        kind=_HIT_KINDS.get(notice_type.split("-")[0], "other"),
        title=_lang(hit.get("notice-title")),
        url=NOTICE_URL.format(number),
        buyer_name=_lang(hit.get("buyer-name")) or None,
        # the live search repeats codes (45210000 twice in the recorded hit of 530016-2026)
        cpv_codes=list(dict.fromkeys(str(c) for c in hit.get("classification-cpv") or [])),
        descriptors=[notice_type] if notice_type else [],
        published_at=published_at,
        raw={"format": "search-hit", "hit": hit},
    )


class TedSpider(BaseSpider):
    name = "ted"
    # read by BaseSpider / RunRecorder
    source_kind: ClassVar[str] = "api"
    licence: ClassVar[str] = "EU Publications Office reuse policy (Decision 2011/833/EU)"
    base_url: ClassVar[str] = "https://api.ted.europa.eu"
    # read by TedSpider
    search_path: ClassVar[str] = "/v3/notices/search"
    page_size: ClassVar[int] = 100  # the API allows 250; 100 keeps a page under a few MB
    xml_host: ClassVar[str] = "ted.europa.eu"

    def __init__(
        self,
        *args: Any,
        countries: Any = "FRA",
        cpv: Any = None,
        text: Any = None,
        scope: str = "ALL",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.countries = [c.upper() for c in _csv(countries)]
        self.cpv = _csv(cpv)
        self.text = _csv(text, "|")
        if any(len(c) != 3 or not c.isalpha() for c in self.countries):
            raise SpiderArgumentError(f"countries={countries!r}: ISO 3166 alpha-3 codes (FRA,BEL)")
        if any(not c.isdigit() or len(c) != 8 for c in self.cpv):
            raise SpiderArgumentError(f"cpv={cpv!r}: 8-digit CPV codes separated by commas")
        self.scope = scope
        self.seen_numbers: set[str] = set()
        #: search hits read, duplicates included: what ``totalNoticeCount`` counts
        self.hits_read = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> TedSpider:
        spider = cast(TedSpider, super().from_crawler(crawler, *args, **kwargs))
        if not crawler.settings.getdict("PORTAL_BASE_URLS").get(spider.name):
            domains = list(getattr(spider, "allowed_domains", None) or [])
            spider.allowed_domains = [*domains, spider.xml_host]
        return spider

    def search_request(
        self, token: str | None = None, page: int = 0, attempt: int = 0
    ) -> scrapy.Request:
        body: dict[str, Any] = {
            "query": build_query(self.since, self.until, self.countries, self.cpv, self.text),
            "fields": SEARCH_FIELDS,
            "limit": self.page_size,
            "scope": self.scope,
            "paginationMode": "ITERATION",
        }
        if token:
            body["iterationNextToken"] = token
        return scrapy.http.JsonRequest(
            self.portal_url(self.search_path),
            data=body,
            callback=self.parse_search,
            errback=self.on_search_error,
            meta={"token": token, "page": page, "attempt": attempt},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[Any]:
        yield self.search_request()

    # -- callbacks -------------------------------------------------------------------------

    def parse_search(self, response: Response) -> Iterable[Any]:
        try:
            payload = json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            self.record_error(response.url, "bad_json", f"{type(exc).__name__}: {exc}"[:500])
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("notices"), list):
            self.record_error(response.url, "bad_page", "no 'notices' list in the search response")
            return
        if payload.get("timedOut") is True:
            # the search hit its internal time limit: the page may be partial; ask again, then
            # record it and go on with what came (docs.ted.europa.eu/reuse/search-api.html)
            attempt = response.meta.get("attempt", 0)
            if attempt < self.settings.getint("TED_TIMEOUT_RETRIES", 2):
                yield self.search_request(
                    response.meta["token"], response.meta["page"], attempt + 1
                )
                return
            self.record_error(
                response.url,
                "search_timed_out",
                f"timedOut after {attempt + 1} tries: partial page",
            )
        # hits count as the API counts them: a notice repeated within one answer counts twice
        # (a recorded answer holds the same notice twice with totalNoticeCount 2), a notice
        # already read on an earlier page does not
        earlier = set(self.seen_numbers)
        self.hits_read += sum(
            1
            for hit in payload["notices"]
            if isinstance(hit, dict)
            and canonical_publication_number(str(hit.get("publication-number") or ""))
            not in earlier
        )
        hits: dict[str, dict[str, Any]] = {}
        for hit in payload["notices"]:
            if not isinstance(hit, dict):
                continue
            number = canonical_publication_number(str(hit.get("publication-number") or ""))
            if number and number not in self.seen_numbers:
                hits.setdefault(number, hit)
        # a notice stored from this very hit needs no second download of its XML: a published
        # TED notice never changes (a correction is a notice of its own)
        keys = {number: normalize_source_id(number) for number in hits}
        digests = self.record_digests({keys[n]: hit for n, hit in hits.items()})
        unchanged = self.stored_unchanged(digests, response.url)
        new = 0
        for number, hit in hits.items():
            if self.sample_exhausted():
                break
            self.seen_numbers.add(number)
            new += 1
            key = keys[number]
            if key not in unchanged:
                yield self.xml_request(hit, number, digests.get(key))
        yield from self._next_page(payload, response, new)

    def _next_page(self, payload: dict[str, Any], response: Response, new: int) -> Iterable[Any]:
        total = payload.get("totalNoticeCount")
        token = payload.get("iterationNextToken")
        page = response.meta["page"] + 1
        if self.sample_exhausted():
            return
        if isinstance(total, int) and self.hits_read >= total:
            return
        if not token:
            if isinstance(total, int) and self.hits_read < total:
                self.record_error(
                    response.url,
                    "incomplete_search",
                    f"no next token after {len(self.seen_numbers)} of {total} notices",
                )
            return
        if token == response.meta["token"] or new == 0:
            self.record_error(
                response.url,
                "stuck_token",
                f"token repeated or page brought nothing new after {len(self.seen_numbers)} of {total}",
            )
            return
        if page >= self.settings.getint("TED_MAX_PAGES", 1000):
            self.record_error(response.url, "page_cap", f"stopped after {page} search pages")
            return
        yield self.search_request(str(token), page)

    def on_search_error(self, failure: Any) -> None:
        self.record_error(failure.request.url, "request_failed", repr(failure.value)[:500])

    def xml_request(self, hit: dict[str, Any], number: str, digest: str | None) -> scrapy.Request:
        links = hit.get("links")
        xml_links = links.get("xml") if isinstance(links, dict) else None
        url: Any = None
        if isinstance(xml_links, dict) and xml_links:
            url = xml_links.get("MUL") or next(iter(xml_links.values()))
        url = url or f"https://{self.xml_host}/en/notice/{number}/xml"
        return scrapy.Request(
            self._rehost(str(url)),
            callback=self.parse_notice,
            errback=self.on_xml_error,
            meta={"hit": hit, "number": number, "digest": digest},
        )

    def _rehost(self, url: str) -> str:
        """Production links point at ted.europa.eu; a replay override serves them itself."""
        override = self.crawler.settings.getdict("PORTAL_BASE_URLS").get(self.name)
        if not override:
            return url
        parts = urlsplit(url)
        return self.portal_url(parts.path + (f"?{parts.query}" if parts.query else ""))

    def parse_notice(self, response: Response) -> Iterable[NoticeItem]:
        number = response.meta["number"]
        try:
            notice = parse_ted_xml(response.body, response.url)
        except XMLError as exc:
            self.record_error(response.url, exc.kind, str(exc)[:500], number)
            yield from self._fallback(response.meta["hit"], response.url)
            return
        if notice.key != number and not notice.source_id[:1].isdigit():
            notice.source_id = number  # SDK-style notices carry no publication number
        notice.raw["search_hit"] = response.meta["hit"]
        # only a notice read from its XML is skipped next time: one stored from its search hit
        # alone (below) has its XML asked for again
        notice.record_digest = response.meta["digest"]
        self.count_notice()
        yield notice

    def on_xml_error(self, failure: Any) -> Iterable[NoticeItem]:
        request = failure.request
        self.record_error(
            request.url, "document_failed", repr(failure.value)[:500], request.meta.get("number")
        )
        yield from self._fallback(request.meta["hit"], request.url)

    def _fallback(self, hit: dict[str, Any], url: str) -> Iterable[NoticeItem]:
        notice = notice_from_hit(hit)
        if notice.source_id and notice.title:
            notice.fetched_from = url
            self.count_notice()
            yield notice
