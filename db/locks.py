"""Named leases in the database, so one thing runs at a time across processes and machines.

``max_instances=1`` only protects one scheduler process; a second scheduler started by mistake,
a cron job, or a web worker would happily start the same crawl. A row in ``locks`` is the
single source of truth: taking it is one atomic ``INSERT … ON CONFLICT DO UPDATE … WHERE the
lease expired`` (SQLite ≥ 3.24 and PostgreSQL both have it), so two racers can never both win.
A lease has a time to live so a holder killed with SIGKILL does not block the next night.

Functions take the session first and never commit; :func:`held_lock` is the convenience that
owns its short transactions (and can keep the lease alive from a heartbeat thread).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.runs import Lock
from db.session import session_scope
from vocabulary.errors import VeilleurError

__all__ = [
    "LockBusy",
    "acquire",
    "break_if_holder_died",
    "default_holder",
    "held_lock",
    "holder_of",
    "lease_free",
    "refresh",
    "release",
]

log = logging.getLogger(__name__)


class LockBusy(VeilleurError, RuntimeError):
    """Raised by :func:`held_lock` when another live holder has the lease."""

    def __init__(self, name: str, holder: str | None) -> None:
        super().__init__(f"lock {name!r} is held by {holder or 'someone else'}")
        self.name = name
        self.holder = holder


def default_holder() -> str:
    """Who we are, readable in ``locks.holder``: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(
    session: Session, name: str, holder: str, ttl_seconds: float, now: datetime | None = None
) -> bool:
    """Take (or renew, if ``holder`` already has it) the lease ``name``; True when we hold it.

    An expired lease held by someone else is taken over. Atomic: one statement decides.
    """
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"locks need SQLite or PostgreSQL, not {dialect}")
    stmt = insert_fn(Lock).values(name=name, holder=holder, acquired_at=now, expires_at=expires)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Lock.name],
        set_={"holder": holder, "acquired_at": now, "expires_at": expires},
        where=(Lock.expires_at <= now) | (Lock.holder == holder),
    )
    session.execute(stmt)
    current = holder_of(session, name)
    got = current == holder
    log.debug("lock_acquire name=%s holder=%s got=%s current=%s", name, holder, got, current)
    return got


def holder_of(session: Session, name: str) -> str | None:
    """The current holder of ``name`` (expired or not), or None."""
    return session.execute(select(Lock.holder).where(Lock.name == name)).scalar_one_or_none()


def lease_free(session: Session, name: str, now: datetime | None = None) -> bool:
    """True when nobody holds a live ``name`` lease (none, or expired)."""
    lease = session.get(Lock, name)
    return lease is None or lease.expires_at <= (now or utcnow())


def refresh(
    session: Session, name: str, holder: str, ttl_seconds: float, now: datetime | None = None
) -> bool:
    """Push our lease's expiry forward; False when we no longer hold it (someone took it over)."""
    now = now or utcnow()
    result = session.execute(
        update(Lock)
        .where(Lock.name == name, Lock.holder == holder)
        .values(expires_at=now + timedelta(seconds=ttl_seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def release(session: Session, name: str, holder: str) -> bool:
    """Drop our lease; a lease someone else holds is left alone. True when a row was removed."""
    result = session.execute(
        delete(Lock)
        .where(Lock.name == name, Lock.holder == holder)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


@contextmanager
def held_lock(
    url: str | None,
    name: str,
    holder: str | None = None,
    ttl: float = 3600,
    heartbeat: bool = False,
) -> Iterator[str]:
    """Hold lease ``name`` for the block, or raise :class:`LockBusy` before entering it.

    Each step commits in its own short transaction, so the lease is visible to other processes
    at once and never held open inside a long transaction. With ``heartbeat=True`` a daemon
    thread refreshes the lease every ``ttl / 3`` seconds (for crawls that may outlive ``ttl``).
    Yields the holder string.

    Example::

        with held_lock(url, "crawl:boamp", ttl=6 * 3600, heartbeat=True):
            run_crawl()
    """
    me = holder or default_holder()
    with session_scope(url) as s:
        if not acquire(s, name, me, ttl):
            raise LockBusy(name, holder_of(s, name))
    log.info("lock_taken name=%s holder=%s ttl=%s", name, me, ttl)
    stop = threading.Event()
    beat: threading.Thread | None = None
    if heartbeat:

        def _beat() -> None:
            while not stop.wait(ttl / 3):
                try:
                    with session_scope(url) as s:
                        if not refresh(s, name, me, ttl):
                            log.warning("lock_lost name=%s holder=%s", name, me)
                            return
                except Exception:  # a transient DB error must not kill the holder
                    log.exception("lock_refresh_failed name=%s holder=%s", name, me)

        beat = threading.Thread(target=_beat, name=f"lock-heartbeat-{name}", daemon=True)
        beat.start()
    try:
        yield me
    finally:
        stop.set()
        if beat is not None:
            beat.join(timeout=5)
        with session_scope(url) as s:
            release(s, name, me)
        log.info("lock_released name=%s holder=%s", name, me)


def break_if_holder_died(session: Session, name: str) -> bool:
    """Remove lease ``name`` when its holder was a process of this host that no longer runs
    (a crawl killed with SIGKILL must not block its source until the lease expires).

    Holders of other hosts are left alone: only their expiry frees them. True when removed.
    """
    holder = holder_of(session, name)
    if holder is None:
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    from db.runs import pid_alive

    if pid_alive(int(pid_text)):
        return False
    session.execute(delete(Lock).where(Lock.name == name, Lock.holder == holder))
    log.warning("lock_broken name=%s dead_holder=%s", name, holder)
    return True
