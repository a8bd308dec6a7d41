"""PostgreSQL compresses the large columns with lz4 (migration 0014), where pglz cost a first
crawl's server twice the CPU."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.migrate import upgrade
from db.session import get_engine, session_scope
from db.store import upsert_notices
from tests.db.conftest import downgrade
from tests.factories import boamp_record_notice

pytestmark = pytest.mark.postgres


def _methods(url: str) -> dict[str, str]:
    """Column -> the compression the column asks for ('l' lz4, 'p' pglz, '' the default)."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT attname, attcompression FROM pg_attribute "
                "WHERE attrelid = 'notices'::regclass AND attname IN ('raw', 'description')"
            )
        )
        return {name: str(method) for name, method in rows}


def test_a_stored_notice_is_compressed_with_lz4(pg_url: str) -> None:
    with session_scope(pg_url) as session:
        upsert_notices(session, [(boamp_record_notice(3), None)])
    with get_engine(pg_url).connect() as conn:
        methods = conn.execute(
            text(
                "SELECT pg_column_compression(description), pg_column_compression(raw) FROM notices"
            )
        ).one()
    assert tuple(methods) == ("lz4", "lz4")


def test_downgrading_gives_the_columns_back_their_default(pg_url: str) -> None:
    downgrade(pg_url, "0013")
    assert _methods(pg_url) == {"raw": "", "description": ""}
    upgrade(pg_url)
    assert _methods(pg_url) == {"raw": "l", "description": "l"}
