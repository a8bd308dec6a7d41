"""Per-crawl outputs: ``RunRecorder`` (one ``crawl_runs`` row, errors as they happen, final
status), ``StoryLinker`` (what the crawl stored joins its purchase stories) and
``ProgressReporter`` (periodic progress lines). The story linker also refreshes the buyers,
vendors and map rows of what the crawl touched (:mod:`db.picture`)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler import signals as veilleur_signals
from crawler.attached import queue_of, shares_queue

__all__ = [
    "PAGE_LEVEL_ERRORS",
    "ProgressReporter",
    "RunRecorder",
    "SharedQueueGrace",
    "StoryLinker",
]

log = logging.getLogger(__name__)

#: errors that mean part of the window was not read: the watermark must not move
PAGE_LEVEL_ERRORS = (
    "request_failed",
    "bad_json",
    "bad_page",
    "offset_cap",
    "page_cap",
    "store_failed",
)

#: record-level errors are written this many at a time, or after this many seconds
ERROR_BATCH = 500
ERROR_FLUSH_SECONDS = 2.0


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("DATABASE_URL")
        self.run_id: int | None = None
        self.source_id: int | None = None
        self.source_name = ""
        self.pending: list[Any] = []
        self.flushed_at = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.error_recorded, signal=veilleur_signals.error_recorded)
        return ext

    def spider_opened(self, spider: Any) -> None:
        from db.migrate import upgrade_if_behind
        from db.runs import ensure_source, start_run
        from db.session import session_scope

        upgrade_if_behind(self.database_url)  # `scrapy crawl` too; a no-op when up to date
        args = {
            "since": str(getattr(spider, "since", "")),
            "until": str(getattr(spider, "until", "")),
            "sample": str(getattr(spider, "sample", "") or ""),
        }
        queue = queue_of(self.crawler)
        worker_alive = queue.worker_alive if queue is not None else None
        if queue is not None:  # a shared crawl: this run is judged by this worker's heartbeat
            args["worker"] = queue.worker
        with session_scope(self.database_url) as session:
            source = ensure_source(
                session,
                spider.name,
                kind=getattr(spider, "source_kind", "api"),
                licence=getattr(spider, "licence", None) or None,
                base_url=getattr(spider, "base_url", None) or None,
            )
            run = start_run(session, source, args, worker_alive)
            self.run_id, self.source_id = run.id, source.id
        spider.run_id = self.run_id
        log.info("run_started source=%s run_id=%s %s", spider.name, self.run_id, args)

    def error_recorded(
        self,
        spider: Any,
        url: str | None,
        error_kind: str,
        message: str,
        record_id: str | None = None,
    ) -> None:
        import time

        self.source_name = spider.name
        self.pending.append((url, error_kind, message, record_id))
        # a page-level error is written at once (it decides the run's status); record-level
        # ones go in batches: one row and one commit each cost more than reading the record
        if (
            error_kind in PAGE_LEVEL_ERRORS
            or len(self.pending) >= ERROR_BATCH
            or time.monotonic() - self.flushed_at > ERROR_FLUSH_SECONDS
        ):
            self.flush_errors()

    def flush_errors(self) -> None:
        import time

        from db.runs import record_errors
        from db.session import session_scope

        self.flushed_at = time.monotonic()
        if not self.pending:
            return
        errors, self.pending = self.pending, []
        with session_scope(self.database_url) as session:
            record_errors(session, run_id=self.run_id, source_name=self.source_name, errors=errors)

    def spider_closed(self, spider: Any, reason: str) -> None:
        from db.runs import finish_run, mark_interrupted_runs, previous_run, set_watermark
        from db.session import session_scope

        if self.run_id is None:
            return
        self.flush_errors()
        stats = self.crawler.stats
        seen = int(stats.get_value("veilleur/items_seen", 0))
        page_errors = sum(
            int(stats.get_value(f"veilleur/errors/{kind}", 0)) for kind in PAGE_LEVEL_ERRORS
        )
        message_parts: list[str] = []
        quiet = (
            getattr(spider, "frozen", False)
            or getattr(spider, "nothing_new_expected", False)
            or shares_queue(self.crawler.settings)
        )
        with session_scope(self.database_url) as session:
            queue = queue_of(self.crawler)
            if self.source_id is not None and queue is not None:
                # a worker killed during a shared crawl: the last one to close says so
                mark_interrupted_runs(session, self.source_id, queue.worker_alive)
            if reason != "finished":
                status = "error"
                message_parts.append(f"crawl ended early: {reason}")
            elif seen == 0 and quiet and getattr(spider, "frozen", False) and not page_errors:
                # a frozen dataset (decp_v3) publishes nothing new: silence is expected
                status = "ok"
                message_parts.append("frozen source: nothing new is expected")
            elif seen == 0 and getattr(spider, "nothing_new_expected", False) and not page_errors:
                # every file it reads was unchanged since it was last read completely
                status = "ok"
                message_parts.append("every file unchanged since the last read")
            elif seen == 0 and shares_queue(self.crawler.settings) and not page_errors:
                # a worker of a shared crawl: the others may have taken every page first
                status = "ok"
                message_parts.append("shared crawl: the other workers read every page")
            elif seen == 0:
                status = "failing"
                before = previous_run(session, self.source_id or 0, self.run_id)
                if before is not None and before.items_seen > 0:
                    message_parts.append(
                        f"zero notices where the previous run (#{before.id}) had "
                        f"{before.items_seen}: the source may have changed or be down"
                    )
                else:
                    message_parts.append("zero notices: nothing was read from the source")
            elif page_errors:
                status = "failing"
                message_parts.append(
                    f"{page_errors} pages could not be read; window re-read next run"
                )
            else:
                status = "ok"
            if status == "ok" and not getattr(spider, "sample", None):
                until = getattr(spider, "until", None)
                if until is not None:
                    set_watermark(session, spider.name, until)
            finish_run(
                session,
                self.run_id,
                status=status,
                seen=seen,
                new=int(stats.get_value("veilleur/items_new", 0)),
                changed=int(stats.get_value("veilleur/items_changed", 0)),
                unchanged=int(stats.get_value("veilleur/items_unchanged", 0)),
                message="; ".join(message_parts) or None,
            )
            if status == "ok" and not (seen == 0 and quiet):
                # a layout change that empties an always-filled field, or zero items where
                # earlier runs had some, turns the run failing with the reasons (a source that
                # said nothing new was to be expected is not judged on its silence)
                from db.health import evaluate_run

                if evaluate_run(session, self.run_id):
                    status = "failing"
        log.info(
            "run_finished source=%s run_id=%s status=%s seen=%d",
            spider.name,
            self.run_id,
            status,
            seen,
        )


class StoryLinker:
    """Links what a crawl stored to the stories it belongs to (corrections, TED/BOAMP twins,
    contracts, deliberations), once the store pipeline has flushed its last batch.

    An extension rather than a step of the command, so ``scrapy crawl NAME`` and
    ``veilleur crawl NAME`` store the same thing. Only notices published since the crawl's
    first date are (re)linked, and only when the crawl stored a new or changed notice; a
    linking failure is recorded against the run, never lost.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("DATABASE_URL")
        self.opened = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoryLinker:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        from db.linking import link_all
        from db.picture import refresh_seen_since
        from db.session import session_scope

        stats = self.crawler.stats
        touched = int(stats.get_value("veilleur/items_new", 0)) + int(
            stats.get_value("veilleur/items_changed", 0)
        )
        if reason == "finished" and not touched:
            # nothing stored changed: the stories are as the last crawl that wrote left them
            # (each crawl that stores links everything published since its first date)
            stats.set_value("veilleur/linking", "skipped: nothing new or changed")
            return
        stats.set_value("veilleur/linking", "ran")
        try:
            with session_scope(self.database_url) as session:
                link_all(session, since=getattr(spider, "since", None))
                # buyers, vendors and the map follow the stories just linked
                refresh_seen_since(session, self.opened, spider.name)
        except Exception as exc:  # recorded against the run; the stored notices stay
            log.exception("linking_failed source=%s", spider.name)
            self.crawler.signals.send_catch_log(
                veilleur_signals.error_recorded,
                spider=spider,
                url=None,
                error_kind="link_failed",
                message=f"linking failed: {type(exc).__name__}: {exc}"[:500],
            )


