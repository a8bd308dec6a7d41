"""The analysts: users, the append-only review trail, each notice's latest review, and the
second opinion on notices the rules did not flag."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, UTCDateTime, utcnow

__all__ = ["Review", "ReviewHead", "SecondOpinion", "User"]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="analyst")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    """Append-only trail of verdicts. ``verdict``: new, relevant, not_relevant, follow_up,
    foi_requested, documented; ``previous_review_id`` detects concurrent edits. ``note`` stays
    among analysts; ``public_note`` is shown to the groups (digests, feeds, read-only links)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(String(30))
    reason_rule: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    public_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    previous_review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewHead(Base):
    """The latest review of each reviewed notice (one row per notice, written with the review).

    ``reviews`` stays the append-only trail; this row is the compare-and-swap point that keeps
    two analysts from silently overwriting each other (the UPDATE only succeeds when
    ``review_id`` is still the one the analyst's form saw), and it makes the queue's status
    filter a cheap join instead of a "latest row per notice" subquery.
    """

    __tablename__ = "review_heads"
    __table_args__ = (Index("ix_review_heads_verdict", "verdict"),)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    verdict: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SecondOpinion(Base):
    """The second-opinion model's score of a notice the rules did not flag (one row per notice,
    replaced when a new model scores it). ``to_check``: the score reached the model's threshold,
    so the desk lists the notice as "à vérifier"; ``words``: the words that weighed most, as
    ``[[word, weight], …]``. Never a flag: digests and exports ignore it."""

    __tablename__ = "second_opinions"
    __table_args__ = (Index("ix_second_opinions_to_check", "to_check"),)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    to_check: Mapped[bool] = mapped_column(Boolean, default=False)
    words: Mapped[list[Any]] = mapped_column(default=list)
    model_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
