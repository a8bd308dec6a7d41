"""A faster ``db_url``: one migrated PostgreSQL database per test module, emptied between tests.

Creating and migrating a PostgreSQL database costs about two seconds; the digest and schedule
tests need dozens of fresh databases. Import both fixtures into a test module to override the
session-wide ``db_url`` there::

    from tests.reuse_db import db_url, pg_module_url  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.migrate import upgrade
from db.models import Base
from db.session import get_engine
from tests.conftest import _pg_database


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    for url in _pg_database():
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite file, or the module's PostgreSQL database with every table emptied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'veilleur.sqlite'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("pg_module_url")
    # DELETE, children first: TRUNCATE of every table costs more than a second here
    with get_engine(url).begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    yield url
