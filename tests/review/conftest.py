"""Fixtures of the review desk tests: a seeded database, the app, and a Flask test client that
logs in the way a browser does (CSRF token read from the form).

The seeded data are real corpus records (``tests/fixtures/review/``) stored through the
factories: notices with flags whose snippets are cut from the real text around the real
matching words, a document whose page 2 matched and an unreadable one, the BOAMP and TED
publications of one real tender linked as twins, and one hostile notice (a real notice whose
title, text and URL were laced with script/HTML injection attempts).

Web-logic tests (auth, CSRF, headers, escaping) run on SQLite (``client``/``alice``); tests whose
behaviour depends on the database (queue, search, verdicts, exports, concurrency) run on SQLite
and PostgreSQL (``client_both``/``alice_both``/``seeded_both``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.models import Base, Notice, User
from db.session import get_engine, session_scope, sessionmaker_for
from review.app import create_app
from tests.conftest import pg_database, sqlite_database
from tests.factories import (
    add_document,
    add_link,
    review_notice,
    review_pages,
    review_records,
    snippet,
    store,
)
from vocabulary.decision import Hit
from vocabulary.items import DocumentRef

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"
HOSTILE_TITLE = (
    '<script>alert("xss-title")</script><img src=x onerror=alert("xss-img")> Vidéoprotection'
)
HOSTILE_TEXT = (
    '"><svg onload=alert("xss-svg")><iframe src="javascript:alert(1)"></iframe>'
    "</textarea><b>gras</b> {{ 7*7 }} caméras de vidéoprotection "
)
HOSTILE_URL = "javascript:alert('xss-url')"
#: the Collonges notice carries the documents
WITH_DOCUMENTS = "20-102325"


@dataclass
class Seeded:
    """Ids of what ``seed`` stored: notices by record id, users by name."""

    notices: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    hostile_id: int = 0
    document_id: int = 0
    unreadable_id: int = 0


def seed(s: Session, hasher: PasswordHasher) -> Seeded:
    """Store the whole review fixture set; the caller commits."""
    out = Seeded()
    digest = hasher.hash(PASSWORD)
    for name in ("alice", "bob"):
        user = User(username=name, password_hash=digest, role="analyst")
        s.add(user)
        s.flush()
        out.users[name] = user.id
    # a document whose page 2 matched, and an unreadable one, on the Collonges notice
    cctp = review_pages()[0]
    words = cctp["text"].split()
    half = len(words) // 2
    page_text = " ".join(words[half:])
    doc = add_document(
        s,
        "a" * 64,
        " ".join(words[:half]),
        page_text,
        storage_path="aa/cctp.pdf",
        size_bytes=len(cctp["text"]),
    )
    bad = add_document(
        s, "b" * 64, status="encrypted", reason="PDF is encrypted and has no text layer"
    )
    documents = [
        DocumentRef(cctp["url"], "CCTP Big Data tranquillité publique", doc.sha256, status="ok"),
        DocumentRef("https://example.org/dce.pdf", "DCE", bad.sha256, status="ok"),
    ]
    page_hit = Hit(
        "big_data.donnees",
        "fixture",
        "big_data_policing",
        "document",
        snippet(page_text, ["tranquillite", "donnees", "video"]) or page_text[:160],
        2.0,
        document=doc.sha256,
        page=2,
    )
    # the BOAMP and TED publications of one real tender: same purchase
    same_purchase = {"20-100747", "381341-2020"}
    records = review_records()
    for rec in records:
        item, verdict = review_notice(rec)
        if rec["record_id"] in same_purchase:
            item.procedure_key = "ca-deux-baies-videoprotection-2020"
        if rec["record_id"] == WITH_DOCUMENTS:
            item.documents = documents
            verdict = replace(verdict, hits=(*verdict.hits, page_hit))
        out.notices[rec["record_id"]] = store(s, item, verdict).id
    boamp, ted = (s.get(Notice, out.notices[key]) for key in ("20-100747", "381341-2020"))
    add_link(
        s, ted, boamp, "twin", "TED republication of the BOAMP notice (same buyer, same title)"
    )
    out.document_id, out.unreadable_id = doc.id, bad.id
    # hostile: a real notice laced with injection attempts, flagged on its title only
    base, base_verdict = review_notice(records[0], suffix="-XSS", published=date(2020, 8, 20))
    hostile = replace(
        base,
        title=HOSTILE_TITLE,
        description=HOSTILE_TEXT + records[0]["text"][:800],
        buyer_name='<b onmouseover=alert("xss-buyer")>Dirisi</b>',
        url=HOSTILE_URL,
    )
    title_hit = Hit(
        "videosurveillance.videoprotection",
        "fixture",
        "videosurveillance",
        "title",
        HOSTILE_TITLE,
        2.0,
    )
    out.hostile_id = store(s, hostile, replace(base_verdict, hits=(title_hit,))).id
    return out


@pytest.fixture(autouse=True)
def _cheap_passwords(cheap_argon2: None) -> None:
    """Every review test hashes passwords cheaply (see ``cheap_argon2``)."""


def _seed(url: str) -> Seeded:
    with session_scope(url) as s:
        return seed(s, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _empty(url: str) -> None:
    """TRUNCATE … RESTART IDENTITY: each test sees the same ids as on SQLite."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    """One migrated and seeded SQLite file per session; each test gets a copy (cheaper than
    migrating and seeding again, and the copy is a real, separate database)."""
    url = sqlite_database(tmp_path_factory.mktemp("review-template"))
    ids = _seed(url)
    get_engine(url).dispose()  # last connection closed: the WAL is checkpointed into the file
    return Path(url.split("///", 1)[1]), ids


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
    with pg_database("veilleur_rt") as url:
        yield url


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
    _empty(url)
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
