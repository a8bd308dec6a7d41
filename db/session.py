"""Engines and sessions. The caller owns the transaction: ``with session_scope(url) as s:``.

``DATABASE_URL`` selects the database; the default is a SQLite file under ``./var/``. SQLite runs
in WAL mode with a generous busy timeout so the crawler and the web UI can write side by side.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DEFAULT_SQLITE_PATH",
    "database_url",
    "get_engine",
    "session_scope",
    "sessionmaker_for",
]

DEFAULT_SQLITE_PATH = Path("var") / "veilleur.sqlite"
#: seconds a SQLite writer waits for the lock before "database is locked"
SQLITE_BUSY_TIMEOUT_S = 60


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``DATABASE_URL``, else the default SQLite file."""
    if url:
        return url
    env = os.environ.get("DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


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
    if resolved.startswith("sqlite"):
        path = resolved.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session in a transaction: committed on success, rolled back on error."""
    with sessionmaker_for(url).begin() as session:
        yield session
