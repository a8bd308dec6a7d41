"""Storing one crawl batch, where the crawl decides: in a thread of the crawl's own process or
in its writer process (``crawler.pipelines.core.StorePipeline``).

:func:`store_batch` is a plain module-level function over picklable values (the notices with
their deferred decisions; the database URL), so a ``ProcessPoolExecutor`` can run it: the rules
(evaluated when a notice is new or changed) and the database driver's work then use a second
core, and the crawl's process keeps reading and parsing. A batch that fails is stored notice by
notice, so one bad notice costs only itself; failures come back as (position, one line).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from db.session import error_line, session_scope
from db.statistics import analyze_if_outgrown
from db.store import StoreResult, upsert_notices
from vocabulary.items import NoticeItem

__all__ = ["BatchOutcome", "store_batch"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class BatchOutcome:
    """What one batch did: counts, the notices the rules flagged (among those they read), and
    the notices that could not be stored, by position in the batch."""

    result: StoreResult
    flagged: int = 0
    failures: list[tuple[int, str]] = dataclasses.field(default_factory=list)


def store_batch(database_url: str, batch: Sequence[NoticeItem]) -> BatchOutcome:
    """Upsert ``batch`` in one transaction, or one by one when that fails."""
    try:
        with session_scope(database_url) as session:
            result = upsert_notices(session, [(item, item.decision) for item in batch])
        _keep_statistics(database_url)
        return BatchOutcome(result, _flagged(batch))
    except Exception:
        log.exception("store_batch_failed size=%d; storing one by one", len(batch))
    outcome = BatchOutcome(StoreResult())
    for position, item in enumerate(batch):
        try:
            with session_scope(database_url) as session:
                one = upsert_notices(session, [(item, item.decision)])
        except Exception as exc:
            outcome.failures.append((position, error_line(exc)))
            continue
        outcome.result.new += one.new
        outcome.result.changed += one.changed
        outcome.result.unchanged += one.unchanged
    outcome.flagged = _flagged(batch)
    return outcome


def _keep_statistics(database_url: str) -> None:
    """The planner's statistics follow a bulk load (``db.statistics``); a failure to gather
    them costs speed, never a stored batch."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with session_scope(database_url) as session:
            analyze_if_outgrown(session)
    except SQLAlchemyError as exc:
        log.warning("analyze_failed error=%s", error_line(exc))


def _flagged(batch: Sequence[NoticeItem]) -> int:
    """Notices of the batch the rules read and flagged (an unchanged notice is not read)."""
    count = 0
    for item in batch:
        decision = item.decision
        if decision is None:
            continue
        if getattr(decision, "evaluated", True) and decision.flagged:
            count += 1
    return count
