"""``OpendatasoftSpider``: any dataset of an Opendatasoft portal, through the Explore API v2.1.

Recipe:

1. Subclass and set the attributes ``config_keys`` lists: ``dataset`` (dataset id),
   ``date_field`` (a date field to page on), ``id_field`` (the record's stable id), ``base_url``
   (portal root, e.g. ``https://boamp-datadila.opendatasoft.com``), optionally ``where`` and
   ``select``.
2. Implement ``parse_record(record, response) -> NoticeItem | None``; raise ``BadRecordError`` for a
   record that cannot become a notice (it is recorded, the crawl goes on).
3. Or write no code at all: a ``[[opendatasoft]]`` entry in ``spiders/portals.toml`` (see
   ``ConfiguredOpendatasoftSpider``).

Paging. ``/records`` returns at most 100 records a call and refuses ``offset + limit > 10 000``.
The crawl therefore walks date windows: the first page of a window gives ``total_count``; a
window holding more than the cap is split in two halves, recursively, down to one day; a single
day that still exceeds the cap is read through ``/exports/json``, which has no cap. A window
stops on its last page, on a page identical to the previous one, or on
``ODS_MAX_PAGES_PER_WINDOW``. Records are ordered by date then id, so offsets are stable: once
the first page of a window gave the total, its other pages are asked for together (Scrapy's
concurrency settings decide how many at once), rather than one after another.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import orjson
import scrapy
from scrapy.http import Response

from crawler.attached import shares_queue
from crawler.base_spiders.base import BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, Text, TextList, TextMap, notice_kind_key
from crawler.base_spiders.fields import MAPPED_FIELDS
from vocabulary.errors import BadRecordError
from vocabulary.items import NoticeItem, normalize_source_id
from vocabulary.terms import NoticeKind

__all__ = [
    "DATASET",
    "DATE_FIELD",
    "ID_FIELD",
    "WHERE",
    "ConfiguredOpendatasoftSpider",
    "DateWindow",
    "OpendatasoftSpider",
]

DATASET = Text("dataset", "the dataset id, as in the portal's URLs", required=True)
DATE_FIELD = Text("date_field", "a date field: the crawl pages by windows of it", required=True)
ID_FIELD = Text("id_field", "a stable record id: pages are ordered by date, then id", required=True)
WHERE = Text("where", "an ODSQL condition ANDed with each date window")
SELECT = Text("select", "an ODSQL select clause (default: every field)")


@dataclass(frozen=True)
class DateWindow:
    """Publication dates ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def halves(self) -> tuple[DateWindow, DateWindow]:
        middle = self.start + timedelta(days=self.days // 2 - 1)
        return DateWindow(self.start, middle), DateWindow(middle + timedelta(days=1), self.end)


class OpendatasoftSpider(BaseSpider):
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        *BaseSpider.config_keys,
        # read by OpendatasoftSpider
        DATASET,
        DATE_FIELD,
        ID_FIELD,
        WHERE,
        SELECT,
    )
    dataset: ClassVar[str] = ""
    date_field: ClassVar[str] = ""
    id_field: ClassVar[str] = ""
    #: extra ODSQL condition ANDed with the date window
    where: ClassVar[str | None] = None
    select: ClassVar[str | None] = None

    def api_url(self, endpoint: str, params: dict[str, Any]) -> str:
        path = f"/api/explore/v2.1/catalog/datasets/{self.dataset}/{endpoint}"
        return self.portal_url(path) + "?" + urlencode(params)

    def window_where(self, window: DateWindow) -> str:
        after = window.end + timedelta(days=1)
        clause = (
            f"{self.date_field} >= date'{window.start.isoformat()}' "
            f"AND {self.date_field} < date'{after.isoformat()}'"
        )
        return f"({self.where}) AND {clause}" if self.where else clause

    def _params(self, window: DateWindow) -> dict[str, Any]:
        params: dict[str, Any] = {
            "where": self.window_where(window),
            "order_by": f"{self.date_field} ASC, {self.id_field} ASC",
            "timezone": "Europe/Paris",
        }
        if self.select:
            params["select"] = self.select
        return params

    def page_request(
        self, window: DateWindow, offset: int, pages: int = 0, prev: str = ""
    ) -> scrapy.Request:
        limit = self.settings.getint("ODS_PAGE_SIZE", 100)
        params = self._params(window) | {"limit": limit, "offset": offset}
        return scrapy.Request(
            self.api_url("records", params),
            callback=self.parse_page,
            errback=self.on_request_error,
            meta={"window": window, "offset": offset, "pages": pages, "prev_digest": prev},
            dont_filter=self.private_queue,
        )

    def export_request(self, window: DateWindow) -> scrapy.Request:
        return scrapy.Request(
            self.api_url("exports/json", self._params(window)),
            callback=self.parse_export,
            errback=self.on_request_error,
            meta={"window": window},
            dont_filter=self.private_queue,
        )

    @property
    def private_queue(self) -> bool:
        """False when workers share a Redis queue: its duplicate filter then keeps a page that
        two workers both ask for (the first window, at start) from being read twice."""
        return not shares_queue(self.settings)

    @property
    def _page_digests(self) -> dict[DateWindow, dict[str, int]]:
        digests: dict[DateWindow, dict[str, int]] | None = getattr(self, "_digests", None)
        if digests is None:
            digests = {}
            self._digests = digests
        return digests

    async def start(self) -> AsyncIterator[Any]:
        yield self.page_request(DateWindow(self.since, self.until), 0)

    # -- callbacks ---------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterable[Any]:
        window: DateWindow = response.meta["window"]
        offset: int = response.meta["offset"]
        payload = self._json(response)
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            if payload is not None:
                self.record_error(response.url, "bad_page", "no 'results' list in the response")
            return
        total = payload.get("total_count")
        if not isinstance(total, int) or total < 0:
            self.record_error(response.url, "bad_page", f"total_count is {total!r}")
            total = offset + len(payload["results"])
        cap = self.settings.getint("ODS_OFFSET_CAP", 10_000)
        if offset == 0 and total > cap:
            self.crawler.stats.inc_value("veilleur/ods/windows_split")
            if window.days > 1:
                for half in window.halves():
                    yield self.page_request(half, 0)
            else:
                yield self.export_request(window)
            return
        digest = hashlib.sha256(response.body).hexdigest()
        if digest == response.meta["prev_digest"] or self._seen_page(window, offset, digest):
            self.record_error(response.url, "repeated_page", "page identical to the previous one")
            return
        yield from self._records(payload["results"], response)
        limit = self.settings.getint("ODS_PAGE_SIZE", 100)
        if response.meta.get("fanned"):
            return  # one of the pages asked for together after the window's first
        next_offset = offset + len(payload["results"])
        pages = response.meta["pages"] + 1
        if not payload["results"] or next_offset >= total or self.sample_exhausted():
            return
        if offset == 0 and len(payload["results"]) == limit and self.sample is None:
            yield from self._fan_out(response, window, total, limit, cap)
            return
        if next_offset + limit > cap:
            self.record_error(response.url, "offset_cap", f"window {window} exceeds the cap")
            return
        if pages >= self.settings.getint("ODS_MAX_PAGES_PER_WINDOW", 100):
            self.record_error(response.url, "page_cap", f"window {window} stopped at {pages} pages")
            return
        yield self.page_request(window, next_offset, pages, digest)

    def _fan_out(
        self, response: Response, window: DateWindow, total: int, limit: int, cap: int
    ) -> Iterator[scrapy.Request]:
        """Every other page of the window at once: the first page gave the total, offsets are
        stable (ordered by date, then id). The API's limits still hold: no offset + limit past
        the cap, no more than ``ODS_MAX_PAGES_PER_WINDOW`` pages."""
        max_pages = self.settings.getint("ODS_MAX_PAGES_PER_WINDOW", 100)
        offsets = list(range(limit, total, limit))
        if offsets and offsets[-1] + limit > cap:
            self.record_error(response.url, "offset_cap", f"window {window} exceeds the cap")
            offsets = [o for o in offsets if o + limit <= cap]
        if len(offsets) + 1 > max_pages:
            offsets = offsets[: max_pages - 1]
            self.record_error(
                response.url, "page_cap", f"window {window} stopped at {max_pages} pages"
            )
        self.crawler.stats.inc_value("veilleur/ods/pages_fanned_out", len(offsets))
        for offset in offsets:
            request = self.page_request(window, offset, 1)
            request.meta["fanned"] = True
            yield request

    def _seen_page(self, window: DateWindow, offset: int, digest: str) -> bool:
        """True when another offset of the window answered this very page (a server ignoring
        ``offset``). The digests of the last windows only are kept."""
        seen = self._page_digests.setdefault(window, {})
        if self._page_digests and len(self._page_digests) > 64:
            self._page_digests.pop(next(iter(self._page_digests)))
        first = seen.setdefault(digest, offset)
        return first != offset

    def parse_export(self, response: Response) -> Iterable[Any]:
        payload = self._json(response)
        if not isinstance(payload, list):
            if payload is not None:
                self.record_error(response.url, "bad_page", "export is not a JSON list")
            return
        yield from self._records(payload, response)

    def on_request_error(self, failure: Any) -> None:
        request = failure.request
        self.record_error(request.url, "request_failed", repr(failure.value))

    # -- helpers -------------------------------------------------------------------------------

    def _json(self, response: Response) -> Any:
        try:
            return orjson.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            self.record_error(response.url, "bad_json", f"{type(exc).__name__}: {exc}"[:500])
            return None

    def _records(self, records: list[Any], response: Response) -> Iterable[NoticeItem]:
        ids = [
            record.get(self.id_field) if isinstance(record, dict) else None for record in records
        ]
        keys = [normalize_source_id(str(record_id)) if record_id else "" for record_id in ids]
        digests = self.record_digests({k: r for k, r in zip(keys, records, strict=True) if k})
        unchanged = self.stored_unchanged(digests, response.url)
        for record, record_id, key in zip(records, ids, keys, strict=True):
            if self.sample_exhausted():
                return
            if key in unchanged:
                continue  # stored from this very record: counted as seen and unchanged
            try:
                if not isinstance(record, dict):
                    raise BadRecordError(f"record is a {type(record).__name__}, not an object")
                notice = self.parse_record(record, response)
            except BadRecordError as exc:
                self.record_error(response.url, "bad_record", str(exc), str(record_id or ""))
                continue
            except Exception as exc:  # a parser bug must not stop the crawl: record it loudly
                self.record_error(
                    response.url,
                    "parser_error",
                    f"{type(exc).__name__}: {exc}",
                    str(record_id or ""),
                )
                continue
            if notice is None:
                continue
            notice.fetched_from = response.url
            notice.record_digest = digests.get(key)
            self.count_notice()
            yield notice

    def parse_record(self, record: dict[str, Any], response: Response) -> NoticeItem | None:
        raise NotImplementedError


