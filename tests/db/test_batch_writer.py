"""One crawl batch stored as the writer process stores it: whole, or one by one around a bad
notice; flagged notices counted among those the rules read."""

from __future__ import annotations

import dataclasses
import pickle

from sqlalchemy import func, select, update

from db.batch_writer import key_parts, store_batch
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


def test_an_unchanged_batch_decided_ahead_counts_none_flagged(db_url: str) -> None:
    # the crawl ran the rules while it waited for the writer; the store reads none of them
    items = boamp_items()
    items[0].title = "Fourniture et pose de caméras de vidéoprotection urbaine"
    store_batch(db_url, with_decisions(items))
    again = boamp_items()
    again[0].title = items[0].title
    for item in with_decisions(again):
        item.decision.resolve()
    assert default_ruleset().evaluate(notice_texts(again[0])).flagged
    assert store_batch(db_url, again).flagged == 0


def test_a_batch_crosses_to_another_process_and_back_unchanged(db_url: str) -> None:
    # what the writer process receives is the pickled batch
    items = pickle.loads(pickle.dumps(with_decisions(boamp_items())))
    assert store_batch(db_url, items).result.new == len(items)


def test_over_two_connections_a_bad_notice_keeps_its_position_in_the_batch(db_url: str) -> None:
    items = with_decisions(boamp_items())
    items[2].raw = {"unserializable": object()}
    outcome = store_batch(db_url, items, connections=2)
    assert [position for position, _ in outcome.failures] == [2]


def test_over_two_connections_every_notice_is_stored(db_url: str) -> None:
    items = with_decisions(boamp_items())
    outcome = store_batch(db_url, items, connections=2)
    assert (outcome.result.new, stored(db_url)) == (len(items), len(items))


def test_over_two_connections_the_later_version_of_a_notice_is_the_one_kept(db_url: str) -> None:
    items = boamp_items()
    later = dataclasses.replace(items[0], title="Avis rectificatif : vidéoprotection")
    store_batch(db_url, with_decisions([*items, later]), connections=2)
    with session_scope(db_url) as session:
        title = session.scalar(select(Notice.title).where(Notice.source_key == items[0].key))
    assert title == later.title


def test_key_parts_hold_each_notice_whole() -> None:
    items = boamp_items()
    batch = [*items, items[0], items[0]]  # read three times, as re-read pages repeat it
    parts = key_parts(batch, 2)
    part_of = {position: n for n, part in enumerate(parts) for position in part}
    assert (sorted(part_of), len(parts)) == (list(range(len(batch))), 2)
    assert {part_of[i] for i, item in enumerate(batch) if item.key == items[0].key} == {part_of[0]}


def test_stored_one_by_one_the_notices_flagged_anew_are_counted(db_url: str) -> None:
    store_batch(db_url, with_decisions(boamp_items()))
    with session_scope(db_url) as session:  # flagged by rules older than today's
        session.execute(update(Notice).values(rules_version="0-older"))
    again = with_decisions(boamp_items())
    bad = with_decisions(boamp_items())[0]
    bad.source_id, bad.raw = "BAD-1", {"unserializable": object()}
    outcome = store_batch(db_url, [*again, bad])
    assert [position for position, _ in outcome.failures] == [len(again)]
    assert (outcome.result.unchanged, outcome.result.reflagged) == (len(again), len(again))
