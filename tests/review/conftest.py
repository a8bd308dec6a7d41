"""Fixtures of the review desk tests: a seeded database, the app, and a Flask test client that
logs in the way a browser does (CSRF token read from the form).

Web-logic tests (auth, CSRF, headers, escaping) run on SQLite (``client``/``alice``); tests whose
behaviour depends on the database (queue, search, verdicts, exports, concurrency) run on SQLite
and PostgreSQL (``client_both``/``alice_both``/``seeded_both``).
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import review.auth
from db.migrate import upgrade
from db.models import Base
from db.session import get_engine, session_scope, sessionmaker_for
from review.app import create_app
from tests.conftest import PG_ADMIN_URL
from tests.review.seed import PASSWORD, Seeded, seed

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny cost parameters: the tests log in hundreds of times on 2 cores."""
    monkeypatch.setattr(
        review.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def _seed(url: str) -> Seeded:
    with session_scope(url) as s:
        return seed(s, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """One migrated and seeded SQLite file per session; each test gets a copy (cheaper than
    migrating and seeding again, and the copy is a real, separate database)."""
    path = tmp_path_factory.mktemp("review-template") / "template.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as s:
        ids = seed(s, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    get_engine(url).dispose()  # last connection closed: the WAL is checkpointed into the file
    return path, ids


@pytest.fixture
def seeded_url(_template_db: tuple[Path, Seeded], tmp_path: Path) -> tuple[str, Seeded]:
    target = tmp_path / "veilleur.sqlite"
    shutil.copyfile(_template_db[0], target)
    return f"sqlite:///{target}", _template_db[1]


@pytest.fixture
def seeded(seeded_url: tuple[str, Seeded]) -> Seeded:
    return seeded_url[1]


@pytest.fixture
def url(seeded_url: tuple[str, Seeded]) -> str:
    return seeded_url[0]


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    """One migrated PostgreSQL database for the session, emptied and re-seeded per test
    (TRUNCATE … RESTART IDENTITY is much cheaper than CREATE/DROP DATABASE)."""
    name = f"veilleur_rt_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def both(
    request: pytest.FixtureRequest, _template_db: tuple[Path, Seeded], tmp_path: Path
) -> Iterator[tuple[str, Seeded]]:
    """(url, ids) of a freshly seeded database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "veilleur.sqlite"
        shutil.copyfile(_template_db[0], target)
        yield f"sqlite:///{target}", _template_db[1]
        return
    url = request.getfixturevalue("_pg_database")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield url, _seed(url)
    get_engine(url).dispose()  # no connection left checked out into the next test


@pytest.fixture
def both_url(both: tuple[str, Seeded]) -> str:
    return both[0]


@pytest.fixture
def seeded_both(both: tuple[str, Seeded]) -> Seeded:
    return both[1]


@pytest.fixture
def sq(url: str) -> Iterator[Session]:
    """A session on the seeded SQLite copy (for logic that does not depend on the dialect)."""
    with sessionmaker_for(url)() as s:
        yield s


@pytest.fixture
def dbs(both_url: str) -> Iterator[Session]:
    """A session on the seeded copy; the test commits what it wants kept."""
    with sessionmaker_for(both_url)() as s:
        yield s


def make_app(db_url: str, tmp_path: Path, **config: object) -> Flask:
    docs = tmp_path / "documents"
    (docs / "aa").mkdir(parents=True, exist_ok=True)
    (docs / "aa" / "cctp.pdf").write_bytes(b"%PDF-1.4 <html><script>alert(1)</script></html>")
    return create_app(
        db_url,
        {
            "SECRET_KEY": "test-secret",
            "SESSION_COOKIE_SECURE": False,
            "DOCUMENTS_DIR": str(docs),
            **config,
        },
    )


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str = "alice", password: str = PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def app(url: str, tmp_path: Path) -> Flask:
    return make_app(url, tmp_path)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


@pytest.fixture
def alice(client: FlaskClient) -> FlaskClient:
    assert login(client).status_code == 302
    return client


@pytest.fixture
def app_both(both_url: str, tmp_path: Path) -> Flask:
    return make_app(both_url, tmp_path)


@pytest.fixture
def alice_both(app_both: Flask) -> Iterator[FlaskClient]:
    with app_both.test_client() as c:
        assert login(c).status_code == 302
        yield c
