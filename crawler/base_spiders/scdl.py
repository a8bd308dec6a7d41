"""``ScdlDatagouvSpider``: council deliberations published as SCDL "Délibérations" files on
data.gouv.fr.

Recipe — one ``[[scdl_datagouv]]`` entry in ``spiders/portals.toml`` giving the keys
``config_keys`` lists: ``name`` and ``datasets`` (data.gouv.fr dataset slugs or ids), and
optionally ``verified`` (when the datasets were last checked; never read by the crawl). The
spider asks the data.gouv.fr API for each dataset (``/api/1/datasets/<slug>/``), reads every
CSV resource, and maps the SCDL columns (``COLL_NOM``, ``COLL_SIRET``, ``DELIB_ID``,
``DELIB_DATE``, ``DELIB_MATIERE_CODE``, ``DELIB_MATIERE_NOM``, ``DELIB_OBJET``, ``DELIB_URL`` …,
any case) to a ``deliberation`` notice whose ``DELIB_URL`` is a document (fetched and read by
the documents pipeline).

SCDL datasets on an Opendatasoft portal need no code either: an ``[[opendatasoft]]`` entry with
``kind = "deliberation"``, ``document_fields = ["delib_url"]`` and the lower-cased field names.

CSV files in the wild: ``;`` or ``,`` separated, UTF-8 with or without BOM or windows-1252,
``DD/MM/YYYY`` or ISO dates, SIRET as a float (``2.13E+13``). A row without object or id is
recorded and skipped; a file that is not CSV is recorded and the other files go on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from typing import Any, ClassVar, cast

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import ConfigKey, Note, TextList
from vocabulary.items import DocumentRef, NoticeItem

__all__ = ["ScdlDatagouvSpider", "decode_csv", "scdl_row_to_notice"]


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not) when valid, else windows-1252 — French council exports use both."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _date(value: str) -> date | None:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def _siret(value: str) -> str | None:
    text = value.strip().replace(" ", "")
    if "e+" in text.lower():  # spreadsheets turn SIRETs into floats
        try:
            text = f"{float(text.replace(',', '.')):.0f}"
        except ValueError:
            return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) == 14 else None


def scdl_row_to_notice(source: str, row: dict[str, str], file_url: str) -> NoticeItem:
    """One SCDL deliberation; raises ``ValueError`` when the row has no object."""
    cells = {(k or "").strip().upper(): (v or "").strip() for k, v in row.items()}
    title = cells.get("DELIB_OBJET", "")
    if not title:
        raise ValueError("no DELIB_OBJET")
    published = _date(cells.get("DELIB_DATE", ""))
    siret = _siret(cells.get("COLL_SIRET", ""))
    ident = cells.get("DELIB_ID", "")
    ident = (
        f"{siret or cells.get('COLL_NOM', '')}:{published or ''}:{ident}"
        if ident
        else (
            "H"
            + hashlib.sha1(f"{title}|{published}|{cells.get('COLL_NOM')}".encode()).hexdigest()[:16]
        )
    )
    url = cells.get("DELIB_URL", "")
    documents = (
        [DocumentRef(url=url, title=title[:200])] if url.startswith(("http://", "https://")) else []
    )
    matiere = " ".join(
        filter(None, [cells.get("DELIB_MATIERE_CODE"), cells.get("DELIB_MATIERE_NOM")])
    )
    warnings = (
        []
        if published or not cells.get("DELIB_DATE")
        else [f"published_at: {cells['DELIB_DATE'][:40]!r} is not a date"]
    )
    return NoticeItem(
        source=source,
        source_id=ident,
        kind="deliberation",
        title=title,
        url=url or file_url,
        description=matiere,
        buyer_name=cells.get("COLL_NOM") or None,
        buyer_siret=siret,
        published_at=published,
        descriptors=[cells["DELIB_MATIERE_NOM"]] if cells.get("DELIB_MATIERE_NOM") else [],
        documents=documents,
        warnings=warnings,
        raw={"row": cells, "file": file_url},
    )


class ScdlDatagouvSpider(BaseSpider):
    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL.optional(),
        LICENCE,
        # read by ScdlDatagouvSpider
        TextList("datasets", "data.gouv.fr dataset slugs or ids", required=True, non_empty=True),
        Note("verified", "when the datasets were last checked on data.gouv.fr"),
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = "Licence Ouverte / Etalab 2.0"
    base_url: ClassVar[str] = "https://www.data.gouv.fr"
    datasets: ClassVar[list[str]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ScdlDatagouvSpider:
        spider = cast(ScdlDatagouvSpider, super().from_crawler(crawler, *args, **kwargs))
        if not crawler.settings.getdict("PORTAL_BASE_URLS").get(spider.name):
            # resources are served from static.data.gouv.fr
            spider.allowed_domains = ["data.gouv.fr"]
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for slug in self.datasets:
            yield scrapy.Request(
                self.portal_url(f"/api/1/datasets/{slug}/"),
                callback=self.parse_dataset,
                errback=self.on_error,
                dont_filter=True,
            )

    def on_error(self, failure: Any) -> None:
        self.record_error(failure.request.url, "request_failed", repr(failure.value)[:500])

    def parse_dataset(self, response: Response) -> Iterable[Any]:
        try:
            meta = json.loads(response.body)
            resources = [r for r in meta["resources"] if isinstance(r, dict)]
        except (ValueError, KeyError, TypeError) as exc:
            self.record_error(response.url, "bad_page", f"not a data.gouv.fr dataset: {exc}"[:500])
            return
        csvs = [r for r in resources if str(r.get("format", "")).lower() == "csv" and r.get("url")]
        if not csvs:
            self.record_error(response.url, "layout_changed", "dataset has no CSV resource")
        for resource in csvs:
            yield scrapy.Request(
                self._rehost(str(resource["url"])),
                callback=self.parse_csv,
                errback=self.on_error,
                dont_filter=True,
            )

    def _rehost(self, url: str) -> str:
        """Resources live on static.data.gouv.fr; a replay override serves them itself."""
        if not self.crawler.settings.getdict("PORTAL_BASE_URLS").get(self.name):
            return url
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return self.portal_url(parts.path)

    def parse_csv(self, response: Response) -> Iterable[NoticeItem]:
        text = decode_csv(response.body)
        head = text[:4096]
        if "DELIB_OBJET" not in head.upper():
            self.record_error(response.url, "layout_changed", "CSV has no DELIB_OBJET column")
            return
        delimiter = ";" if head.count(";") >= head.count(",") else ","
        for number, row in enumerate(csv.DictReader(io.StringIO(text), delimiter=delimiter), 2):
            if self.sample_exhausted():
                return
            try:
                notice = scdl_row_to_notice(self.name, row, response.url)
            except ValueError as exc:
                self.record_error(f"{response.url}#row={number}", "bad_record", str(exc))
                continue
            if notice.published_at is not None and notice.published_at < self.since:
                continue
            notice.fetched_from = response.url
            self.count_notice()
            yield notice
