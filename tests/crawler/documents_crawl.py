"""A real Scrapy crawl through DocumentsPipeline, run as a subprocess by
tests/crawler/test_documents_pipeline.py (Scrapy's reactor cannot restart in one process).

    python tests/crawler/documents_crawl.py CONFIG.json

CONFIG: ``base`` (loopback server URL), ``paths`` (document paths to link), ``database_url``,
``documents_dir``, ``out`` (JSON lines of the items as they leave the pipeline).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import scrapy
from scrapy.crawler import CrawlerProcess

from vocabulary.items import DocumentRef, NoticeItem


class DocumentsTestSpider(scrapy.Spider):
    name = "documents_test"

    def __init__(self, config: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config

    async def start(self):  # type: ignore[override]
        yield scrapy.Request(self.config["base"] + "/notice.html", callback=self.parse)

    def parse(self, response: scrapy.http.Response):  # type: ignore[override]
        refs = [
            DocumentRef(url=u if ":" in u.split("/")[0] else self.config["base"] + u)
            for u in self.config["paths"]
        ]
        yield NoticeItem(
            source="test",
            source_id="DOC-1",
            kind="tender",
            title="Vidéoprotection",
            url=response.url,
            documents=refs,
        )


class CollectPipeline:
    def __init__(self, out: str) -> None:
        self.out = Path(out)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CollectPipeline:
        return cls(crawler.settings["COLLECT_OUT"])

    async def process_item(self, item: Any) -> Any:
        with self.out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(item), default=str, ensure_ascii=False) + "\n")
        return item


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    process = CrawlerProcess(
        {
            "ITEM_PIPELINES": {
                "crawler.pipelines.documents.DocumentsPipeline": 300,
                "__main__.CollectPipeline": 900,
            },
            "COLLECT_OUT": config["out"],
            "DATABASE_URL": config["database_url"],
            "DOCUMENTS_DIR": config["documents_dir"],
            "DOCUMENTS_MAXSIZE": 200_000,
            "DOCUMENTS_WORKERS": 2,
            "DOCUMENTS_TIME_BUDGET": 60,
            "ROBOTSTXT_OBEY": True,
            "RETRY_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "INFO",
        }
    )
    process.crawl(DocumentsTestSpider, config=config)
    process.start()


if __name__ == "__main__":
    main()
