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
import pickle
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from itertools import repeat

from db.session import database_url as database_url_of
from db.session import error_line, session_scope
from db.statistics import analyze_if_outgrown
from db.store import StoreResult, upsert_notices
from vocabulary.items import NoticeItem

__all__ = ["MAX_CONNECTIONS", "BatchOutcome", "key_parts", "store_batch", "store_pickled_batch"]

log = logging.getLogger(__name__)

#: connections one batch may be written over (a bound on ``STORE_CONNECTIONS``)
MAX_CONNECTIONS = 4


@dataclasses.dataclass
class BatchOutcome:
    """What one batch did: counts, the notices the rules flagged (among those they read), and
    the notices that could not be stored, by position in the batch."""

    result: StoreResult
    flagged: int = 0
    failures: list[tuple[int, str]] = dataclasses.field(default_factory=list)


def store_batch(
    database_url: str, batch: Sequence[NoticeItem], connections: int = 1
) -> BatchOutcome:
    """Upsert ``batch``: in one transaction, or, on PostgreSQL with ``connections`` above one,
    split by notice key over that many transactions written at once (:func:`key_parts`).

    PostgreSQL spends about twice the client's time on each notice (its French full-text
    expression, 1.1 ms), in the one server process of the connection, while the client waits:
    a second connection lets the server work on two parts at once. The parts hold disjoint
    keys and the next batch starts when all are committed, so each notice's versions are still
    written in the order the crawl read them. SQLite writes one transaction at a time, so it
    always takes the batch whole."""
    count = min(connections, MAX_CONNECTIONS) if _is_postgresql(database_url) else 1
    parts = key_parts(batch, count)
    if len(parts) == 1:
        return _store_whole(database_url, batch)
    outcome = BatchOutcome(StoreResult())
    written = _parts_pool().map(_store_part, repeat(database_url), repeat(batch), parts)
    for positions, part in zip(parts, written, strict=True):
        outcome.result.add(part.result)
        outcome.flagged += part.flagged
        outcome.failures.extend((positions[i], line) for i, line in part.failures)
    outcome.failures.sort()
    return outcome


def store_pickled_batch(database_url: str, payload: bytes, connections: int = 1) -> BatchOutcome:
    """:func:`store_batch` of a batch the crawl pickled itself, so that it keeps the batch in that
    one form while the writer process has it (``crawler.pipelines.core``)."""
    batch: list[NoticeItem] = pickle.loads(payload)
    return store_batch(database_url, batch, connections)


def key_parts(batch: Sequence[NoticeItem], count: int) -> list[list[int]]:
    """The positions of ``batch`` in ``count`` parts by a stable hash of each notice's key (all
    the versions of one notice in one part), empty parts left out."""
    if count <= 1 or len(batch) < 2:
        return [list(range(len(batch)))]
    parts: list[list[int]] = [[] for _ in range(count)]
    for position, item in enumerate(batch):
        parts[zlib.crc32(f"{item.source}\x00{item.key}".encode()) % count].append(position)
    return [part for part in parts if part]


def _store_part(
    database_url: str, batch: Sequence[NoticeItem], positions: list[int]
) -> BatchOutcome:
    return _store_whole(database_url, [batch[i] for i in positions])


@cache
def _parts_pool() -> ThreadPoolExecutor:
    """The writer's threads for a batch's parts (the process's own, kept for its life)."""
    return ThreadPoolExecutor(max_workers=MAX_CONNECTIONS, thread_name_prefix="veilleur-part")


def _is_postgresql(database_url: str) -> bool:
    return database_url_of(database_url).startswith("postgresql")


def _store_whole(database_url: str, batch: Sequence[NoticeItem]) -> BatchOutcome:
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
        outcome.result.add(one)  # counted once committed
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
    """Notices of the batch the store read the decision of and flagged (an unchanged notice's
    is not read, even where the crawl ran the rules ahead of need)."""
    count = 0
    for item in batch:
        decision = item.decision
        if decision is None:
            continue
        if getattr(decision, "read", True) and decision.flagged:
            count += 1
    return count
