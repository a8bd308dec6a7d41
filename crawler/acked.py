"""Acknowledged shared queue: a killed worker's pages are read again by the others.

scrapy-redis removes a request from Redis when a worker takes it, so a worker killed mid-crawl
would lose the pages it held and the notices of its unwritten batches. Here a pop moves the
request (atomically, in a Lua script) into the worker's in-flight hash; the worker refreshes a
heartbeat key with a TTL; a request leaves the in-flight hash only once every notice of its page
is committed (``StorePipeline`` acknowledges, after a batch commits, the pages whose callbacks
and items had all finished before that batch was handed to its writer thread). A worker that
finds the queue empty (and each worker at start) puts back the in-flight requests of workers
whose heartbeat has expired. A page read twice is harmless: the store writes nothing for an
unchanged notice, and the duplicate filter drops the requests the page yields again. A new
request is marked seen and queued in one step (``AtomicScheduler``), so a worker killed while
queuing the pages it found cannot leave one marked seen that no worker will ever read.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.attached import acks_of, queue_of

__all__ = ["AckTracker", "AckedPriorityQueue", "AckedRequests", "AtomicScheduler"]

TOKEN = "veilleur_ack"

# KEYS: queue, in-flight hash. Takes the best request and keeps it (score|data) in flight.
_POP = """
local got = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #got == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local token = redis.sha1hex(got[1])
redis.call('HSET', KEYS[2], token, got[2] .. '|' .. got[1])
return {token, got[1]}
"""

# KEYS: queue, in-flight hash of a worker, its heartbeat. Puts its requests back if it is dead.
_REQUEUE = """
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local entries = redis.call('HVALS', KEYS[2])
for _, entry in ipairs(entries) do
  local bar = string.find(entry, '|', 1, true)
  redis.call('ZADD', KEYS[1], string.sub(entry, 1, bar - 1), string.sub(entry, bar + 1))
end
redis.call('DEL', KEYS[2])
return #entries
"""


# KEYS: duplicate filter, queue. ARGV: fingerprint, score, request. Queues a request whose
# fingerprint is new, in one step: scrapy-redis marks it seen, then queues it, in two commands,
# and a worker killed between them left a page marked seen that no worker would ever read.
_PUSH_NEW = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


class AtomicScheduler(Scheduler):
    """scrapy-redis's scheduler whose filtered requests are marked seen and queued at once."""

    def enqueue_request(self, request: Request) -> bool:
        queue = self.queue
        if request.dont_filter or not isinstance(queue, AckedPriorityQueue):
            return bool(super().enqueue_request(request))
        if not queue.push_new(request, self.df.key, self.df.request_fingerprint(request)):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True


class AckedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pops stay in flight until acknowledged."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.worker = settings.get("VEILLEUR_WORKER_ID")
        self.ttl = max(1, settings.getint("VEILLEUR_HEARTBEAT_TTL", 15))
        self.inflight_prefix = f"{key}:inflight:"
        self.alive_prefix = f"{key}:alive:"
        self.inflight = self.inflight_prefix + self.worker
        self.alive = self.alive_prefix + self.worker
        self._pop = server.register_script(_POP)
        self._push_new = server.register_script(_PUSH_NEW)
        self._requeue = server.register_script(_REQUEUE)
        self._looked = 0.0
        self.heartbeat()
        self.requeue_dead()
        spider.crawler.veilleur_queue = self

    def heartbeat(self) -> None:
        self.server.set(self.alive, b"1", ex=self.ttl)

    def requeue_dead(self) -> int:
        """Put back the in-flight requests of every worker whose heartbeat has expired."""
        moved = 0
        for key in self.server.scan_iter(f"{self.inflight_prefix}*"):
            name = key.decode() if isinstance(key, bytes) else key
            worker = name[len(self.inflight_prefix) :]
            if worker == self.worker:
                continue
            moved += int(self._requeue(keys=[self.key, name, self.alive_prefix + worker]))
        if moved:
            self.spider.logger.info("shared crawl: %d requests of a stopped worker put back", moved)
            self.spider.crawler.stats.inc_value("veilleur/shared/requeued", moved)
        return moved

    def worker_alive(self, worker: str) -> bool:
        """True while ``worker`` (this one included) keeps its heartbeat fresh."""
        return worker == self.worker or bool(self.server.exists(self.alive_prefix + worker))

    def push(self, request: Request) -> None:
        # a retried or redirected request comes back with the token of the one it replaces:
        # queue it afresh, then let the old one go (killed in between: read twice, harmless)
        token = request.meta.pop(TOKEN, None)
        super().push(request)
        if token is not None:
            self.ack([token])

    def push_new(self, request: Request, seen_key: str, fingerprint: str) -> bool:
        """Queue ``request`` unless ``fingerprint`` is in the set ``seen_key``, and add it
        there, in one step. False when it was already seen."""
        token = request.meta.pop(TOKEN, None)
        data = self._encode_request(request)  # one that cannot be encoded marks nothing seen
        added = self._push_new(
            keys=[seen_key, self.key], args=[fingerprint, -request.priority, data]
        )
        if token is not None:
            self.ack([token])
        return bool(added)

    def pop(self, timeout: int = 0) -> Request | None:
        got = self._pop(keys=[self.key, self.inflight])
        if not got:
            now = time.monotonic()
            if now - self._looked < 1.0:  # the engine asks many times a second
                return None
            self._looked = now
            if not self.requeue_dead():
                return None
            got = self._pop(keys=[self.key, self.inflight])
            if not got:
                return None
        token, data = got
        request: Request = self._decode_request(data)
        request.meta[TOKEN] = token.decode() if isinstance(token, bytes) else token
        return request

    def ack(self, tokens: Iterable[str]) -> None:
        tokens = list(tokens)
        if tokens:
            self.server.hdel(self.inflight, *tokens)

    def stop(self) -> None:
        """A worker that closes (finished or stopped) is no longer alive: whatever it still
        holds in flight is put back by the next worker that looks."""
        self.server.delete(self.alive)


