"""Rule feedback (``veilleur rules report`` and the desk's rules page), on SQLite and
PostgreSQL: which rules analysts found noisy, and what they found that no rule caught."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import Flag, Notice, Review, ReviewHead
from db.rule_feedback import rule_feedback


def _notice(session: Session, key: str, title: str) -> Notice:
    notice = Notice(
        source="boamp",
        source_key=key,
        source_id=key,
        kind="tender",
        title=title,
        content_hash=key,
        url=f"https://example.invalid/{key}",
    )
    session.add(notice)
    session.flush()
    return notice


def _review(session: Session, notice: Notice, verdict: str, reason_rule: str | None = None) -> None:
    """A review and the notice's head, as the desk writes them (the latest review wins)."""
    review = Review(notice_id=notice.id, verdict=verdict, reason_rule=reason_rule)
    session.add(review)
    session.flush()
    head = session.get(ReviewHead, notice.id)
    if head is None:
        session.add(ReviewHead(notice_id=notice.id, review_id=review.id, verdict=verdict))
    else:
        head.review_id, head.verdict = review.id, verdict
    session.flush()


def _flag(session: Session, notice: Notice, rule: str) -> None:
    session.add(
        Flag(
            notice_id=notice.id,
            rule_id=rule,
            rule_version="v",
            category="videosurveillance",
            field="title",
            snippet=notice.title,
        )
    )


def seed_verdicts(session: Session) -> None:
    """A noisy rule (its notice judged relevant, then not relevant), a good rule, and a
    relevant notice no rule flagged."""
    noisy = _notice(session, "n1", "Caméra pour la communication")
    good = _notice(session, "n2", "Extension vidéoprotection")
    missed = _notice(session, "n3", "Tranquillité publique, plateforme")
    _flag(session, noisy, "videosurveillance.camera_context")
    _flag(session, good, "videosurveillance.terms")
    _review(session, noisy, "relevant")
    _review(session, noisy, "not_relevant")
    _review(session, good, "relevant")
    _review(session, missed, "relevant")
    session.commit()


def test_noisy_rule_ranks_first(session: Session) -> None:
    seed_verdicts(session)
    first = rule_feedback(session).rules[0]
    assert (first.rule_id, first.not_relevant) == ("videosurveillance.camera_context", 1)


def test_relevant_unflagged_notice_is_found_by_hand(session: Session) -> None:
    seed_verdicts(session)
    assert [m.source_id for m in rule_feedback(session).by_hand] == ["n3"]


def test_unnamed_not_relevant_is_charged_to_every_flagging_rule(session: Session) -> None:
    notice = _notice(session, "n4", "Caméras et vidéoprotection")
    _flag(session, notice, "a.rule")
    _flag(session, notice, "b.rule")
    _review(session, notice, "not_relevant")
    session.commit()
    assert {r.rule_id: r.not_relevant for r in rule_feedback(session).rules} == {
        "a.rule": 1,
        "b.rule": 1,
    }


def test_named_not_relevant_is_charged_to_that_rule_only(session: Session) -> None:
    notice = _notice(session, "n5", "Caméras et vidéoprotection")
    _flag(session, notice, "a.rule")
    _flag(session, notice, "b.rule")
    _review(session, notice, "not_relevant", reason_rule="b.rule")
    session.commit()
    assert {r.rule_id: (r.not_relevant, r.blamed) for r in rule_feedback(session).rules} == {
        "a.rule": (0, 0),
        "b.rule": (1, 1),
    }
