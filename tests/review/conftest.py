"""Fixtures of the review desk tests: a seeded database (SQLite and PostgreSQL), the app, and
a Flask test client that logs in the way a browser does (CSRF token read from the form)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from db.session import session_scope
from review.app import create_app
from tests.review.seed import PASSWORD, Seeded, seed

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def seeded(db_url: str) -> Seeded:
    with session_scope(db_url) as s:
        return seed(s)


def make_app(db_url: str, tmp_path: Path, **config: object) -> Flask:
    docs = tmp_path / "documents"
    (docs / "aa").mkdir(parents=True, exist_ok=True)
    (docs / "aa" / "cctp.pdf").write_bytes(b"%PDF-1.4 <html><script>alert(1)</script></html>")
    return create_app(
        db_url,
        {"SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False, "DOCUMENTS_DIR": str(docs),
         **config},
    )


@pytest.fixture
def app(db_url: str, seeded: Seeded, tmp_path: Path) -> Flask:
    return make_app(db_url, tmp_path)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str = "alice", password: str = PASSWORD):  # noqa: ANN201
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


@pytest.fixture
def alice(client: FlaskClient) -> FlaskClient:
    assert login(client).status_code == 302
    return client
