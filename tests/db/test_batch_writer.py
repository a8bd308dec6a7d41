"""One crawl batch stored as the writer process stores it: whole, or one by one around a bad
notice; flagged notices counted among those the rules read."""

from __future__ import annotations

import pickle

from sqlalchemy import func, select

from db.batch_writer import store_batch
from db.models import Notice
from db.session import session_scope
from extract.deferred import DeferredDecision
from extract.fields import notice_texts
from extract.rules import default_ruleset
from tests.factories import boamp_items
from vocabulary.items import NoticeItem


def deferred(item: NoticeItem) -> DeferredDecision:
    texts = notice_texts(item)
    return DeferredDecision(default_ruleset().version, texts)


def with_decisions(items: list[NoticeItem]) -> list[NoticeItem]:
    for item in items:
        item.decision = deferred(item)
    return items


def stored(url: str) -> int:
    with session_scope(url) as session:
        return int(session.scalar(select(func.count()).select_from(Notice)) or 0)


def test_a_bad_notice_costs_only_itself(db_url: str) -> None:
    items = with_decisions(boamp_items())
    items[2].raw = {"unserializable": object()}  # the JSON column refuses it
    outcome = store_batch(db_url, items)
    assert [position for position, _ in outcome.failures] == [2]
    assert outcome.failures[0][1] == "TypeError: Type is not JSON serializable: object"
    assert (outcome.result.new, stored(db_url)) == (len(items) - 1, len(items) - 1)


def test_flagged_counts_the_notices_the_rules_flagged(db_url: str) -> None:
    items = boamp_items()
    items[0].title = items[3].title = "Fourniture et pose de caméras de vidéoprotection urbaine"
    expected = sum(1 for item in with_decisions(items) if item.decision.flagged)
    for item in items:  # evaluated again by the store: a fresh, unread decision each
        item.decision = deferred(item)
    assert expected >= 2
    assert store_batch(db_url, items).flagged == expected


def test_an_unchanged_batch_runs_no_rules(db_url: str) -> None:
    store_batch(db_url, with_decisions(boamp_items()))
    again = with_decisions(boamp_items())
    outcome = store_batch(db_url, again)
    assert outcome.result.unchanged == len(again)
    assert outcome.flagged == 0
    assert not any(item.decision.evaluated for item in again)


def test_a_batch_crosses_to_another_process_and_back_unchanged(db_url: str) -> None:
    # what the writer process receives is the pickled batch
    items = pickle.loads(pickle.dumps(with_decisions(boamp_items())))
    assert store_batch(db_url, items).result.new == len(items)
