"""What the groups' digests should remind about access requests, and what they already did.

A reminder is keyed by its milestone and the date (or count) it is about —
``refusal:2025-02-06``, ``closing:2025-04-05``, ``opinion:2025-05-02``, ``documents:3`` — so it
is sent once per recipient, and again only when the fact changes (a new refusal date after a
corrected sending date, a third file received). Session first, never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from db.models.documents import Document, NoticeDocument
from db.models.notices import Flag, Notice
from db.models.requests import AccessRequest, ReceivedDocument, RequestReminder
from db.request_list import CLOSING_DAYS

__all__ = ["ReminderView", "delivered_reminders", "record_reminders", "reminders_due"]

#: document statuses that mean "read" (anything but waiting)
_UNREAD = ("pending",)


@dataclass(frozen=True)
class ReminderView:
    """One thing to remind a group about one request."""

    request_id: int
    notice_id: int
    group_id: int | None
    milestone: str
    key: str
    title: str
    buyer: str
    sent_on: date | None = None
    refusal_on: date | None = None
    implicit: bool = True
    receipt_estimated: bool = False
    referral_until: date | None = None
    opinion_due: date | None = None
    documents: int = 0
    pages: int = 0
    flagged_pages: int = 0


def _base(r: AccessRequest, title: str, buyer: str | None, milestone: str, key: str) -> dict:
    return {
        "request_id": r.id,
        "notice_id": r.notice_id,
        "group_id": r.group_id,
        "milestone": milestone,
        "key": key,
        "title": title,
        "buyer": str((r.recipient or {}).get("name") or buyer or ""),
        "sent_on": r.sent_on,
        "refusal_on": r.refusal_on,
        "implicit": r.implicit,
        "receipt_estimated": r.receipt_estimated,
        "referral_until": r.referral_until,
        "opinion_due": r.opinion_due,
    }


def _received_counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """request id -> (files read, their pages, their flagged pages)."""
    if not ids:
        return {}
    rows = session.execute(
        select(ReceivedDocument.request_id, Document.id, Document.page_count, Document.status)
        .join(NoticeDocument, NoticeDocument.id == ReceivedDocument.notice_document_id)
        .join(Document, Document.id == NoticeDocument.document_id)
        .where(ReceivedDocument.request_id.in_(ids))
    )
    out: dict[int, tuple[int, int, int]] = {}
    docs: dict[int, set[int]] = {}
    for request_id, doc_id, pages, status in rows:
        if status in _UNREAD:
            continue
        files, total, flagged = out.get(request_id, (0, 0, 0))
        out[request_id] = (files + 1, total + (pages or 0), flagged)
        docs.setdefault(request_id, set()).add(doc_id)
    for request_id, doc_ids in docs.items():
        pairs = session.execute(
            select(Flag.document_id, Flag.page)
            .where(Flag.document_id.in_(doc_ids), Flag.page.is_not(None))
            .distinct()
        ).all()
        files, total, _ = out[request_id]
        out[request_id] = (files, total, len(pairs))
    return out


def reminders_due(session: Session, today: date) -> list[ReminderView]:
    """Every reminder due on ``today`` (a Paris date), for requests not closed."""
    rows = list(
        session.execute(
            select(AccessRequest, Notice.title, Notice.buyer_name)
            # the letters' JSON (documents, requester) is not needed here: not loaded
            .options(
                defer(AccessRequest.documents),
                defer(AccessRequest.requester),
                defer(AccessRequest.missing),
            )
            .join(Notice, Notice.id == AccessRequest.notice_id)
            .where(AccessRequest.state.not_in(("draft", "closed")))
            .order_by(AccessRequest.id)
        )
    )
    received = _received_counts(session, [r.id for r, _, _ in rows])
    out: list[ReminderView] = []
    for r, title, buyer in rows:
        refusal, until = r.refusal_on, r.referral_until
        not_referred = r.referred_on is None and r.state != "referred"
        if not_referred and refusal and until and refusal <= today <= until:
            key = f"refusal:{refusal}"
            out.append(ReminderView(**_base(r, title, buyer, "refusal", key)))
            if today >= until - timedelta(days=CLOSING_DAYS):
                key = f"closing:{until}"
                out.append(ReminderView(**_base(r, title, buyer, "closing", key)))
        if (
            r.state == "referred"
            and r.opinion_on is None
            and r.opinion_due
            and r.opinion_due <= today
        ):
            key = f"opinion:{r.opinion_due}"
            out.append(ReminderView(**_base(r, title, buyer, "opinion", key)))
        if r.id in received:
            files, pages, flagged = received[r.id]
            base = _base(r, title, buyer, "documents", f"documents:{files}")
            out.append(ReminderView(**base, documents=files, pages=pages, flagged_pages=flagged))
    return out


def delivered_reminders(session: Session, group_id: int) -> dict[str, set[tuple[int, str]]]:
    """recipient -> (request id, key) of every reminder this group's digests carried."""
    out: dict[str, set[tuple[int, str]]] = {}
    rows = session.execute(
        select(RequestReminder.recipient, RequestReminder.request_id, RequestReminder.key).where(
            RequestReminder.group_id == group_id
        )
    )
    for recipient, request_id, key in rows:
        out.setdefault(recipient, set()).add((request_id, key))
    return out


def record_reminders(
    session: Session,
    group_id: int,
    recipient: str,
    keys: Iterable[tuple[int, str]],
    now: datetime,
) -> None:
    """Record reminders accepted by the mail server; one recorded already is left alone."""
    rows = [
        {
            "group_id": group_id,
            "recipient": recipient,
            "request_id": rid,
            "key": key,
            "sent_at": now,
        }
        for rid, key in dict.fromkeys(keys)
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(RequestReminder).on_conflict_do_nothing(
        index_elements=["group_id", "recipient", "request_id", "key"]
    )
    session.execute(stmt, rows)
