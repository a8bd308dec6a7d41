"""What the database tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command

from db.migrate import alembic_config
from db.session import get_engine
from tests.conftest import pg_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh migrated PostgreSQL database for one test."""
    with pg_database() as url:
        yield url


def downgrade(url: str, revision: str) -> None:
    """Back to ``revision``: the later migrations' tables go, as a database of then had none."""
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
