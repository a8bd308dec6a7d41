"""Rule feedback (``veilleur rules report`` and the desk's rules page), on SQLite and
PostgreSQL: which rules analysts found noisy, and what they found that no rule caught."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from db.rule_feedback import rule_feedback
from tests.factories import add_verdict, decision, notice_item, seed_verdicts, store
from vocabulary.decision import Hit

pytestmark = pytest.mark.pg_reuse


def _hit(rule: str) -> Hit:
    return Hit(rule, "v", "videosurveillance", "title", "Caméras et vidéoprotection", 1.0)


def test_noisy_rule_ranks_first(session: Session) -> None:
    seed_verdicts(session)
    first = rule_feedback(session).rules[0]
    assert (first.rule_id, first.not_relevant) == ("videosurveillance.camera_context", 1)


def test_relevant_unflagged_notice_is_found_by_hand(session: Session) -> None:
    seed_verdicts(session)
    assert [m.source_id for m in rule_feedback(session).by_hand] == ["n3"]


def test_unnamed_not_relevant_is_charged_to_every_flagging_rule(session: Session) -> None:
    # judged not relevant while no rule flagged it; new rules flag it later (a rescan)
    item = notice_item(source="boamp", source_id="n4", title="Caméras et vidéoprotection")
    notice = store(session, item, decision(rules_version="v1"))
    add_verdict(session, notice, "not_relevant", note="no surveillance here")
    store(session, item, decision(_hit("a.rule"), _hit("b.rule"), rules_version="v2"))
    session.commit()
    assert {r.rule_id: r.not_relevant for r in rule_feedback(session).rules} == {
        "a.rule": 1,
        "b.rule": 1,
    }


def test_named_not_relevant_is_charged_to_that_rule_only(session: Session) -> None:
    item = notice_item(source="boamp", source_id="n5", title="Caméras et vidéoprotection")
    notice = store(session, item, decision(_hit("a.rule"), _hit("b.rule")))
    add_verdict(session, notice, "not_relevant", note="a sound system", reason_rule="b.rule")
    session.commit()
    assert {r.rule_id: (r.not_relevant, r.blamed) for r in rule_feedback(session).rules} == {
        "a.rule": (0, 0),
        "b.rule": (1, 1),
    }
