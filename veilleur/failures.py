"""One line for each error a user can fix: what went wrong and what to do about it.

:func:`one_line` is called by the ``veilleur`` command (:class:`veilleur.cli.LazyGroup`) for any
exception a subcommand lets through. It knows every :class:`~vocabulary.errors.VeilleurError`
(their messages are written for users already) and the errors of the layers below that come
from configuration, not from a bug: an unusable ``DATABASE_URL`` (SQLAlchemy's
``ArgumentError``/``NoSuchModuleError``, a driver that is not installed, ``OperationalError``
when the server refuses, the database or role is missing, the host is unknown, the SQLite
file cannot be opened or written), a schema that was never created, an unknown time zone, a
port already in use. ``docs/operations.md`` ("When something fails") quotes these lines; a
test holds the two equal.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence

from db.migrate import NO_SCHEMA

__all__ = ["NO_SCHEMA", "database_of", "one_line"]


_DB_HINT = "set DATABASE_URL (or --database-url) to sqlite:///path/file.sqlite or postgresql://user@host/dbname"

#: (pattern in the driver's message, line) for a database that cannot be used
_DB_CAUSES: tuple[tuple[str, str], ...] = (
    (r"no such table|relation \"[^\"]+\" does not exist|UndefinedTable", NO_SCHEMA),
    (
        r"database \"([^\"]+)\" does not exist",
        'PostgreSQL has no database "{0}": create it (createdb -O veilleur {0}) or fix '
        "DATABASE_URL",
    ),
    (
        r"role \"([^\"]+)\" does not exist",
        'PostgreSQL has no role "{0}": create it (createuser {0}) or fix the user in DATABASE_URL',
    ),
    (
        r"password authentication failed for user \"([^\"]+)\"",
        'PostgreSQL refused the password of "{0}": fix the password in DATABASE_URL',
    ),
    (
        r"failed to resolve host '([^']+)'|could not translate host name \"([^\"]+)\"",
        "unknown database host {0}: fix the host in DATABASE_URL",
    ),
    (
        r"Connection refused",
        "the database server of {db} refused the connection: start PostgreSQL or fix the host "
        "and port in DATABASE_URL",
    ),
    (
        r"readonly database|read-only",
        "the SQLite database {db} is read-only: give this user write access to the file and "
        "its folder, or set DATABASE_URL to a writable place",
    ),
    (
        r"unable to open database file",
        "cannot open the SQLite database {db}: give this user write access to its folder, or "
        "set DATABASE_URL to a writable place",
    ),
)


def database_of(argv: Sequence[str]) -> str:
    """The database a command was given (``--database-url``, else ``DATABASE_URL``, else the
    default file), with any password hidden."""
    url = None
    for i, arg in enumerate(argv):
        if arg == "--database-url" and i + 1 < len(argv):
            url = argv[i + 1]
        elif arg.startswith("--database-url="):
            url = arg.split("=", 1)[1]
    from db.session import database_url, describe_url

    return describe_url(database_url(url))


def _database_line(message: str, argv: Sequence[str]) -> str | None:
    for pattern, line in _DB_CAUSES:
        found = re.search(pattern, message)
        if found:
            groups = [g for g in found.groups() if g]
            return line.format(*groups, db=database_of(argv))
    return None


def one_line(exc: BaseException, argv: Sequence[str] = ()) -> str | None:
    """The line to print for ``exc``, or None when it is not a known user-side failure."""
    import tomllib
    from zoneinfo import ZoneInfoNotFoundError

    from sqlalchemy import exc as sa

    from vocabulary.errors import VeilleurError

    if isinstance(exc, VeilleurError):
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, sa.NoSuchModuleError):
        scheme = str(exc).rsplit(":", 1)[-1].strip()
        return f"unknown database kind {scheme!r} in {database_of(argv)}: {_DB_HINT}"
    if isinstance(exc, sa.ArgumentError):
        return f"cannot read the database URL {database_of(argv)!r}: {_DB_HINT}"
    if isinstance(exc, sa.DBAPIError):
        return _database_line(str(exc.orig) if exc.orig else str(exc), argv) or (
            f"the database {database_of(argv)} failed: {str(exc.orig).splitlines()[0]}"
        )
    if isinstance(exc, ModuleNotFoundError) and exc.name in _DRIVERS:
        return (
            f"the database driver {exc.name} is not installed: use postgresql:// (psycopg, "
            f"shipped) or sqlite:///, or install {exc.name}"
        )
    if isinstance(exc, ZoneInfoNotFoundError):
        zone = str(exc).strip("'\"").removeprefix("No time zone found with key ")
        return (
            f"unknown time zone {zone!r}: use a name such as Europe/Paris "
            f"(VEILLEUR_TIMEZONE or timezone in the [schedule] table of veilleur.toml)"
        )
    if isinstance(exc, tomllib.TOMLDecodeError):
        return f"a TOML file is malformed ({exc}): fix it (https://toml.io)"
    if isinstance(exc, OSError):
        return _os_line(exc)
    return None


_DRIVERS = frozenset({"MySQLdb", "pymysql", "psycopg2", "asyncpg", "pg8000", "cx_Oracle", "pyodbc"})


def _os_line(exc: OSError) -> str | None:
    if exc.errno == errno.EADDRINUSE:
        return "the address is already in use: stop the other server or choose another --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "cannot listen on this address: choose one of this machine's (--host 127.0.0.1)"
    if exc.errno in (errno.ENOENT, errno.EACCES, errno.EROFS, errno.ENOTDIR, errno.EISDIR):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{os.strerror(exc.errno)}{where}: fix the path or its permissions"
    return None
