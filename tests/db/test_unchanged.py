"""What a crawl may skip unparsed (db.unchanged.unchanged_keys), and the record digests the store
keeps for it, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Notice
from db.store import upsert_notices
from db.unchanged import unchanged_keys
from tests.factories import boamp_items
from vocabulary.items import DocumentRef, NoticeItem


def _with_digest(item: NoticeItem, digest: str) -> NoticeItem:
    copied = copy.deepcopy(item)
    copied.record_digest = digest
    return copied


def _stored(session: Session, *items: NoticeItem) -> None:
    upsert_notices(session, [(item, None) for item in items])


def test_a_notice_stored_from_the_same_record_is_unchanged(session: Session) -> None:
    item = _with_digest(boamp_items()[0], "d1")
    _stored(session, item)
    assert unchanged_keys(session, "boamp", {item.key: "d1"}) == {item.key}


def test_another_digest_is_not_unchanged(session: Session) -> None:
    item = _with_digest(boamp_items()[0], "d1")
    _stored(session, item)
    assert unchanged_keys(session, "boamp", {item.key: "d2"}) == set()


def test_a_notice_stored_without_a_digest_is_read_again(session: Session) -> None:
    item = boamp_items()[0]
    _stored(session, item)
    assert unchanged_keys(session, "boamp", {item.key: "d1"}) == set()


def test_the_same_key_of_another_source_is_not_unchanged(session: Session) -> None:
    item = _with_digest(boamp_items()[0], "d1")
    _stored(session, item)
    assert unchanged_keys(session, "ted", {item.key: "d1"}) == set()


def test_a_notice_with_a_document_waiting_is_read_again(session: Session) -> None:
    # its document failed to download last time: reading the record again retries it
    item = _with_digest(boamp_items()[0], "d1")
    item.documents = [DocumentRef(url="https://example.org/dce.zip", fetch_error="timeout")]
    _stored(session, item)
    assert unchanged_keys(session, "boamp", {item.key: "d1"}) == set()


def test_an_unknown_key_is_not_unchanged(session: Session) -> None:
    assert unchanged_keys(session, "boamp", {"NOT-STORED": "d1"}) == set()


def test_more_keys_than_one_read_takes(session: Session) -> None:
    items = boamp_items()
    digests = {item.key: f"d{n}" for n, item in enumerate(items)}
    _stored(session, *(_with_digest(item, digests[item.key]) for item in items))
    many = {**digests, **{f"ABSENT-{n}": "x" for n in range(1200)}}
    assert unchanged_keys(session, "boamp", many) == set(digests)


def test_the_same_notice_read_from_a_new_record_takes_its_digest(session: Session) -> None:
    item = boamp_items()[0]
    _stored(session, _with_digest(item, "d1"))
    result = upsert_notices(session, [(_with_digest(item, "d2"), None)])
    stored = session.scalar(select(Notice.record_digest))
    assert (result.unchanged, stored) == (1, "d2")


def test_a_changed_notice_takes_its_record_digest(session: Session) -> None:
    item = boamp_items()[0]
    _stored(session, _with_digest(item, "d1"))
    changed = _with_digest(item, "d2")
    changed.title += " — rectifié"
    _stored(session, changed)
    assert session.scalar(select(Notice.record_digest)) == "d2"


def test_the_digest_does_not_change_the_content_hash() -> None:
    item = boamp_items()[0]
    assert _with_digest(item, "d1").content_hash() == item.content_hash()
