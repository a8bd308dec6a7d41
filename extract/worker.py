"""Extraction in worker processes: a wall-clock budget and a memory cap per document.

Parsers for hostile formats can hang in C code or allocate without bound. Each document is read
in a long-lived worker process (one per core by default) whose address space is capped with
``RLIMIT_AS``; inside it, ``SIGALRM`` stops page reading at the budget (pages read so far are
kept, status ``timeout``), and the supervisor kills the worker's whole process group (tesseract
included) ``grace_s`` later if it has not answered. A killed or dead worker is replaced and the
document recorded as ``timeout`` or ``resource_limit``: the caller always gets a result.

Workers start from a ``forkserver`` that has already imported the readers, so a replacement
costs milliseconds, and the crawler's threads are never forked.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from extract.result import BudgetExceeded, Limits
from vocabulary.documents import ExtractionResult

__all__ = ["WorkerPool", "read_capped"]

log = logging.getLogger(__name__)

_MIB = 1024 * 1024


def read_capped(path: Path, max_bytes: int) -> bytes | ExtractionResult:
    """The bytes of ``path``, or the ``too_large``/``unreadable`` result that says why not:
    a regular file over the cap is not opened at all, and never more than ``max_bytes`` + 1
    bytes are read from anything else (``/dev/zero``, a pipe), whatever size it claims."""
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                return _too_large(fh.read(4096), f"size: {size} bytes, cap {max_bytes}")
            data = fh.read(max_bytes + 1)
    except OSError as exc:  # permissions, a folder, an I/O error: nothing to read
        return ExtractionResult("not_a_document", f"file: cannot read it ({exc.strerror or exc})")
    if len(data) > max_bytes:
        return _too_large(data[:4096], f"size: over {max_bytes} bytes, cap {max_bytes}")
    return data


def _too_large(head: bytes, reason: str) -> ExtractionResult:
    """``too_large``, with the media type the file's first bytes show."""
    from extract.sniff import sniff

    return ExtractionResult("too_large", reason, media_type=sniff(head).media_type)


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise BudgetExceeded


def _child_main(conn: Connection, memory_mb: int) -> None:
    """Worker loop: receive (data, name, limits), answer an ExtractionResult, forever."""
    os.setpgrp()  # so the supervisor can kill us and our tesseract in one go
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    signal.signal(signal.SIGALRM, _on_alarm)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cap = memory_mb * _MIB
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from extract.documents import extract_document

    while True:
        try:
            data, name, limits = conn.recv()
        except (EOFError, OSError):
            return
        conn.send("ack")  # from here on, a death is this document's doing
        signal.setitimer(signal.ITIMER_REAL, limits.time_budget_s)
        try:
            result = extract_document(data, name=name, limits=limits)
        except BudgetExceeded:  # the alarm fired outside any reader
            result = ExtractionResult(
                "timeout", f"timeout: budget of {limits.time_budget_s:.0f} s ran out"
            )
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        del data
        if result.status == "resource_limit":
            result.reason = f"memory: over the worker's {memory_mb} MiB address-space cap"
        conn.send(result)
        if result.status == "resource_limit":
            return  # a heap that hit its cap is not worth reusing


class _Slot:
    """One worker process and the pipe to it."""

    def __init__(self, ctx: Any, memory_mb: int) -> None:
        self._ctx = ctx
        self._memory_mb = memory_mb
        self.process: Any = None
        self.conn: Connection | None = None
        self.tasks = 0

    def ensure(self, max_tasks: int) -> Connection:
        if self.process is not None and (not self.process.is_alive() or self.tasks >= max_tasks):
            self.stop()
        if self.process is None or self.conn is None:
            parent, child = self._ctx.Pipe()
            self.process = self._ctx.Process(
                target=_child_main,
                args=(child, self._memory_mb),
                daemon=True,
                name="veilleur-extract",
            )
            self.process.start()
            child.close()
            self.conn, self.tasks = parent, 0
        return self.conn

    def kill(self) -> None:
        if self.process is not None and self.process.pid:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.stop()

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.process is not None:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)
        self.process, self.conn = None, None


