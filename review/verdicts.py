"""Recording a verdict: append to the trail, never overwrite a colleague silently.

Every verdict form carries the id of the latest review it showed (``seen_review_id``, None when
the notice had none). :func:`record_verdict` appends the new review with that id as
``previous_review_id`` and moves ``review_heads`` with a compare-and-swap: the UPDATE only
matches while the head is still ``seen_review_id`` (on PostgreSQL a concurrent writer blocks on
the row and then matches nothing; the first review of a notice is an INSERT on the head's
primary key, so two first reviews cannot both succeed). Otherwise :class:`ReviewConflict`
carries the colleague's review and the caller's transaction rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models.base import utcnow
from db.models.notices import Flag
from db.models.review import Review, ReviewHead, User
from vocabulary.errors import VeilleurError
from vocabulary.terms import VERDICTS

__all__ = [
    "ReviewConflict",
    "VerdictError",
    "latest_review",
    "record_verdict",
    "review_trail",
]

#: what an analyst can record (``new`` is the absence of a verdict, or a reset to it)


class VerdictError(VeilleurError, ValueError):
    """Raised when a verdict form is incomplete or names an unknown verdict or rule; the
    message is a key of the interface catalogue (``verdict.err.*`` in ``review/i18n.py``)."""


@dataclass(frozen=True)
class TrailEntry:
    """One review as plain data (it outlives the session and the rolled-back transaction)."""

    id: int
    verdict: str
    reason_rule: str | None
    note: str
    username: str | None
    created_at: datetime
    previous_review_id: int | None
    #: shown to the groups; ``note`` stays among analysts
    public_note: str = ""


class ReviewConflict(VeilleurError):
    """Raised when another analyst recorded a review after the one this form saw; ``current``
    is that colleague's review (None if the head was reset meanwhile)."""

    def __init__(self, current: TrailEntry | None) -> None:
        super().__init__("notice reviewed by someone else meanwhile")
        self.current = current


def _entry(session: Session, review_id: int | None) -> TrailEntry | None:
    if review_id is None:
        return None
    row = session.execute(
        select(Review, User.username)
        .outerjoin(User, User.id == Review.user_id)
        .where(Review.id == review_id)
    ).first()
    if row is None:
        return None
    r, name = row
    return TrailEntry(
        r.id, r.verdict, r.reason_rule, r.note, name, r.created_at, r.previous_review_id,
        r.public_note,
    )  # fmt: skip


def latest_review(session: Session, notice_id: int) -> Review | None:
    head = session.get(ReviewHead, notice_id)
    return session.get(Review, head.review_id) if head else None


def review_trail(session: Session, notice_id: int) -> list[TrailEntry]:
    """Every review of the notice, newest first, with the analyst's name."""
    rows = session.execute(
        select(Review, User.username)
        .outerjoin(User, User.id == Review.user_id)
        .where(Review.notice_id == notice_id)
        .order_by(Review.id.desc())
    )
    return [
        TrailEntry(
            r.id,
            r.verdict,
            r.reason_rule,
            r.note,
            name,
            r.created_at,
            r.previous_review_id,
            r.public_note,
        )
        for r, name in rows
    ]


def _validate(
    session: Session, notice_id: int, verdict: str, reason_rule: str | None, note: str
) -> None:
    if verdict not in VERDICTS:
        raise VerdictError("verdict.err.unknown")
    if verdict != "not_relevant":
        if reason_rule:
            raise VerdictError("verdict.err.rule_only_not_relevant")
        return
    rules = set(session.scalars(select(Flag.rule_id).where(Flag.notice_id == notice_id)))
    if rules and not reason_rule:
        raise VerdictError("verdict.err.need_rule")
    if reason_rule and reason_rule not in rules:
        raise VerdictError("verdict.err.rule_not_fired")
    if not note.strip():
        raise VerdictError("verdict.err.need_note")


def record_verdict(
    session: Session,
    notice_id: int,
    user_id: int | None,
    verdict: str,
    seen_review_id: int | None,
    note: str = "",
    reason_rule: str | None = None,
    public_note: str | None = None,
) -> Review:
    """Append a review; raise :class:`ReviewConflict` if the head moved since the form was
    shown, :class:`VerdictError` if the form is incomplete. ``public_note`` None keeps the
    public note of the current review (the desk's form always sends it, pre-filled).
    ``user_id`` None: recorded from the command line without an account. Does not commit."""
    reason_rule = reason_rule or None
    note = note.strip()[:10_000]
    _validate(session, notice_id, verdict, reason_rule, note)
    head = session.get(ReviewHead, notice_id, populate_existing=True)
    current_id = head.review_id if head else None
    if current_id != seen_review_id:
        raise ReviewConflict(_entry(session, current_id))
    if public_note is None:
        current = session.get(Review, current_id) if current_id is not None else None
        public_note = current.public_note if current is not None else ""
    review = Review(
        notice_id=notice_id,
        user_id=user_id,
        verdict=verdict,
        reason_rule=reason_rule,
        note=note,
        public_note=public_note.strip()[:2_000],
        previous_review_id=seen_review_id,
        created_at=utcnow(),
    )
    session.add(review)
    session.flush()
    if head is None:
        try:
            with session.begin_nested():
                session.add(
                    ReviewHead(
                        notice_id=notice_id,
                        review_id=review.id,
                        verdict=verdict,
                        updated_at=review.created_at,
                    )
                )
        except IntegrityError:
            head = session.get(ReviewHead, notice_id, populate_existing=True)
            raise ReviewConflict(_entry(session, head.review_id if head else None)) from None
        return review
    moved = session.execute(
        update(ReviewHead)
        .where(ReviewHead.notice_id == notice_id, ReviewHead.review_id == seen_review_id)
        .values(review_id=review.id, verdict=verdict, updated_at=review.created_at)
        .execution_options(synchronize_session=False)
    )
    # an UPDATE returns a CursorResult (with rowcount); Session.execute is typed as Result
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.expire_all()
        head = session.get(ReviewHead, notice_id)
        raise ReviewConflict(_entry(session, head.review_id if head else None))
    return review
