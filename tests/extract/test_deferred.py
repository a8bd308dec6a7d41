"""A deferred decision: the rules run on first read only, and survive pickling unread."""

from __future__ import annotations

import pickle

import pytest

from extract.deferred import DeferredDecision
from extract.rules import default_ruleset
from vocabulary.decision import TextField

TEXTS = [TextField("title", "Fourniture et pose de caméras de vidéoprotection urbaine")]


def test_reading_a_field_runs_the_rules_once() -> None:
    decision = DeferredDecision(default_ruleset().version, TEXTS)
    assert not decision.evaluated
    assert decision.flagged == default_ruleset().evaluate(TEXTS).flagged
    assert decision.evaluated and decision.resolve() is decision.resolve()


def test_rules_run_ahead_of_need_are_not_read_until_a_field_is() -> None:
    decision = DeferredDecision(default_ruleset().version, TEXTS)
    decision.resolve()
    assert (decision.evaluated, decision.read) == (True, False)
    assert decision.flagged
    assert decision.read


def test_the_rules_version_is_read_without_running_them() -> None:
    decision = DeferredDecision(default_ruleset().version, TEXTS)
    assert decision.rules_version == default_ruleset().version
    assert not decision.evaluated


def test_pickled_unread_it_decides_on_the_other_side() -> None:
    copy = pickle.loads(pickle.dumps(DeferredDecision(default_ruleset().version, TEXTS)))
    assert not copy.evaluated
    assert copy.categories == default_ruleset().evaluate(TEXTS).categories


def test_rules_of_another_version_are_refused() -> None:
    decision = DeferredDecision("other-rules@0", TEXTS)
    with pytest.raises(RuntimeError, match="other-rules@0"):
        decision.resolve()


def test_private_names_are_not_read_through() -> None:
    decision = DeferredDecision(default_ruleset().version, TEXTS)
    with pytest.raises(AttributeError):
        decision._missing  # noqa: B018
    assert not decision.evaluated
