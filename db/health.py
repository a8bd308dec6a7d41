"""Source health beyond "did the crawl finish": sources die or change layout silently.

Two failures a run can look fine through (City Scrapers #998):

* **zero items** where the previous runs had some — the portal is down, moved or blocks us;
* **a field emptied by a layout change** — a field that was filled in (nearly) every notice of
  the last runs is suddenly empty in most notices of this one (a renamed column, a moved CSS
  class): the notices still arrive, but without the buyer, the date or the CPV codes.

The fill rate of each tracked field is computed over the notices the run wrote (new or
changed: their fields come from this run's parsing; unchanged notices are not rewritten) and
kept in the run's ``args["field_fill"]``, so later runs compare against it.

Entry point for the run recorder, after ``finish_run``::

    issues = evaluate_run(session, run_id)   # marks the run failing when issues is not empty

Session first, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String, Text, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.models.base import utcnow
from db.models.notices import Notice
from db.models.runs import CrawlRun, Source

__all__ = [
    "TRACKED_FIELDS",
    "HealthIssue",
    "evaluate_run",
    "failing_sources",
    "field_fill",
    "source_issues",
]

#: fields whose sudden emptiness means the source changed under us
TRACKED_FIELDS = (
    "title",
    "description",
    "buyer_name",
    "buyer_siret",
    "published_at",
    "deadline_at",
    "cpv_codes",
    "departements",
    "estimated_value",
    "url",
)
#: a field counts as "always filled" at this rate in each of the compared runs …
ALWAYS = 0.95
#: … and as emptied below this rate now
EMPTIED = 0.5
#: runs compared, and notices a run must have written to be judged
HISTORY = 3
MIN_NOTICES = 3


@dataclass
class HealthIssue:
    """Why a run is failing: ``kind`` is ``zero_items`` or ``field_emptied``."""

    kind: str
    message: str
    field: str | None = None


#: what an empty JSON field holds as stored text (SQLAlchemy writes None as JSON ``null``)
_EMPTY_JSON = ("null", "[]", "{}", '""')


def _filled_count(name: str) -> ColumnElement[Any]:
    """How many of the selected notices have field ``name`` filled: a text of at least one
    character, a JSON value other than null or empty, any other value not NULL. Counted by
    the database: a backfill's run writes 100 000 notices, and reading them back into Python to
    count cost a 20 000-notice first crawl about half a second."""
    column = getattr(Notice, name)
    if isinstance(column.type, String):
        filled = column != ""  # not length(): SQLite would count a description's characters
    elif isinstance(column.type, JSON):
        filled = and_(column.is_not(None), cast(column, Text).not_in(_EMPTY_JSON))
    else:
        filled = column.is_not(None)
    return func.sum(case((filled, 1), else_=0))  # NULL only when no row: field_fill stops


def field_fill(session: Session, run: CrawlRun) -> tuple[int, dict[str, float]]:
    """(notices written by the run, fill rate of each tracked field among them)."""
    source = session.get(Source, run.source_id)
    if source is None:
        return 0, {}
    query = select(func.count(), *(_filled_count(name) for name in TRACKED_FIELDS)).where(
        Notice.source == source.name, Notice.updated_at >= run.started_at
    )
    if run.finished_at is not None:
        query = query.where(Notice.updated_at <= run.finished_at)
    total, *counts = session.execute(query).one()
    if not total:
        return 0, {}
    return total, {
        name: round(int(count) / total, 4)
        for name, count in zip(TRACKED_FIELDS, counts, strict=True)
    }


def _previous_runs(session: Session, run: CrawlRun, limit: int) -> list[CrawlRun]:
    return list(
        session.scalars(
            select(CrawlRun)
            .where(
                CrawlRun.source_id == run.source_id,
                CrawlRun.id < run.id,
                CrawlRun.status.in_(("ok", "failing")),
            )
            .order_by(CrawlRun.id.desc())
            .limit(limit)
        )
    )


def source_issues(
    session: Session, run: CrawlRun, fill_rates: tuple[int, dict[str, float]] | None = None
) -> list[HealthIssue]:
    """What is wrong with ``run`` compared with the source's previous runs (no writes);
    ``fill_rates`` is :func:`field_fill`'s answer for the run when the caller has it."""
    issues: list[HealthIssue] = []
    previous = _previous_runs(session, run, HISTORY)
    if run.items_seen == 0 and any(p.items_seen > 0 for p in previous):
        had = next(p for p in previous if p.items_seen > 0)
        issues.append(
            HealthIssue("zero_items", f"zero notices where run #{had.id} had {had.items_seen}")
        )
    total, fill = fill_rates if fill_rates is not None else field_fill(session, run)
    if total < MIN_NOTICES:
        return issues
    history: list[dict[str, Any]] = []
    for p in previous:
        fill_before = p.args.get("field_fill") if isinstance(p.args, dict) else None
        if isinstance(fill_before, dict) and fill_before.get("_notices", 0) >= MIN_NOTICES:
            history.append(fill_before)
    if len(history) < 2:
        return issues
    for name in TRACKED_FIELDS:
        if all(h.get(name, 0) >= ALWAYS for h in history) and fill.get(name, 0) < EMPTIED:
            issues.append(
                HealthIssue(
                    "field_emptied",
                    f"{name} filled in {fill.get(name, 0):.0%} of {total} notices, "
                    f"always ≥{ALWAYS:.0%} in the {len(history)} runs before: layout change?",
                    name,
                )
            )
    return issues


def evaluate_run(session: Session, run_id: int) -> list[HealthIssue]:
    """Judge a finished run: keep its fill rates, mark it failing with the reasons if needed."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        return []
    total, fill = field_fill(session, run)
    issues = source_issues(session, run, (total, fill))
    args = dict(run.args or {})
    args["field_fill"] = {**fill, "_notices": total}
    run.args = args
    if issues:
        run.status = "failing"
        reasons = "; ".join(issue.message for issue in issues)
        run.message = f"{run.message}; {reasons}" if run.message else reasons
        run.finished_at = run.finished_at or utcnow()
    session.flush()
    return issues


def failing_sources(session: Session) -> list[str]:
    """Names of sources whose last run is failing or broken (for ``veilleur status``'s exit code)."""
    last = (
        select(CrawlRun.source_id, func.max(CrawlRun.id).label("run_id"))
        .group_by(CrawlRun.source_id)
        .subquery()
    )
    rows = session.execute(
        select(Source.name)
        .join(last, last.c.source_id == Source.id)
        .join(CrawlRun, CrawlRun.id == last.c.run_id)
        .where(CrawlRun.status.in_(("failing", "error", "interrupted")))
    )
    return sorted(name for (name,) in rows)
