"""Shared fixtures: real databases, a real SMTP server on loopback, cheap password hashes.

``db_url`` runs a test twice: on a migrated SQLite file, then on a migrated PostgreSQL
database. Creating and migrating a PostgreSQL database costs about two seconds, so a module
(``pytestmark = pytest.mark.pg_reuse``) or a test marked ``pg_reuse`` gets one database per
module, emptied before each test; any other test gets a brand-new database. Database names
carry a uuid, so parallel workers and several checkouts running at once never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import review.auth
from db.migrate import upgrade
from db.models import Base
from db.session import get_engine, sessionmaker_for
from tests.smtp import SmtpServer

FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get(
    "VEILLEUR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: the marker that makes ``db_url`` reuse one PostgreSQL database per module
PG_REUSE = "pg_reuse"


def sqlite_database(directory: Path) -> str:
    """The URL of a migrated SQLite file in ``directory``."""
    url = f"sqlite:///{directory / 'veilleur.sqlite'}"
    upgrade(url)
    return url


@contextmanager
def pg_database(prefix: str = "veilleur_t") -> Iterator[str]:
    """A brand-new migrated PostgreSQL database (uuid-named), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_database(url: str) -> None:
    """Delete every row, children first (TRUNCATE of every table costs more than a second)."""
    with get_engine(url).begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="module")
def _pg_module_database() -> Iterator[str]:
    """One PostgreSQL database for the tests of a module marked ``pg_reuse``."""
    with pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return sqlite_database(tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on a migrated SQLite file and on a migrated PostgreSQL database (the
    module's, emptied, when the test is marked ``pg_reuse``; else a fresh one)."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    if request.node.get_closest_marker(PG_REUSE) is not None:
        url = request.getfixturevalue("_pg_module_database")
        empty_database(url)
        yield url
        return
    with pg_database() as url:
        yield url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated SQLite file, then one PostgreSQL database, shared by a module's tests (for
    facts read from one expensive set-up, such as a crawl)."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path_factory.mktemp("db"))
        return
    with pg_database() as url:
        yield url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on ``db_url``; the test commits what it wants kept."""
    with sessionmaker_for(db_url)() as s:
        yield s


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny cost parameters: the tests log in hundreds of times on 2 cores."""
    monkeypatch.setattr(
        review.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 recording the raw bytes of every accepted message."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
