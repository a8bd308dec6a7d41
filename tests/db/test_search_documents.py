"""PostgreSQL keeps each notice's search document in a stored generated column (migration 0016):
searches read it instead of recomputing ``to_tsvector`` from the text."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session

from db.fulltext import PG_SEARCH_COLUMN, searched_by_index
from db.migrate import upgrade
from db.models import Notice
from db.notice_list import NoticeFilters, notice_count, notice_page
from db.session import get_engine, session_scope
from db.store import upsert_notices
from tests.db.conftest import downgrade
from tests.factories import boamp_record_notice
from vocabulary.items import NoticeItem

pytestmark = pytest.mark.postgres


def _found(url: str, query: str) -> list[str]:
    with session_scope(url) as session:
        page = notice_page(session, NoticeFilters(query=query, include_unflagged=True))
        return [row["source_id"] for row in page.rows]


def _store(url: str, notice: NoticeItem) -> None:
    with session_scope(url) as session:
        upsert_notices(session, [(notice, None)])


def _plan_by_the_index(url: str, query: str) -> str:
    with get_engine(url).connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # a table of one row is read whole
        return "\n".join(
            conn.scalars(
                text(
                    f"EXPLAIN SELECT id FROM notices WHERE {PG_SEARCH_COLUMN} @@ "
                    "to_tsquery('veilleur_fr', :q)"
                ),
                {"q": query},
            )
        )


def test_a_stored_notice_has_its_search_document(pg_url: str) -> None:
    _store(pg_url, boamp_record_notice())
    with get_engine(pg_url).connect() as conn:
        document = conn.scalar(text(f"SELECT {PG_SEARCH_COLUMN}::text FROM notices"))
    assert "'chenov'" in document  # "Chenôve", unaccented and stemmed


def test_a_changed_text_is_searched_under_its_new_words(pg_url: str) -> None:
    notice = boamp_record_notice()
    _store(pg_url, notice)
    with session_scope(pg_url) as session:
        session.execute(
            update(Notice).values(title="Drones de surveillance", description="Survols")
        )
    assert _found(pg_url, "drones") == [notice.source_id]
    assert _found(pg_url, "nautique") == []


def test_the_search_index_is_over_the_column(pg_url: str) -> None:
    with get_engine(pg_url).connect() as conn:
        definition = conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_notices_fulltext'")
        )
    assert definition.endswith(f"USING gin ({PG_SEARCH_COLUMN})")


def test_a_search_by_the_index_does_not_recompute_the_document(pg_url: str) -> None:
    _store(pg_url, boamp_record_notice())
    plan = _plan_by_the_index(pg_url, "centre <-> nautique")  # a phrase: rows are rechecked
    assert "Recheck Cond" in plan and "to_tsvector" not in plan


def test_notices_stored_before_the_migration_are_found_after_it(pg_url: str) -> None:
    notice = boamp_record_notice()
    _store(pg_url, notice)
    downgrade(pg_url, "0015")
    upgrade(pg_url)
    assert _found(pg_url, "Chenove nautique") == [notice.source_id]


def test_downgrading_puts_the_expression_index_back(pg_url: str) -> None:
    downgrade(pg_url, "0015")
    with get_engine(pg_url).connect() as conn:
        definition = conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_notices_fulltext'")
        )
        columns = conn.scalars(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'notices'")
        ).all()
    assert "to_tsvector" in definition and PG_SEARCH_COLUMN not in columns


def _seqscan(session: Session) -> str:
    return str(session.scalar(text("SHOW enable_seqscan")))


def test_a_search_runs_with_sequential_scans_off(pg_url: str) -> None:
    with session_scope(pg_url) as session, searched_by_index(session, searching=True):
        assert _seqscan(session) == "off"


def test_sequential_scans_are_back_after_the_search(pg_url: str) -> None:
    with session_scope(pg_url) as session:
        with searched_by_index(session, searching=True):
            pass
        assert _seqscan(session) == "on"


def test_a_list_without_search_keeps_sequential_scans(pg_url: str) -> None:
    with session_scope(pg_url) as session, searched_by_index(session, searching=False):
        assert _seqscan(session) == "on"


def test_the_desk_count_of_a_search_is_planned_by_the_index(pg_url: str) -> None:
    statements: list[str] = []
    engine = get_engine(pg_url)

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with session_scope(pg_url) as session:
            notice_count(session, NoticeFilters(query="caméras", include_unflagged=True))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert "SET LOCAL enable_seqscan = off" in statements
