"""``CsvDeliberationsSpider``: a council's deliberations export that is not SCDL, mapped by config.

Recipe — one ``[[csv_deliberations]]`` entry (no Python): ``name``, ``base_url``, ``files`` (the
CSV files: absolute URLs or paths under ``base_url``) and ``columns``, a table mapping notice
fields to the file's column names (``title``, ``published_at``, ``source_id`` — several columns
joined with ``+`` —, ``url``, ``description``, ``matiere``, ``buyer_name``, ``buyer_siret``);
``buyer_name``, ``buyer_siret`` and ``departements`` of the council when the file does not say;
``date_format`` when dates are not ISO or ``DD/MM/YYYY``. Rows are read by the SCDL reader
(:mod:`crawler.base_spiders.csv_rows`) with that map: every row, whatever its date (the store
keeps what is new); a row without title is recorded, the others go on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from crawler.base_spiders.base import BASE_URL, LICENCE, NAME, BaseSpider
from crawler.base_spiders.config_keys import (
    ConfigKey,
    DateFormats,
    Departements,
    Text,
    TextList,
    TextMap,
)
from crawler.base_spiders.csv_rows import SCDL_COLUMNS, CsvProblem, read_deliberations
from vocabulary.items import NoticeItem

__all__ = ["CsvDeliberationsSpider"]


class CsvDeliberationsSpider(BaseSpider):
    """Deliberation CSV files with their own columns (``[[csv_deliberations]]`` entries)."""

    config_keys: ClassVar[tuple[ConfigKey, ...]] = (
        # read by BaseSpider / RunRecorder
        NAME,
        BASE_URL,
        LICENCE,
        # read by CsvDeliberationsSpider
        TextList(
            "files",
            "the CSV files: absolute URLs, or paths under `base_url`",
            required=True,
            non_empty=True,
        ),
        TextMap(
            "columns",
            "notice field = the file's column (`title` required; `+` joins columns)",
            required=True,
            allowed=(*SCDL_COLUMNS, "description"),
        ),
        Text("buyer_name", "the council, when the file does not name it"),
        Text(
            "buyer_siret",
            "the council's SIRET, when the file does not give it",
            pattern=r"\d{14}",
            shape="14 digits",
        ),
        Departements("departements", "where the council is"),
        DateFormats("date_format", "strptime pattern(s) of the date column"),
    )
    source_kind: ClassVar[str] = "dataset"
    licence: ClassVar[str] = "Licence Ouverte / Etalab 2.0"
    files: ClassVar[list[str]] = []
    columns: ClassVar[dict[str, str]] = {}
    buyer_name: ClassVar[str | None] = None
    buyer_siret: ClassVar[str | None] = None
    departements: ClassVar[list[str]] = []
    date_format: ClassVar[list[str]] = []

    async def start(self) -> AsyncIterator[Any]:
        for target in self.files:
            yield scrapy.Request(
                target if "://" in target else self.portal_url(target),
                callback=self.parse_csv,
                errback=self.on_error,
                dont_filter=True,
            )

    def parse_csv(self, response: Response) -> Iterable[NoticeItem]:
        fixed: dict[str, Any] = {
            "buyer_name": self.buyer_name,
            "buyer_siret": self.buyer_siret,
            "departements": list(self.departements),
        }
        for item in read_deliberations(
            response.body,
            source=self.name,
            file_url=response.url,
            columns=self.columns,
            fixed={k: v for k, v in fixed.items() if v},
            date_formats=tuple(self.date_format),
        ):
            if isinstance(item, CsvProblem):
                self.record_error(f"{response.url}{item.where}", item.kind, item.message)
                continue
            if self.sample_exhausted():
                return
            item.fetched_from = response.url
            self.count_notice()
            yield item
