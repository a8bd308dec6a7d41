"""Sources, crawl runs, recorded errors and watermarks. Session first; the caller commits."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.notices import Notice
from db.models.runs import CrawlError, CrawlRun, Source
from db.upsert import insert_ignore

__all__ = [
    "ErrorRow",
    "SourceHealth",
    "ensure_source",
    "finish_run",
    "first_error",
    "get_watermark",
    "mark_interrupted_runs",
    "pid_alive",
    "previous_run",
    "record_error",
    "record_errors",
    "set_watermark",
    "source_health",
    "start_run",
]


def ensure_source(
    session: Session,
    name: str,
    *,
    kind: str = "api",
    licence: str | None = None,
    base_url: str | None = None,
) -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        # insert-or-nothing: two shared-crawl workers may both meet a new source at start
        row = {"name": name, "kind": kind, "licence": licence, "base_url": base_url}
        insert_ignore(session, Source, [row])
        source = session.scalars(select(Source).where(Source.name == name)).one()
    return source


def get_watermark(session: Session, name: str) -> date | None:
    return session.scalar(select(Source.watermark).where(Source.name == name))


def set_watermark(session: Session, name: str, value: date) -> None:
    """Move the watermark forward only: a re-crawl of old dates never moves it back."""
    source = ensure_source(session, name)
    if source.watermark is None or value > source.watermark:
        source.watermark = value


def pid_alive(pid: int | None) -> bool:
    """True when a process with this id runs on this host (or may: not ours to signal)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted_runs(
    session: Session, source_id: int, worker_alive: Callable[[str], bool] | None = None
) -> int:
    """Runs left 'running' by a crawl that died (SIGKILL, power cut) become 'interrupted'.

    A run of a shared crawl (``args["worker"]``, possibly on another host) is judged by that
    worker's heartbeat alone, through ``worker_alive``; without it, it is left as it is.
    Any other run is judged by its process id on this host."""
    stale = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.status == "running")
    ).all()
    count = 0
    for run in stale:
        worker = (run.args or {}).get("worker")
        if worker:
            if worker_alive is None or worker_alive(str(worker)):
                continue
            why = "worker's heartbeat stopped without closing the run"
        elif run.pid == os.getpid() or pid_alive(run.pid):
            continue
        else:
            why = "process ended without closing the run"
        run.status = "interrupted"
        run.finished_at = run.finished_at or utcnow()
        run.message = (run.message or "") + why
        count += 1
    return count


def start_run(
    session: Session,
    source: Source,
    args: dict[str, str],
    worker_alive: Callable[[str], bool] | None = None,
) -> CrawlRun:
    mark_interrupted_runs(session, source.id, worker_alive)
    run = CrawlRun(source_id=source.id, args=args, pid=os.getpid(), status="running")
    session.add(run)
    session.flush()
    return run


def previous_run(session: Session, source_id: int, before_run_id: int) -> CrawlRun | None:
    """The last finished run before this one (ok or failing), to compare item counts."""
    return session.scalar(
        select(CrawlRun)
        .where(
            CrawlRun.source_id == source_id,
            CrawlRun.id < before_run_id,
            CrawlRun.status.in_(("ok", "failing")),
        )
        .order_by(CrawlRun.id.desc())
        .limit(1)
    )


def record_error(
    session: Session,
    *,
    run_id: int | None,
    source_name: str,
    url: str | None,
    error_kind: str,
    message: str,
    record_id: str | None = None,
) -> None:
    record_errors(
        session,
        run_id=run_id,
        source_name=source_name,
        errors=[(url, error_kind, message, record_id)],
    )


#: one recorded error: url, kind, message, record id
ErrorRow = tuple[str | None, str, str, str | None]


def record_errors(
    session: Session, *, run_id: int | None, source_name: str, errors: Sequence[ErrorRow]
) -> None:
    """Several errors of one run in one INSERT (a crawl meets one per odd record: a row and a
    commit each cost more than reading the record)."""
    if not errors:
        return
    now = utcnow()
    session.execute(
        insert(CrawlError),
        [
            {
                "run_id": run_id,
                "source_name": source_name,
                "url": url,
                "error_kind": error_kind,
                "message": message[:5000],
                "record_id": (record_id or None) and record_id[:200],
                "created_at": now,
            }
            for url, error_kind, message, record_id in errors
        ],
    )
    if run_id is not None:
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id == run_id)
            .values(errors_count=CrawlRun.errors_count + len(errors))
        )


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    seen: int,
    new: int,
    changed: int,
    unchanged: int,
    message: str | None,
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            status=status,
            finished_at=utcnow(),
            items_seen=seen,
            items_new=new,
            items_changed=changed,
            items_unchanged=unchanged,
            message=message,
        )
    )


@dataclass
class SourceHealth:
    name: str
    enabled: bool
    watermark: date | None
    notices: int
    flagged: int
    last_status: str | None
    last_started: datetime | None
    last_seen: int | None
    last_errors: int | None
    last_message: str | None
    last_ok: datetime | None
    #: the cause of the last run's first recorded error, on one line (None: no error)
    first_error: str | None = None
    #: new and changed notices of the last run
    last_new: int | None = None
    last_changed: int | None = None

    @property
    def healthy(self) -> bool:
        """The last run finished ok (or is still running, or none ran yet); records it refused
        on the way (``last_errors``) are shown beside it, not counted as a failure."""
        return self.last_status in (None, "ok", "running")


def first_error(session: Session, run_id: int) -> str | None:
    """The first error a run recorded, on one line: its kind, its cause (an exception's repr
    unwrapped: ``DNSLookupError('DNS lookup failed …')`` gives the text) and the URL's host."""
    error = session.scalar(
        select(CrawlError).where(CrawlError.run_id == run_id).order_by(CrawlError.id).limit(1)
    )
    if error is None:
        return None
    text = " ".join(error.message.split())
    wrapped = re.fullmatch(r"\w+\((['\"])(.*)\1\)", text)
    cause = wrapped.group(2) if wrapped else text
    host = re.match(r"\w+://([^/?#]+)", error.url or "")
    where = f" ({host.group(1)})" if host and host.group(1) not in cause else ""
    return f"{error.error_kind}: {cause}{where}"


def source_health(session: Session) -> list[SourceHealth]:
    out: list[SourceHealth] = []
    counts = dict(
        session.execute(select(Notice.source, func.count()).group_by(Notice.source)).all()
    )
    flagged = dict(
        session.execute(
            select(Notice.source, func.count()).where(Notice.flagged).group_by(Notice.source)
        ).all()
    )
    for source in session.scalars(select(Source).order_by(Source.name)):
        last = session.scalar(
            select(CrawlRun)
            .where(CrawlRun.source_id == source.id)
            .order_by(CrawlRun.id.desc())
            .limit(1)
        )
        last_ok = session.scalar(
            select(func.max(CrawlRun.finished_at)).where(
                CrawlRun.source_id == source.id, CrawlRun.status == "ok"
            )
        )
        out.append(
            SourceHealth(
                name=source.name,
                enabled=source.enabled,
                watermark=source.watermark,
                notices=counts.get(source.name, 0),
                flagged=flagged.get(source.name, 0),
                last_status=last.status if last else None,
                last_started=last.started_at if last else None,
                last_seen=last.items_seen if last else None,
                last_errors=last.errors_count if last else None,
                last_message=last.message if last else None,
                last_ok=last_ok,
                first_error=first_error(session, last.id) if last and last.errors_count else None,
                last_new=last.items_new if last else None,
                last_changed=last.items_changed if last else None,
            )
        )
    return out