class ConfiguredOpendatasoftSpider(OpendatasoftSpider):
    """An Opendatasoft dataset described by a ``[[opendatasoft]]`` entry of ``portals.toml``.

    ``field_map`` maps NoticeItem fields to record fields (``title = "objet"``); ``kind`` is fixed
    per entry; ``document_fields`` lists record fields holding document URLs; ``url_template``
    builds the notice's URL from the record (``{id}`` and any ``{field}``).
    """

    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        *OpendatasoftSpider.config_keys,
        # read by ConfiguredOpendatasoftSpider
        notice_kind_key("the kind of every notice of the dataset"),
        TextMap(
            "field_map",
            "notice field = record field (dots walk into objects); mapped fields below",
            allowed=MAPPED_FIELDS,
        ),
        TextList("document_fields", "record fields holding document URLs (fetched and read)"),
        Text("url_template", "the notice's URL; `{id}` and `{field}` come from the record"),
    )
    source_kind: ClassVar[str] = "dataset"
    field_map: ClassVar[dict[str, str]] = {}
    kind: ClassVar[NoticeKind] = "other"
    document_fields: ClassVar[list[str]] = []
    url_template: ClassVar[str] = ""

    def parse_record(self, record: dict[str, Any], response: Response) -> NoticeItem | None:
        from crawler.base_spiders.fields import notice_from_mapping

        return notice_from_mapping(
            source=self.name,
            kind=self.kind,
            record=record,
            field_map=self.field_map,
            document_fields=self.document_fields,
            url_template=self.url_template,
            fallback_url=response.url,
        )
