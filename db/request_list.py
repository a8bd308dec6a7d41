"""Access requests, the read side: one list for the desk's page, its CSV export, ``veilleur
requests list`` and ``veilleur status``.

The list filters on the *effective* state — a request still ``sent`` whose one-month delay has
run out is listed as refused (implicitly) — computed in SQL from the stored ``refusal_on``, so
SQLite and PostgreSQL agree. The buyer filter is accent- and case-insensitive and runs in Python
on the filtered rows (a desk has hundreds of requests, not millions).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from db.models.digest import Group
from db.models.notices import Notice
from db.models.requests import AccessRequest, ReceivedDocument
from vocabulary.deadlines import PARIS
from vocabulary.errors import FilterError
from vocabulary.requests import REQUEST_STATES

__all__ = [
    "CSV_COLUMNS",
    "LIST_STATES",
    "RequestFilters",
    "RequestRow",
    "effective_state_column",
    "list_requests",
    "state_counts",
]

#: list filters: a stored/effective state, every open request, or those needing action now
LIST_STATES = (*REQUEST_STATES, "open", "actionable")
#: how close to the referral limit a request counts as needing action
CLOSING_DAYS = 14


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class RequestFilters:
    state: str | None = None
    group: str | None = None
    buyer: str | None = None
    #: days since it was sent (since it was created, for a draft)
    older_than: int | None = None
    notice_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RequestFilters:
        """From query-string or command-line values; a bad one raises :class:`FilterError`."""
        state = (args.get("state") or "").strip() or None
        if state and state not in LIST_STATES:
            raise FilterError(f"unknown state {state!r}; expected one of {', '.join(LIST_STATES)}")
        older = (args.get("older_than") or "").strip()
        if older and not older.isdigit():
            raise FilterError(f"older_than must be a number of days, not {older!r}")
        return cls(
            state=state,
            group=(args.get("group") or "").strip() or None,
            buyer=(args.get("buyer") or "").strip() or None,
            older_than=int(older) if older else None,
        )

    def as_args(self) -> dict[str, str]:
        out = {"state": self.state, "group": self.group, "buyer": self.buyer}
        if self.older_than is not None:
            out["older_than"] = str(self.older_than)
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class RequestRow:
    id: int
    notice_id: int
    source: str
    source_id: str
    notice_title: str
    buyer: str
    group: str
    state: str
    effective_state: str
    implicit: bool
    mode: str
    created_at: datetime
    sent_on: date | None
    received_on: date | None
    receipt_estimated: bool
    refusal_on: date | None
    referral_until: date | None
    answered_on: date | None
    outcome: str | None
    referred_on: date | None
    opinion_due: date | None
    opinion_on: date | None
    opinion: str | None
    closed_on: date | None
    documents_asked: int
    documents_received: int

    def age_days(self, today: date) -> int:
        start = self.sent_on or self.created_at.astimezone(PARIS).date()
        return (today - start).days


CSV_COLUMNS = tuple(f.name for f in fields(RequestRow))


def effective_state_column(today: date) -> ColumnElement[str]:
    """``state``, except a sent request whose refusal day has come, which reads ``refused``."""
    return case(
        (
            and_(AccessRequest.state == "sent", AccessRequest.refusal_on <= today),
            "refused",
        ),
        else_=AccessRequest.state,
    )


def _actionable(today: date, effective: ColumnElement[str]) -> ColumnElement[bool]:
    referable = and_(
        AccessRequest.referred_on.is_(None),
        AccessRequest.referral_until >= today,
        or_(effective == "refused", AccessRequest.outcome == "partial"),
        AccessRequest.state != "closed",
    )
    overdue = and_(
        AccessRequest.state == "referred",
        AccessRequest.opinion_on.is_(None),
        AccessRequest.opinion_due <= today,
    )
    return or_(referable, overdue)


#: the request's own columns the list shows (its JSON columns are not loaded: the buyer's name
#: and the number of documents are read in SQL, so a list of thousands stays cheap)
_COLUMNS = (
    "id", "notice_id", "state", "implicit", "mode", "created_at", "sent_on", "received_on",
    "receipt_estimated", "refusal_on", "referral_until", "answered_on", "outcome",
    "referred_on", "opinion_due", "opinion_on", "opinion", "closed_on",
)  # fmt: skip


def _documents_count(session: Session) -> ColumnElement[int]:
    name = session.get_bind().dialect.name
    length = func.jsonb_array_length if name == "postgresql" else func.json_array_length
    return func.coalesce(length(AccessRequest.documents), 0)


def list_requests(
    session: Session, filters: RequestFilters, today: date, limit: int = 2000
) -> list[RequestRow]:
    """Requests matching ``filters`` on ``today`` (a Paris date), newest first."""
    effective = effective_state_column(today)
    received = (
        select(ReceivedDocument.request_id, func.count().label("n"))
        .group_by(ReceivedDocument.request_id)
        .subquery()
    )
    buyer = func.coalesce(
        func.nullif(AccessRequest.recipient["name"].as_string(), ""), Notice.buyer_name, ""
    )
    stmt = (
        select(
            *(getattr(AccessRequest, c) for c in _COLUMNS),
            Notice.source,
            Notice.source_id,
            Notice.title.label("notice_title"),
            buyer.label("buyer"),
            func.coalesce(Group.name, "").label("group"),
            effective.label("effective_state"),
            _documents_count(session).label("documents_asked"),
            func.coalesce(received.c.n, 0).label("documents_received"),
        )
        .join(Notice, Notice.id == AccessRequest.notice_id)
        .outerjoin(Group, Group.id == AccessRequest.group_id)
        .outerjoin(received, received.c.request_id == AccessRequest.id)
    )
    if filters.state == "open":
        stmt = stmt.where(AccessRequest.state != "closed")
    elif filters.state == "actionable":
        stmt = stmt.where(_actionable(today, effective))
    elif filters.state:
        stmt = stmt.where(effective == filters.state)
    if filters.group:
        stmt = stmt.where(Group.name == filters.group)
    if filters.notice_id is not None:
        stmt = stmt.where(AccessRequest.notice_id == filters.notice_id)
    if filters.older_than is not None:
        cutoff = today - timedelta(days=filters.older_than)
        created_cutoff = datetime.combine(cutoff, time.max, tzinfo=PARIS)
        stmt = stmt.where(
            or_(
                AccessRequest.sent_on <= cutoff,
                and_(AccessRequest.sent_on.is_(None), AccessRequest.created_at <= created_cutoff),
            )
        )
    stmt = stmt.order_by(AccessRequest.id.desc()).limit(limit)
    rows = [RequestRow(**row._mapping) for row in session.execute(stmt)]
    if filters.buyer:
        wanted = _fold(filters.buyer)
        rows = [r for r in rows if wanted in _fold(r.buyer)]
    return rows


def state_counts(session: Session, today: date) -> dict[str, int]:
    """Requests per effective state, plus ``actionable`` (what needs a person now)."""
    effective = effective_state_column(today)
    counts: dict[str, int] = {state: 0 for state in REQUEST_STATES}
    for state, n in session.execute(
        select(effective, func.count()).select_from(AccessRequest).group_by(effective)
    ):
        counts[str(state)] = int(n)
    actionable = session.scalar(
        select(func.count()).select_from(AccessRequest).where(_actionable(today, effective))
    )
    counts["actionable"] = int(actionable or 0)
    return counts
