"""Local groups and what their digests delivered to whom."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow

__all__ = ["GROUP_SELECTIONS", "Delivery", "DigestSend", "Group", "ReadLink"]

#: which notices a group receives: ``flagged`` — flagged by the rules and not rejected by the
#: analysts, plus those the analysts confirmed (the default); ``confirmed`` — only confirmed
GROUP_SELECTIONS = ("flagged", "confirmed")


class Group(Base):
    """A local group: who receives what, for which territory, how often."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    departements: Mapped[list[Any]] = mapped_column(default=list)
    communes: Mapped[list[Any]] = mapped_column(default=list)
    epcis: Mapped[list[Any]] = mapped_column(default=list)
    #: categories to include; empty means all
    categories: Mapped[list[Any]] = mapped_column(default=list)
    min_score: Mapped[float] = mapped_column(Float, default=0.0)
    cadence: Mapped[str] = mapped_column(String(10), default="daily")
    #: one of GROUP_SELECTIONS
    selection: Mapped[str] = mapped_column(String(20), default="flagged", server_default="flagged")
    #: how readers reach the group (an address or a web page), printed in every digest
    contact: Mapped[str] = mapped_column(String(320), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """One notice (at one version, for one reason) delivered to one recipient of one group."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "group_id", "recipient", "notice_id", "reason", "content_hash", name="uq_deliveries"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    #: new, update, deadline
    reason: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DigestSend(Base):
    """One digest message accepted by the SMTP server for one recipient of one group.

    Deliveries say *which notices* a recipient got; this says *when* they last got a message,
    so the operators' section (failed jobs) is reported once per recipient, not once per run.
    """

    __tablename__ = "digest_sends"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    message_id: Mapped[str] = mapped_column(String(300), default="")
    entries: Mapped[int] = mapped_column(Integer, default=0)
    jobs_reported: Mapped[int] = mapped_column(Integer, default=0)


class ReadLink(Base):
    """A group's read-only link: whoever holds its signed token may read the notices Veilleur
    shows to groups, without an account. Revoked links open nothing."""

    __tablename__ = "read_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
