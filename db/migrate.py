"""Bring a database to the newest schema with Alembic (``veilleur db upgrade``), and write new
migrations (``veilleur db revision``).

Migration ids are four-digit sequence numbers (``0001``, ``0002`` …) in files named
``NNNN_slug.py``, one line of history: each revision's ``down_revision`` is the one before.
Databases created before this scheme carry the older ids (``digest_0001``, ``review_0001``,
``0002`` for their merge); :func:`upgrade` translates them first, so nothing is applied twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from db.session import _normalize, database_url, describe_url, get_engine
from vocabulary.errors import VeilleurError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "NO_SCHEMA",
    "MigrationError",
    "alembic_config",
    "current",
    "head",
    "new_revision",
    "require_schema",
    "upgrade",
    "upgrade_if_behind",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: ids of the former branchy history -> the id of the same schema in the linear history
_FORMER_IDS: dict[frozenset[str], str] = {
    frozenset({"0002"}): "0003",  # the merge of digest_0001 and review_0001
    frozenset({"digest_0001", "review_0001"}): "0003",
    frozenset({"digest_0001"}): "0002",
}


#: the line for a database that has no tables yet (read-only commands do not create them)
NO_SCHEMA = "the database {db} has no schema yet: run `veilleur db upgrade` first"


class MigrationError(VeilleurError):
    """Raised when a database's recorded revision is not one this version knows how to reach,
    or when a new migration cannot be written."""


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    # '%' is an interpolation character in configparser values
    cfg.set_main_option("sqlalchemy.url", _normalize(database_url(url)).replace("%", "%%"))
    return cfg


#: a migration file's ``revision = "0013"`` and ``down_revision = "0012"`` (or None) lines, in
#: either quotes (Alembic's template writes single ones)
_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(None|\"[^\"]*\"|'[^']*')\s*$", re.M
)


def head() -> str:
    """The newest revision id (there is exactly one head).

    Read from the migration files' ``revision`` lines: every command that writes asks it first,
    and importing Alembic to ask cost each crawl's start about 0.3 s. Alembic answers (and
    explains) when the files do not make one plain line of history."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("[0-9]*.py")):
        text_of = path.read_text(encoding="utf-8")
        lines = {m[1]: m[2] for m in _REVISION_LINE.finditer(text_of)}
        if set(lines) != {"revision", "down_revision"}:
            return _alembic_head()
        revisions.add(lines["revision"].strip("\"'"))
        if lines["down_revision"] != "None":
            parents.add(lines["down_revision"].strip("\"'"))
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return _alembic_head()
    return heads.pop()


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    if len(heads) != 1:
        raise MigrationError(f"migrations have {len(heads)} heads ({', '.join(heads)}); expected 1")
    return heads[0]


def _translate_former_ids(connection: Connection) -> None:
    if not inspect(connection).has_table("alembic_version"):
        return
    recorded = frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))
    if "review_0001" in recorded and "digest_0001" not in recorded:
        raise MigrationError(
            "this database is at revision review_0001 without digest_0001, a state no release "
            "left behind; upgrade it with the version that created it first"
        )
    target = _FORMER_IDS.get(recorded)
    if target is None:
        return
    connection.execute(text("DELETE FROM alembic_version"))
    connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": target})


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (the newest by default); idempotent."""
    from alembic import command

    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        _translate_former_ids(connection)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        # SQLite batch ALTERs rebuild tables and drop the search triggers: put them back
        from db.fulltext import ensure_fulltext

        ensure_fulltext(connection)


def current(url: str | None = None) -> frozenset[str]:
    """The revisions the database records (empty: no schema yet; a SQLite file that does not
    exist is not created to find out)."""
    resolved = database_url(url)
    path = resolved.removeprefix("sqlite:///")
    plain_file = resolved.startswith("sqlite:///") and not path.startswith(("file:", ":memory:"))
    if plain_file and not Path(path).exists():
        return frozenset()
    with get_engine(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        return frozenset(connection.scalars(text("SELECT version_num FROM alembic_version")))


def require_schema(url: str | None = None) -> None:
    """Refuse to read a database that has no schema (:data:`NO_SCHEMA`), creating nothing."""
    if not current(url):
        raise MigrationError(NO_SCHEMA.format(db=describe_url(database_url(url))))


def upgrade_if_behind(
    url: str | None = None, starting: Callable[[str], None] | None = None
) -> str | None:
    """Bring the schema to the newest revision when it is behind (what every command that
    writes does first); returns a line saying what was done, None when it was up to date.
    ``starting`` is told first, in a line, when an existing schema is upgraded: a migration
    that rewrites a large table (0016 on PostgreSQL) keeps the command busy for minutes."""
    before = current(url)
    newest = head()
    if before == {newest}:
        return None
    if before and starting is not None:
        starting(
            f"upgrading the database schema from {', '.join(sorted(before))} to {newest} in "
            f"{describe_url(database_url(url))} (on a large database this can take minutes)"
        )
    upgrade(url)
    if not before:
        return f"created the database schema ({newest}) in {describe_url(database_url(url))}"
    return (
        f"upgraded the database schema from {', '.join(sorted(before))} to {newest} in "
        f"{describe_url(database_url(url))}"
    )


def new_revision(message: str, *, version_path: Path | None = None) -> Path:
    """Write an empty migration after the head, named ``NNNN_slug.py``; return its path."""
    from alembic import command

    if not re.search(r"[A-Za-z]", message):
        raise MigrationError("a migration needs a message that says what it changes")
    current = head()
    if not current.isdigit():
        raise MigrationError(f"the head {current!r} is not a sequence number")
    rev_id = f"{int(current) + 1:04d}"
    cfg = alembic_config("sqlite://")
    if version_path is not None:
        # alembic writes only into a known version location: add the chosen folder to them
        cfg.set_main_option("path_separator", "os")
        locations = [str(MIGRATIONS_DIR / "versions"), str(version_path)]
        cfg.set_main_option("version_locations", os.pathsep.join(locations))
    script = command.revision(
        cfg,
        message=message,
        rev_id=rev_id,
        version_path=str(version_path) if version_path else None,
    )
    if script is None or isinstance(script, list):
        raise MigrationError("alembic wrote no single revision")
    return Path(script.path)
