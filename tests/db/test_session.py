"""``db.session``: one engine per database, sessions in transactions that keep no engine alive."""

from __future__ import annotations

import gc
import weakref

import pytest
from sqlalchemy import text

from db.session import get_engine, session_scope


def test_a_session_scope_uses_the_databases_engine(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        assert session.get_bind() is get_engine(sqlite_url)


def _read_once(url: str) -> None:
    with session_scope(url) as session:
        session.execute(text("SELECT 1"))


def test_a_session_scope_keeps_no_engine_alive_once_forgotten(sqlite_url: str) -> None:
    """A process that opens many databases (a test run, a web app serving several) must not
    keep every engine and its pooled connections for good."""
    _read_once(sqlite_url)
    engine = weakref.ref(get_engine(sqlite_url))
    get_engine.cache_clear()
    gc.collect()
    assert engine() is None


def test_a_session_scope_commits_what_it_wrote(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        session.execute(text("CREATE TABLE kept (n INTEGER)"))
        session.execute(text("INSERT INTO kept VALUES (1)"))
    with session_scope(sqlite_url) as session:
        assert session.execute(text("SELECT n FROM kept")).scalar_one() == 1


def test_a_failed_session_scope_rolls_back(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        session.execute(text("CREATE TABLE kept (n INTEGER)"))
    with pytest.raises(RuntimeError), session_scope(sqlite_url) as session:
        session.execute(text("INSERT INTO kept VALUES (1)"))
        raise RuntimeError("the caller failed")
    with session_scope(sqlite_url) as session:
        assert session.execute(text("SELECT count(*) FROM kept")).scalar_one() == 0
