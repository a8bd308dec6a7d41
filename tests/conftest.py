"""Shared fixtures: real databases (a SQLite file and a fresh PostgreSQL database per session)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from db.migrate import upgrade
from db.session import get_engine, sessionmaker_for

FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get(
    "VEILLEUR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_database() -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards (parallel runs never collide)."""
    name = f"veilleur_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'veilleur.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    for url in _pg_database():
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on a migrated SQLite file and on a migrated PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'veilleur.sqlite'}"
        upgrade(url)
        yield url
        return
    for url in _pg_database():
        upgrade(url)
        yield url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on ``db_url``; the test commits what it wants kept."""
    with sessionmaker_for(db_url)() as s:
        yield s
