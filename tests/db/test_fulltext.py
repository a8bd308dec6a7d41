"""db.fulltext: search objects survive a table rebuild; user text never becomes FTS syntax."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.fulltext import ensure_fulltext, fts5_query
from db.migrate import upgrade
from db.session import get_engine
from tests.db.conftest import downgrade

pytestmark = pytest.mark.pg_reuse


def test_ensure_restores_dropped_triggers(sqlite_url: str) -> None:
    engine = get_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER notices_fts_ai"))  # what a batch ALTER TABLE does
        assert ensure_fulltext(conn) is True
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
    assert "notices_fts_ai" in names


def _automerge(url: str) -> int:
    with get_engine(url).connect() as conn:
        return int(
            conn.execute(
                text("SELECT v FROM notices_fts_config WHERE k = 'automerge'")
            ).scalar_one()
        )


def test_the_notices_index_merges_eight_segments_at_a_time(sqlite_url: str) -> None:
    assert _automerge(sqlite_url) == 8


def test_a_rebuilt_notices_index_merges_eight_at_a_time(sqlite_url: str) -> None:
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(text("DROP TABLE notices_fts"))
        assert ensure_fulltext(conn) is True
    assert _automerge(sqlite_url) == 8


def test_downgrading_merges_four_at_a_time_again(sqlite_url: str) -> None:
    downgrade(sqlite_url, "0014")
    assert _automerge(sqlite_url) == 4
    upgrade(sqlite_url)
    assert _automerge(sqlite_url) == 8


def test_ensure_is_a_no_op_when_complete(db_url: str) -> None:
    with get_engine(db_url).begin() as conn:
        assert ensure_fulltext(conn) is False


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('NEAR("x") OR -y') == '("near x" OR "nearx") AND ("or") AND ("y")'


def test_fts5_query_keeps_a_trailing_star_as_prefix() -> None:
    assert fts5_query("vidéo*") == '("video"*)'


def test_fts5_query_spells_plural_and_singular() -> None:
    assert fts5_query("caméras") == '("camera" OR "cameras")'


def test_fts5_query_spells_a_compound_joined_and_apart() -> None:
    assert fts5_query("vidéo-protection") == fts5_query("vidéoprotection")


def test_fts5_query_without_words_is_none() -> None:
    assert fts5_query(" ** () ") is None
