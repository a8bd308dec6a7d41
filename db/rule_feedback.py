"""Which rules make noise, and what no rule caught: the analysts' verdicts turned on the rules.

One query for ``veilleur rules report`` and the desk's rules page. A notice's current verdict
is its latest review (``review_heads``, written with every review). A not-relevant verdict is
charged to the rule the analyst named as the one that misfired, or, when none was named, to
every rule that flagged the notice. Rules are ranked by the not-relevant verdicts charged to
them, then by their noise ratio; the relevant notices found by hand are those an analyst judged
relevant (or further: follow-up, FOI request, documented) that carry no flag at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session

from db.models.notices import Flag, Notice
from db.models.review import Review, ReviewHead
from vocabulary.terms import POSITIVE_VERDICTS

__all__ = ["FoundByHand", "RuleFeedback", "RuleFeedbackReport", "rule_feedback"]


@dataclass(frozen=True)
class RuleFeedback:
    rule_id: str
    #: the rule's category ("" when the rule no longer flags any notice)
    category: str
    #: notices it flagged
    flagged: int
    #: not-relevant verdicts charged to it (named, or unnamed on a notice it flagged)
    not_relevant: int
    #: not-relevant verdicts that named it as the rule that misfired
    blamed: int
    #: notices it flagged whose current verdict is not relevant
    involved: int
    #: notices it flagged whose current verdict is relevant (or further)
    confirmed: int

    @property
    def noise_ratio(self) -> float:
        return self.not_relevant / self.flagged if self.flagged else 0.0


@dataclass(frozen=True)
class FoundByHand:
    """A notice judged relevant (or further) that no rule flagged."""

    id: int
    source_id: str
    title: str
    url: str
    buyer_name: str | None
    published_at: date | None
    verdict: str


@dataclass
class RuleFeedbackReport:
    rules: list[RuleFeedback] = field(default_factory=list)
    by_hand: list[FoundByHand] = field(default_factory=list)


def _counts(session: Session, stmt: Select[str, int]) -> dict[str, int]:
    return {key: int(n) for key, n in session.execute(stmt).all()}


def _per_rule(session: Session) -> list[tuple[str, str, int, int, int]]:
    """(rule, category, flagged, involved, confirmed) for every rule that flags a notice."""
    notices = func.count(func.distinct(Flag.notice_id))
    rows = session.execute(
        select(
            Flag.rule_id,
            func.min(Flag.category),
            notices,
            notices.filter(ReviewHead.verdict == "not_relevant"),
            notices.filter(ReviewHead.verdict.in_(POSITIVE_VERDICTS)),
        )
        .outerjoin(ReviewHead, ReviewHead.notice_id == Flag.notice_id)
        .group_by(Flag.rule_id)
    ).all()
    return [(rule, cat or "", int(n), int(inv), int(conf)) for rule, cat, n, inv, conf in rows]


def _not_relevant_current() -> Subquery:
    """Current reviews that say not relevant (a join of heads and their reviews)."""
    return (
        select(Review.notice_id, Review.reason_rule)
        .join(ReviewHead, ReviewHead.review_id == Review.id)
        .where(ReviewHead.verdict == "not_relevant")
        .subquery()
    )


def _charged(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """(named, unnamed): not-relevant verdicts naming each rule, and unnamed ones per rule
    that flagged the notice."""
    current = _not_relevant_current()
    named = _counts(
        session,
        select(current.c.reason_rule, func.count(func.distinct(current.c.notice_id)))
        .where(current.c.reason_rule.is_not(None))
        .group_by(current.c.reason_rule),
    )
    unnamed = _counts(
        session,
        select(Flag.rule_id, func.count(func.distinct(Flag.notice_id)))
        .join(current, current.c.notice_id == Flag.notice_id)
        .where(current.c.reason_rule.is_(None))
        .group_by(Flag.rule_id),
    )
    return named, unnamed


def _found_by_hand(session: Session, limit: int | None) -> list[FoundByHand]:
    has_flag = select(Flag.id).where(Flag.notice_id == Notice.id).exists()
    stmt = (
        select(
            Notice.id,
            Notice.source_id,
            Notice.title,
            Notice.url,
            Notice.buyer_name,
            Notice.published_at,
            ReviewHead.verdict,
        )
        .join(ReviewHead, ReviewHead.notice_id == Notice.id)
        .where(ReviewHead.verdict.in_(POSITIVE_VERDICTS), ~has_flag)
        .order_by(Notice.published_at.desc(), Notice.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        FoundByHand(nid, source_id, title or "", url or "", buyer, published, verdict)
        for nid, source_id, title, url, buyer, published, verdict in session.execute(stmt)
    ]


def rule_feedback(session: Session, limit: int | None = None) -> RuleFeedbackReport:
    """Rules ranked by the not-relevant verdicts charged to them (then noise ratio, id), and
    the relevant notices found by hand, newest first; ``limit`` caps each list."""
    named, unnamed = _charged(session)
    per_rule = {row[0]: row for row in _per_rule(session)}
    rules = []
    for rule_id in sorted(set(per_rule) | set(named)):
        _rule, category, flagged, involved, confirmed = per_rule.get(
            rule_id, (rule_id, "", 0, 0, 0)
        )
        blamed = named.get(rule_id, 0)
        charged = blamed + unnamed.get(rule_id, 0)
        rules.append(RuleFeedback(rule_id, category, flagged, charged, blamed, involved, confirmed))
    rules.sort(key=lambda r: (-r.not_relevant, -r.noise_ratio, r.rule_id))
    return RuleFeedbackReport(
        rules=rules if limit is None else rules[:limit],
        by_hand=_found_by_hand(session, limit),
    )
