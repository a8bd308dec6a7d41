"""Acts pipeline: a prefecture's recueil, once read, becomes one notice per act.

One job. A bundle notice (``raw["raa_bundle"]``, yielded by
:class:`~crawler.base_spiders.prefecture.PrefectureRaaSpider`) arrives here after the documents
pipeline has read its PDF page by page (OCR where a page has no text layer); its pages are split
with :func:`extract.raa.split_bundle`, and every act goes through the rest of the pipelines
(Validate, Documents, Flag, Store) as a notice of kind ``authorisation``: the act id as its id,
the table of contents' heading as its title, the act's date, the prefecture and département, the
pages it spans (its document is the bundle, cut to those pages, so a flag cites the act's page)
and the details :func:`extract.raa_details.read_details` finds. The bundle itself is not stored.

Nominative recueils name private persons: only their acts the rules flag are kept. Act titles,
details and the text the rules read lose the names that follow a civility ("M. …"), so no
private person's name reaches a digest or a feed through a title or a snippet.

A bundle that could not be read (download failed, encrypted …) is recorded against the source
(``bundle_unread``) and fetched again on the next run.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from extract.raa import Act, is_nominative, split_bundle
from extract.raa_details import read_details, redact_persons
from vocabulary.decision import TextField
from vocabulary.items import DocumentRef, NoticeItem

__all__ = ["ActsPipeline", "act_notice", "acts_to_keep"]

log = logging.getLogger(__name__)


def act_notice(bundle: NoticeItem, ref: DocumentRef, act: Act, info: dict[str, Any]) -> NoticeItem:
    """The notice of one act of ``bundle`` (whose document ``ref`` was read)."""
    details = read_details(act.text)
    pages = [replace(p, text=redact_persons(p.text)) for p in act.pages]
    title = redact_persons(act.title)
    published: date | None
    try:
        published = date.fromisoformat(act.date)
    except ValueError:
        published = bundle.published_at
    departements = list(info.get("departements") or []) or [act.departement]
    return NoticeItem(
        source=bundle.source,
        source_id=act.act_id,
        kind="authorisation",
        title=title,
        url=f"{ref.url}#page={act.first_page}",
        description="\n".join(details.lines()),
        buyer_name=info.get("prefecture") or bundle.buyer_name,
        departements=departements,
        published_at=published,
        documents=[
            DocumentRef(
                url=ref.url,
                title=ref.title,
                sha256=ref.sha256,
                media_type=ref.media_type,
                status=ref.status,
                status_reason=ref.status_reason,
                page_count=ref.page_count,
                pages=pages,
            )
        ],
        fetched_from=bundle.fetched_from,
        raw={
            "raa_act": {
                "act_id": act.act_id,
                "service": redact_persons(act.service),
                "prefecture": info.get("prefecture"),
                "departements": departements,
                "bundle": info.get("name") or bundle.title,
                "bundle_url": ref.url,
                "bundle_published": info.get("published"),
                "pages": [act.first_page, act.last_page],
                "details": details.as_dict(),
            }
        },
    )


def _about_surveillance(notice: NoticeItem, ruleset: Any) -> bool:
    texts = [TextField("title", notice.title)] + [
        TextField("document", p.text, document=notice.documents[0].sha256, page=p.page_number)
        for p in notice.documents[0].pages
    ]
    return bool(ruleset.evaluate(texts).flagged)


def acts_to_keep(
    bundle: NoticeItem, ref: DocumentRef, acts: list[Act], info: dict[str, Any], ruleset: Any
) -> list[NoticeItem]:
    """The notices of a bundle's acts; of a nominative recueil, only those the rules flag."""
    nominative = is_nominative(bundle.title) or is_nominative(ref.pages[0].text)
    notices = [act_notice(bundle, ref, act, info) for act in acts]
    if nominative:
        notices = [n for n in notices if _about_surveillance(n, ruleset)]
    return notices


class ActsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        from extract.rules import default_ruleset

        self.crawler = crawler
        self.ruleset = default_ruleset()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ActsPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        info = item.raw.get("raa_bundle") if isinstance(item, NoticeItem) else None
        if not isinstance(info, dict):
            return item
        ref = item.documents[0] if item.documents else None
        if ref is None or not ref.sha256 or not ref.pages:
            reason = (ref.fetch_error or ref.status_reason or ref.status) if ref else "no link"
            self._record(item, "bundle_unread", f"bundle not read: {reason}")
            raise DropItem(f"bundle {item.url} not read ({reason})", log_level="INFO")
        acts = split_bundle(ref.pages)
        if not acts:
            self._record(item, "bundle_without_acts", "no act id found in the bundle")
            raise DropItem(f"bundle {item.url}: no act found", log_level="INFO")
        kept = acts_to_keep(item, ref, acts, info, self.ruleset)
        scraper = self.crawler.engine.scraper if self.crawler.engine else None
        assert scraper is not None
        for notice in kept:
            await scraper.start_itemproc_async(notice, response=None)
        acts_count, kept_count = len(acts), len(kept)
        self._stat("bundles")
        self._stat("acts", kept_count)
        log.info("bundle_split url=%s acts=%s kept=%s", item.url, acts_count, kept_count)
        raise DropItem(f"bundle {item.url} split into {kept_count} acts", log_level="DEBUG")

    def _record(self, item: NoticeItem, kind: str, message: str) -> None:
        spider = self.crawler.spider
        if spider is not None and hasattr(spider, "record_error"):
            spider.record_error(item.url, kind, message, item.source_id)

    def _stat(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"acts/{key}", count)
