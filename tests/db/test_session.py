"""``db.session``: one engine and one session factory per database, sessions in transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.session import get_engine, session_scope, sessionmaker_for


def test_one_session_factory_serves_every_session_of_a_database(sqlite_url: str) -> None:
    assert sessionmaker_for(sqlite_url) is sessionmaker_for(sqlite_url)


def test_a_new_engine_gets_a_new_session_factory(sqlite_url: str) -> None:
    before = sessionmaker_for(sqlite_url)
    get_engine.cache_clear()
    after = sessionmaker_for(sqlite_url)
    assert after is not before and after.kw["bind"] is get_engine(sqlite_url)


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
