"""Engines and sessions. The caller owns the transaction: ``with session_scope(url) as s:``.

``DATABASE_URL`` selects the database; the default is the SQLite file ``var/veilleur.sqlite`` under
the current folder, made absolute so a subprocess started elsewhere writes to the same file (its
folder is created; the folder of any other SQLite URL must exist: a typo must not start a new,
empty database). SQLite runs in WAL mode with a generous busy timeout so the crawler and the web
UI can write side by side.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from vocabulary.errors import ConfigError

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "SCHEMES",
    "check_url",
    "database_url",
    "describe_url",
    "error_line",
    "get_engine",
    "session_scope",
    "sessionmaker_for",
]

DEFAULT_SQLITE_PATH = Path("var") / "veilleur.sqlite"
#: seconds a SQLite writer waits for the lock before "database is locked"
SQLITE_BUSY_TIMEOUT_S = 60


#: the kinds of database Veilleur runs on (psycopg 3 and sqlite3 are the drivers it ships)
SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")
_URL_HINT = "use sqlite:///path/file.sqlite or postgresql://user@host/dbname"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``DATABASE_URL``, else the default SQLite file
    (``var/veilleur.sqlite`` under the current folder, as an absolute path). A relative SQLite
    path is made absolute too, so every process of a night uses the same file."""
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:" and not path.startswith("file:"):
            return f"sqlite:///{Path(path).absolute()}"
    return url


def describe_url(url: str) -> str:
    """``url`` with its password hidden, for messages and ``--print-config``."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


def check_url(url: str) -> None:
    """Refuse a URL Veilleur cannot use, with one line naming the fix (:class:`ConfigError`)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"cannot read the database URL {url!r}: {_URL_HINT}") from None
    if parsed.drivername not in SCHEMES:
        raise ConfigError(
            f"unsupported database kind {parsed.drivername!r} in DATABASE_URL: {_URL_HINT}"
        )
    if parsed.drivername == "sqlite" and parsed.database and parsed.database != ":memory:":
        if parsed.database.startswith("file:"):  # a URI filename (?mode=ro&uri=true): as given
            return
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            if Path(parsed.database).absolute() == DEFAULT_SQLITE_PATH.absolute():
                folder.mkdir(parents=True, exist_ok=True)  # the default place: made on first use
            else:
                raise ConfigError(
                    f"the folder of the SQLite database {parsed.database} does not exist: "
                    f"create it (mkdir -p {folder}) or fix DATABASE_URL"
                )


def _normalize(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value


def _json_dumps(value: Any) -> str:
    """The JSON columns' serializer, for every caller: orjson (raw payloads dominate a batch's
    serialization time), dates as ISO strings, NaN as null, and no NUL character, which
    PostgreSQL refuses in JSONB — cleaned only in the rare document that has one."""
    out = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    if b"\\u0000" in out:
        out = orjson.dumps(_without_nul(value), option=orjson.OPT_NON_STR_KEYS)
    return out.decode("utf-8")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (the URL resolved first, so ``DATABASE_URL`` changes
    between calls are honoured)."""
    return _engine(_normalize(database_url(url)))


def _cache_clear() -> None:
    _engine.cache_clear()


# callers (tests, bench) reset the engines as they would an lru_cache; mypy does not know
# the attribute exists on a plain function
get_engine.cache_clear = _cache_clear  # type: ignore[attr-defined]


@lru_cache(maxsize=16)
def _engine(resolved: str) -> Engine:
    check_url(resolved)
    if resolved.startswith("sqlite"):
        engine = create_engine(
            resolved,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        resolved, pool_pre_ping=True, json_serializer=_json_dumps, json_deserializer=orjson.loads
    )


def sessionmaker_for(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


#: the sessions of every ``session_scope``, bound to their database's engine when opened:
#: building a sessionmaker builds a new Session class, which cost about 0.1 ms for each of a
#: crawl's short sessions (one a page in an unchanged re-crawl). Bound per call rather than
#: cached per engine: a factory holds its engine, so a cache of them kept every engine (and
#: its pooled connections) a process ever opened alive after ``get_engine`` let it go.
_sessions: sessionmaker[Session] = sessionmaker(expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session in a transaction: committed on success, rolled back on error."""
    with _sessions(bind=get_engine(url)) as session, session.begin():
        yield session


def error_line(exc: Exception) -> str:
    """A database error's cause in one line: the driver's or serializer's own error rather
    than SQLAlchemy's wrapper, which appends the whole statement and its parameters."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:1000]
