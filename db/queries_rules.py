"""Which rules make noise: not-relevant verdicts per rule, and relevant notices no rule caught.

Shared by ``veilleur rules report`` and the web UI. The current verdict of a notice is its
latest review (reviews are an append-only trail). A not-relevant verdict is charged to its
``reason_rule`` when the analyst named one, otherwise to every rule that flagged the notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models.notices import Flag, Notice
from db.models.review import Review

__all__ = ["MissedNotice", "RuleNoise", "RulesReport", "rules_report"]


@dataclass(frozen=True)
class RuleNoise:
    rule_id: str
    flagged_notices: int
    not_relevant: int

    @property
    def noise_ratio(self) -> float:
        return self.not_relevant / self.flagged_notices if self.flagged_notices else 0.0


@dataclass(frozen=True)
class MissedNotice:
    notice_id: int
    source_id: str
    title: str
    url: str


@dataclass
class RulesReport:
    rules: list[RuleNoise] = field(default_factory=list)
    missed: list[MissedNotice] = field(default_factory=list)


def _current_verdicts(session: Session) -> dict[int, Review]:
    latest = (
        select(Review.notice_id, func.max(Review.id).label("rid"))
        .group_by(Review.notice_id)
        .subquery()
    )
    rows = session.scalars(select(Review).join(latest, Review.id == latest.c.rid))
    return {r.notice_id: r for r in rows}


def rules_report(session: Session) -> RulesReport:
    """Rules ranked by not-relevant verdicts, and relevant notices that carry no flag."""
    flagged: dict[str, int] = dict(
        session.execute(
            select(Flag.rule_id, func.count(func.distinct(Flag.notice_id))).group_by(Flag.rule_id)
        ).all()
    )
    verdicts = _current_verdicts(session)
    rules_of: dict[int, set[str]] = {}
    for notice_id, rule_id in session.execute(select(Flag.notice_id, Flag.rule_id).distinct()):
        rules_of.setdefault(notice_id, set()).add(rule_id)
    noise: dict[str, int] = {}
    missed_ids: list[int] = []
    for notice_id, review in verdicts.items():
        if review.verdict == "not_relevant":
            charged = {review.reason_rule} if review.reason_rule else rules_of.get(notice_id, set())
            for rule_id in charged:
                noise[rule_id] = noise.get(rule_id, 0) + 1
        elif review.verdict == "relevant" and notice_id not in rules_of:
            missed_ids.append(notice_id)
    report = RulesReport()
    for rule_id in set(flagged) | set(noise):
        report.rules.append(RuleNoise(rule_id, flagged.get(rule_id, 0), noise.get(rule_id, 0)))
    report.rules.sort(key=lambda r: (-r.not_relevant, -r.noise_ratio, r.rule_id))
    if missed_ids:
        for n in session.scalars(
            select(Notice).where(Notice.id.in_(missed_ids)).order_by(Notice.id)
        ):
            report.missed.append(MissedNotice(n.id, n.source_id, n.title or "", n.url or ""))
    return report
