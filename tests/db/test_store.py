"""Batch upsert on SQLite and PostgreSQL: idempotent, versioned, flags replaced, links resolved."""

from __future__ import annotations

import copy

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Flag, Notice, NoticeLink, NoticeVersion
from db.store import upsert_notices
from tests.factories import boamp_items
from vocabulary.decision import Decision, Hit


def decision(flagged: bool, rules: str = "r@1") -> Decision:
    hits = (Hit("cctv", rules, "videosurveillance", "title", "caméras", 3.0),) if flagged else ()
    return Decision(
        flagged, 3.0 if flagged else 0.0, ("videosurveillance",) if flagged else (), hits, rules
    )


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_first_store_inserts_all(session: Session) -> None:
    result = upsert_notices(session, [(i, decision(False)) for i in boamp_items()])
    assert (result.new, count(session, Notice)) == (20, 20)


def test_second_store_changes_nothing(session: Session) -> None:
    upsert_notices(session, [(i, decision(False)) for i in boamp_items()])
    result = upsert_notices(session, [(i, decision(False)) for i in boamp_items()])
    assert (result.unchanged, result.new, result.changed) == (20, 0, 0)


def test_changed_title_bumps_version(session: Session) -> None:
    items = boamp_items()
    upsert_notices(session, [(items[0], None)])
    changed = copy.deepcopy(items[0])
    changed.title += " — rectifié"
    upsert_notices(session, [(changed, None)])
    assert session.scalar(select(Notice.version)) == 2


def test_changed_notice_keeps_both_versions(session: Session) -> None:
    items = boamp_items()
    upsert_notices(session, [(items[0], None)])
    changed = copy.deepcopy(items[0])
    changed.title += " — rectifié"
    upsert_notices(session, [(changed, None)])
    assert count(session, NoticeVersion) == 2


def test_same_id_in_other_case_is_the_same_notice(session: Session) -> None:
    items = boamp_items()
    upsert_notices(session, [(items[0], None)])
    respelled = copy.deepcopy(items[0])
    respelled.source_id = " " + items[0].source_id.lower()
    upsert_notices(session, [(respelled, None)])
    assert count(session, Notice) == 1


def test_flags_are_stored_with_rule_and_snippet(session: Session) -> None:
    upsert_notices(session, [(boamp_items()[0], decision(True))])
    flag = session.scalars(select(Flag)).one()
    assert (flag.rule_id, flag.category, flag.field, flag.snippet) == (
        "cctv",
        "videosurveillance",
        "title",
        "caméras",
    )


def test_new_rules_version_replaces_flags_of_unchanged_notice(session: Session) -> None:
    item = boamp_items()[0]
    upsert_notices(session, [(item, decision(True, "r@1"))])
    upsert_notices(session, [(item, decision(False, "r@2"))])
    assert (count(session, Flag), session.scalar(select(Notice.flagged))) == (0, False)


def test_link_waits_for_its_target_then_resolves(session: Session) -> None:
    items = boamp_items()
    correction = copy.deepcopy(items[1])
    correction.source_id, correction.kind, correction.related_ids = (
        "C-1",
        "correction",
        [items[0].source_id],
    )
    upsert_notices(session, [(correction, None)])
    upsert_notices(session, [(items[0], None)])
    link = session.scalars(select(NoticeLink)).one()
    target = session.scalar(select(Notice.id).where(Notice.source_key == items[0].key))
    assert (link.relation, link.target_notice_id) == ("corrects", target)


def test_nul_in_raw_payload_is_stored(session: Session) -> None:
    item = boamp_items()[0]
    item.raw = dict(item.raw, objet="a\x00b")
    upsert_notices(session, [(item, None)])
    assert session.scalar(select(Notice.raw))["objet"] == "ab"


def _found(session: Session, words: str) -> list[str]:
    from db.notice_list import NoticeFilters, iter_notices

    filters = NoticeFilters(query=words, include_unflagged=True)
    return sorted(row["title"] for row in iter_notices(session, filters))


def test_a_stored_batch_is_searchable_like_notices_added_one_by_one(session: Session) -> None:
    from sqlalchemy import text

    items = boamp_items()
    upsert_notices(session, [(item, None) for item in items[:10]])  # one batch
    for item in items[10:]:
        session.add(
            Notice(
                source=item.source,
                source_key=item.key,
                source_id=item.source_id,
                kind=item.kind,
                title=item.title,
                buyer_name=item.buyer_name,
                content_hash=item.content_hash(),
            )
        )  # the ORM path, indexed by the trigger
    session.flush()
    words = sorted({w.lower() for item in items for w in item.title.split() if len(w) > 6})
    hits = {word: _found(session, word) for word in words}
    for item in items:  # each notice is found by the longest word of its title
        longest = max(item.title.split(), key=len).lower()
        assert item.title in hits[longest], item.title
    if session.get_bind().dialect.name == "sqlite":
        # the deferral never outlives the batch, and the index holds what rebuilding it from
        # the rows gives
        assert session.execute(text("SELECT count(*) FROM fulltext_deferred")).scalar() == 0
        session.execute(text("INSERT INTO notices_fts(notices_fts) VALUES ('rebuild')"))
        assert {word: _found(session, word) for word in words} == hits


def test_each_new_notice_of_a_batch_gets_its_own_version_and_flags(session: Session) -> None:
    items = boamp_items()[:5]
    upsert_notices(session, [(item, decision(i == 3)) for i, item in enumerate(items)])
    versions = session.execute(
        select(Notice.source_key, NoticeVersion.data["title"].as_string())
        .join(NoticeVersion, NoticeVersion.notice_id == Notice.id)
        .order_by(Notice.source_key)
    ).all()
    flagged = session.scalars(select(Notice.source_key).join(Flag, Flag.notice_id == Notice.id))
    assert (versions, list(flagged)) == (
        sorted((item.key, item.title) for item in items),
        [items[3].key],
    )
