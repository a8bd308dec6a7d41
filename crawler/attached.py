"""What the shared-queue components (crawler/acked.py) attach to a crawler, read without
importing them: that module imports scrapy-redis, which would add about 60 ms to the start of
every crawl, shared or not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.acked import AckedPriorityQueue, AckedRequests

__all__ = ["acks_of", "queue_of", "shares_queue"]


def queue_of(crawler: Any) -> AckedPriorityQueue | None:
    """The crawl's shared queue, once the scheduler has opened it (None without Redis)."""
    return getattr(crawler, "veilleur_queue", None)


def acks_of(crawler: Any) -> AckedRequests | None:
    """The crawl's acknowledgements (None without a shared queue)."""
    return getattr(crawler, "veilleur_acks", None)


def shares_queue(settings: Any) -> bool:
    """True when this crawl's requests go through a Redis queue other workers share."""
    return bool(settings.getbool("VEILLEUR_SHARED_QUEUE"))
