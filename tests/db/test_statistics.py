"""The planner's statistics follow a bulk load (db.statistics): analyzed when the notices
outgrow them, not before, and never on SQLite."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import text

from db.session import session_scope
from db.statistics import MIN_CHANGES, analyze_if_outgrown
from db.store import upsert_notices
from tests.factories import boamp_items


def _load(url: str, count: int, prefix: str) -> None:
    """``count`` notices more, in one transaction; on PostgreSQL the backend's table counters
    are flushed at once (they reach pg_stat_user_tables within seconds otherwise)."""
    base = boamp_items()[0]
    items = []
    for n in range(count):
        item = copy.deepcopy(base)
        item.source_id = f"{prefix}-{n}"
        items.append((item, None))
    with session_scope(url) as session:
        upsert_notices(session, items)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_stat_force_next_flush()"))


def _reltuples(url: str) -> float:
    with session_scope(url) as session:
        return float(
            session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'notices'"))
        )


@pytest.mark.postgres
def test_a_table_grown_from_nothing_is_analyzed(pg_url: str) -> None:
    _load(pg_url, MIN_CHANGES + 10, "a")
    with session_scope(pg_url) as session:
        analyzed = analyze_if_outgrown(session)
    assert (analyzed, _reltuples(pg_url)) == (True, MIN_CHANGES + 10)


@pytest.mark.postgres
def test_the_search_document_has_statistics_after_an_analysis(pg_url: str) -> None:
    """The planner estimates how many notices a searched word finds from them."""
    _load(pg_url, MIN_CHANGES + 10, "a")
    with session_scope(pg_url) as session:
        analyze_if_outgrown(session)
        elements = session.scalar(
            text(
                "SELECT most_common_elems IS NOT NULL FROM pg_stats "
                "WHERE tablename = 'notices' AND attname = 'search_document'"
            )
        )
    assert elements is True


@pytest.mark.postgres
def test_a_table_not_yet_doubled_is_left_alone(pg_url: str) -> None:
    _load(pg_url, MIN_CHANGES + 10, "a")
    with session_scope(pg_url) as session:
        analyze_if_outgrown(session)
    _load(pg_url, MIN_CHANGES // 2, "b")
    with session_scope(pg_url) as session:
        assert analyze_if_outgrown(session) is False


@pytest.mark.postgres
def test_a_table_doubled_again_is_analyzed_again(pg_url: str) -> None:
    _load(pg_url, MIN_CHANGES + 10, "a")
    with session_scope(pg_url) as session:
        analyze_if_outgrown(session)
    _load(pg_url, MIN_CHANGES + 20, "b")
    with session_scope(pg_url) as session:
        assert analyze_if_outgrown(session) is True


@pytest.mark.postgres
def test_few_changes_are_left_to_autovacuum(pg_url: str) -> None:
    _load(pg_url, 50, "a")
    with session_scope(pg_url) as session:
        assert analyze_if_outgrown(session) is False


def test_sqlite_is_never_analyzed(sqlite_url: str) -> None:
    _load(sqlite_url, MIN_CHANGES + 10, "a")
    with session_scope(sqlite_url) as session:
        assert analyze_if_outgrown(session) is False
