"""Transactions for the web app, and the retry that keeps "database is locked" from users.

SQLite in WAL mode lets readers run beside the crawler's writer, and ``db.session`` sets a long
busy timeout; but a transaction that read first and then writes can still get SQLITE_BUSY at
once (its snapshot is stale, waiting would not help). :func:`write` re-runs the whole unit of
work with a short backoff in that case, so the analyst never sees the error.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["is_locked_error", "read", "retry_locked", "write"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_LOCK_MARKERS = ("database is locked", "database table is locked", "database is busy")


def is_locked_error(exc: BaseException) -> bool:
    """True for SQLite's lock/busy errors (never for PostgreSQL, which waits on row locks)."""
    return isinstance(exc, OperationalError) and any(m in str(exc.orig) for m in _LOCK_MARKERS)


def retry_locked(
    fn: Callable[[], T], attempts: int = 10, base_delay: float = 0.05, max_delay: float = 2.0
) -> T:
    """Run ``fn`` (a whole transaction), again with jittered exponential backoff while the
    database reports a lock; the last error propagates once ``attempts`` are spent."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except OperationalError as exc:
            if not is_locked_error(exc) or attempt == attempts:
                raise
            delay = min(max_delay, base_delay * 2 ** (attempt - 1)) * (0.5 + random.random())
            log.info("db_retry reason=locked attempt=%d delay_s=%.3f", attempt, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _maker() -> sessionmaker[Session]:
    maker: sessionmaker[Session] = current_app.extensions["veilleur_sessionmaker"]
    return maker


@contextmanager
def read() -> Iterator[Session]:
    """A read-only unit of work (rolled back at the end: nothing to commit)."""
    with _maker()() as session:
        yield session


def write(fn: Callable[[Session], T]) -> T:
    """Run ``fn(session)`` in its own transaction, committed on return, retried on lock."""

    def unit() -> T:
        with _maker().begin() as session:
            return fn(session)

    return retry_locked(unit)