class AckedRequests:
    """Knows which taken requests are settled: their callback has run to its end and every
    item it yielded has left the pipelines (stored in a batch, dropped or failed). Keeps the
    worker's heartbeat."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("VEILLEUR_HEARTBEAT_SECONDS", 5.0)
        self.outstanding: dict[str, int] = {}
        self.parsed: set[str] = set()
        self.task: Any = None
        crawler.veilleur_acks = self  # type: ignore[attr-defined]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AckedRequests:
        ext = cls(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(ext.item_left, signal=signal)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def queue(self) -> AckedPriorityQueue | None:
        return queue_of(self.crawler)

    def spider_opened(self, spider: Any) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self._beat)
        self.task.start(self.interval, now=False)

    def _beat(self) -> None:
        queue = self.queue
        if queue is not None:
            queue.heartbeat()

    def yielded(self, token: str) -> None:
        self.outstanding[token] = self.outstanding.get(token, 0) + 1

    def item_left(self, response: Any = None, **_: Any) -> None:
        token = _token(response)
        if token is None or token not in self.outstanding:
            return
        self.outstanding[token] -= 1
        if self.outstanding[token] <= 0:
            del self.outstanding[token]

    def callback_done(self, token: str) -> None:
        self.parsed.add(token)

    def settled(self) -> list[str]:
        """Taken off the list: the caller acknowledges them once what it holds is committed."""
        done = [t for t in self.parsed if t not in self.outstanding]
        self.parsed.difference_update(done)
        return done

    def ack(self, tokens: list[str]) -> None:
        queue = self.queue
        if queue is not None:
            queue.ack(tokens)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        queue = self.queue
        if queue is not None:
            queue.stop()


def _token(response: Any) -> str | None:
    request = getattr(response, "request", None)
    meta = getattr(request, "meta", None) or {}
    return meta.get(TOKEN)


class AckTracker:
    """Spider middleware: counts the items each taken page yields and says when its callback
    has run to its end (or failed), for ``AckedRequests``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AckTracker:
        return cls(crawler)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        acks, token = acks_of(self.crawler), _token(response)
        if acks is None or token is None:
            yield from result
            return
        try:
            for out in result:
                yield _counted(out, acks, token)
        finally:
            acks.callback_done(token)

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        acks, token = acks_of(self.crawler), _token(response)
        if acks is None or token is None:
            async for out in result:
                yield out
            return
        try:
            async for out in result:
                yield _counted(out, acks, token)
        finally:
            acks.callback_done(token)


def _counted(out: Any, acks: AckedRequests, token: str) -> Any:
    """One output of a taken page's callback: an item counts towards the page's settling; a
    request's meta, copied from the page, loses the page's token (it is not its own)."""
    if isinstance(out, Request):
        out.meta.pop(TOKEN, None)
    else:
        acks.yielded(token)
    return out
