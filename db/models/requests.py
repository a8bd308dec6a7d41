"""Access requests (CADA): the request, its trail, what came back, the reminders sent.

Dates of the procedure (sent, received, answered, referred …) are civil dates in Europe/Paris
(``Date`` columns); times of recording stay UTC like everywhere else. The deadlines
(``refusal_on``, ``referral_until``, ``opinion_due``) are computed by
:mod:`vocabulary.deadlines` whenever a date they depend on is recorded, and stored so lists and
reminders filter on plain indexed columns on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow

__all__ = ["AccessRequest", "ReceivedDocument", "RequestEvent", "RequestReminder"]


class AccessRequest(Base):
    """One request for documents about one notice. ``state``: draft, sent, answered, refused,
    referred, closed (``vocabulary.requests``); ``version`` moves on every change, so two
    analysts cannot overwrite each other (a change names the version its form showed)."""

    __tablename__ = "access_requests"
    __table_args__ = (
        Index("ix_access_requests_state_refusal", "state", "refusal_on"),
        Index("ix_access_requests_state_referral", "state", "referral_until"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    outcome: Mapped[str | None] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20), default="email")
    #: [{"key", "label"}] as written in the letter
    documents: Mapped[list[Any]] = mapped_column(default=list)
    #: the documents not communicated, by key (a partial answer)
    missing: Mapped[list[Any]] = mapped_column(default=list)
    #: {"name", "service", "address", "email", "siret", "hint"}
    recipient: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: {"kind", "name", "legal_form", "representative", "address", "email"}
    requester: Mapped[dict[str, Any]] = mapped_column(default=dict)
    place: Mapped[str] = mapped_column(String(200), default="")
    sent_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    receipt_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_on: Mapped[date | None] = mapped_column(Date)
    refusal_on: Mapped[date | None] = mapped_column(Date)
    implicit: Mapped[bool] = mapped_column(Boolean, default=True)
    referral_until: Mapped[date | None] = mapped_column(Date)
    referred_on: Mapped[date | None] = mapped_column(Date)
    opinion_due: Mapped[date | None] = mapped_column(Date)
    opinion_on: Mapped[date | None] = mapped_column(Date)
    opinion: Mapped[str | None] = mapped_column(String(20))
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: the state a closed request was in, for reopening
    closed_from: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    # the ORM's optimistic locking: every UPDATE says "WHERE version = <the one read>" and
    # moves it on, so two concurrent writers cannot both succeed
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RequestEvent(Base):
    """Append-only trail of a request: created, edited, sent, answered, referred, opinion,
    documents, closed, reopened — with who and the data recorded."""

    __tablename__ = "request_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class ReceivedDocument(Base):
    """A file the administration sent back, linked to the notice like a crawled document
    (``notice_document_id``: its ``notice_documents`` row, URL ``request:<id>/…``)."""

    __tablename__ = "received_documents"
    __table_args__ = (
        UniqueConstraint("request_id", "notice_document_id", name="uq_received_documents_link"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), index=True)
    notice_document_id: Mapped[int] = mapped_column(ForeignKey("notice_documents.id"))
    filename: Mapped[str] = mapped_column(String(300))
    received_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RequestReminder(Base):
    """One reminder about one request accepted for one recipient of one group's digest; the
    key (milestone and its date) makes each reminder exactly-once."""

    __tablename__ = "request_reminders"
    __table_args__ = (
        UniqueConstraint("group_id", "recipient", "request_id", "key", name="uq_request_reminders"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    request_id: Mapped[int] = mapped_column(ForeignKey("access_requests.id"), index=True)
    #: "<milestone>:<date>", e.g. "refusal:2025-02-06"
    key: Mapped[str] = mapped_column(String(60))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