class ProgressReporter:
    """Prints notices read, flagged and errors every few seconds (``VEILLEUR_PROGRESS`` on)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.task: Any = None
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("VEILLEUR_PROGRESS"):
            raise NotConfigured("VEILLEUR_PROGRESS is off")
        ext = cls(crawler, crawler.settings.getfloat("VEILLEUR_PROGRESS_INTERVAL"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        import time

        from twisted.internet import task

        self.started = time.monotonic()
        self.task = task.LoopingCall(self.report, spider)
        self.task.start(self.interval, now=False)

    def report(self, spider: Any) -> None:
        import sys
        import time

        stats = self.crawler.stats
        seen = int(stats.get_value("veilleur/items_seen", 0))
        elapsed = max(time.monotonic() - self.started, 1e-6)
        counts = stats.get_stats().items()
        errors = sum(v for k, v in counts if k.startswith("veilleur/errors/"))
        # a source that reads documents (a prefecture's recueils) can spend its first minutes
        # reading them before any notice leaves the pipelines: say so rather than "0 notices"
        documents = sum(v for k, v in counts if k.startswith("documents/status/"))
        read = f"{documents} documents read, " if documents else ""
        print(
            f"{spider.name}: {seen} notices ({seen / elapsed:.0f}/s), "
            f"{int(stats.get_value('veilleur/items_flagged', 0))} flagged, {read}"
            f"{int(stats.get_value('response_received_count', 0))} pages, {errors} errors",
            file=sys.stderr,
            flush=True,
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()


class SharedQueueGrace:
    """With a shared Redis queue, an empty queue may only mean that another worker has not yet
    queued the pages of the window it is reading: the spider stays open until it has been idle
    for ``VEILLEUR_SHARED_IDLE_SECONDS`` (Scrapy asks every few seconds)."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedQueueGrace:
        ext = cls(crawler.settings.getfloat("VEILLEUR_SHARED_IDLE_SECONDS", 15.0))
        crawler.signals.connect(ext.busy, signal=signals.response_received)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        return ext

    def busy(self, **_: Any) -> None:
        self.idle_since = None

    def idle(self, spider: Any) -> None:
        import time

        from scrapy.exceptions import DontCloseSpider

        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.grace:
            raise DontCloseSpider