class WorkerPool:
    """``submit(data, name=...)`` → ``Future[ExtractionResult]``; never raises for a document.

    ``processes`` defaults to one per core; ``max_tasks_per_child`` recycles workers so a
    fragmented heap does not grow across a night; ``grace_s`` is how long after the budget a
    silent worker is killed. The memory cap is the pool's ``limits.memory_mb`` (set once per
    worker); a per-document ``limits`` passed to :meth:`submit` changes every other cap.
    """

    def __init__(
        self,
        processes: int | None = None,
        *,
        limits: Limits | None = None,
        max_tasks_per_child: int = 50,
        grace_s: float = 10.0,
    ) -> None:
        if processes is not None and processes < 0:
            raise ValueError(f"processes must be 0 (one per core) or more, not {processes}")
        self.limits = limits or Limits()
        self.processes = processes or os.cpu_count() or 1
        self.max_tasks_per_child = max_tasks_per_child
        self.grace_s = grace_s
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["extract.documents"])
        self._queue: queue.Queue[tuple[Future[ExtractionResult], bytes, str | None, Limits] | None]
        self._queue = queue.Queue()
        self._slots = [_Slot(ctx, self.limits.memory_mb) for _ in range(self.processes)]
        self._threads = [
            threading.Thread(target=self._supervise, args=(slot,), daemon=True, name=f"extract-{i}")
            for i, slot in enumerate(self._slots)
        ]
        for thread in self._threads:
            thread.start()
        self._closed = False

    def submit(
        self, data: bytes, *, name: str | None = None, limits: Limits | None = None
    ) -> Future[ExtractionResult]:
        if self._closed:
            raise RuntimeError("WorkerPool is closed")
        future: Future[ExtractionResult] = Future()
        self._queue.put((future, data, name, limits or self.limits))
        return future

    def extract(
        self, data: bytes, *, name: str | None = None, limits: Limits | None = None
    ) -> ExtractionResult:
        """Blocking convenience for scripts and the CLI."""
        return self.submit(data, name=name, limits=limits).result()

    def extract_files(
        self, paths: Iterable[Path], limits: Limits | None = None
    ) -> Iterator[tuple[Path, ExtractionResult]]:
        """``(path, result)`` for each local file, in order, read exactly as the crawler reads
        a download: at most ``max_bytes`` + 1 bytes are read (a larger file, ``/dev/zero``
        included, is ``too_large`` without being read whole) and only a few files are held in
        memory at once."""
        limits = limits or self.limits
        pending: deque[tuple[Path, Future[ExtractionResult]]] = deque()
        for path in paths:
            data = read_capped(path, limits.max_bytes)
            if isinstance(data, ExtractionResult):
                done: Future[ExtractionResult] = Future()
                done.set_result(data)
                pending.append((path, done))
            else:
                pending.append((path, self.submit(data, name=str(path), limits=limits)))
            del data
            while len(pending) > self.processes:
                first, future = pending.popleft()
                yield first, future.result()
        while pending:
            first, future = pending.popleft()
            yield first, future.result()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring, and for tests that kill one)."""
        return [
            s.process.pid for s in self._slots if s.process is not None and s.process.is_alive()
        ]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        for slot in self._slots:
            slot.stop()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _supervise(self, slot: _Slot) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            future, data, name, limits = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = self._run(slot, data, name, limits)
            except Exception as exc:  # the supervisor itself must never die silently
                log.exception("extract_supervisor_error name=%s", name)
                slot.kill()
                result = ExtractionResult("resource_limit", f"worker: {type(exc).__name__}: {exc}")
            future.set_result(result)

    def _run(self, slot: _Slot, data: bytes, name: str | None, limits: Limits) -> ExtractionResult:
        started = time.monotonic()
        for attempt in range(2):
            conn = slot.ensure(self.max_tasks_per_child)
            slot.tasks += 1
            try:
                conn.send((data, name, limits))
                if conn.poll(limits.time_budget_s + self.grace_s) and conn.recv() == "ack":
                    break
            except (EOFError, OSError):
                pass
            # the worker was already gone (killed while idle): not this document's fault
            slot.stop()
            if attempt:
                return self._died(name, None, started)
        try:
            if conn.poll(limits.time_budget_s + self.grace_s):
                result: ExtractionResult = conn.recv()
                if result.status == "resource_limit":
                    slot.stop()
                return result
        except (EOFError, OSError):
            pid = slot.process.pid if slot.process else None
            slot.stop()
            return self._died(name, pid, started)
        log.warning("extract_killed name=%s budget_s=%.0f", name, limits.time_budget_s)
        slot.kill()
        return ExtractionResult(
            "timeout",
            f"timeout: worker killed after {time.monotonic() - started:.0f} s without an answer",
        )

    def _died(self, name: str | None, pid: int | None, started: float) -> ExtractionResult:
        log.warning("extract_worker_died name=%s pid=%s", name, pid)
        return ExtractionResult(
            "resource_limit",
            f"memory: the worker died after {time.monotonic() - started:.1f} s "
            f"(memory cap {self.limits.memory_mb} MiB or a crash in a parser)",
        )
