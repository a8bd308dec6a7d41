"""What the database tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import pg_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh migrated PostgreSQL database for one test."""
    with pg_database() as url:
        yield url
