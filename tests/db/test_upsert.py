"""PostgreSQL's COPY of new rows (``db.upsert.copy_rows``) stores what an INSERT stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from db.models import Notice
from db.session import sessionmaker_for
from db.upsert import copy_rows
from tests.conftest import pg_database

pytestmark = pytest.mark.postgres

NOTICES = cast(Table, Notice.__table__)


@pytest.fixture(scope="module")
def pg_session() -> Iterator[Session]:
    with pg_database() as url, sessionmaker_for(url)() as session:
        yield session


def stored(session: Session, key: str) -> dict[str, Any]:
    row = session.execute(select(NOTICES).where(NOTICES.c.source_key == key)).mappings().one()
    return {name: value for name, value in row.items() if name != "id"}


def test_a_row_left_short_gets_the_defaults_an_insert_gives(pg_session: Session) -> None:
    fields = {"source": "boamp", "source_id": "24-1", "kind": "tender", "content_hash": "h"}
    pg_session.execute(insert(NOTICES), [{**fields, "source_key": "by-insert"}])
    copy_rows(pg_session, NOTICES, [{**fields, "source_key": "by-copy"}])
    by_insert, by_copy = stored(pg_session, "by-insert"), stored(pg_session, "by-copy")
    times = ("first_seen_at", "last_seen_at", "updated_at", "source_key")
    assert {k: v for k, v in by_copy.items() if k not in times} == {
        k: v for k, v in by_insert.items() if k not in times
    }


def test_values_go_through_their_columns_bind_processing(pg_session: Session) -> None:
    paris = timezone(timedelta(hours=2))
    row = {
        "source": "boamp",
        "source_key": "processed",
        "source_id": "24-2",
        "kind": "tender",
        "content_hash": "h",
        "title": "Vidéoprotection\tde la «place» d'Arles",
        "departements": ["13"],
        "raw": {"objet": "caméras", "lots": [{"n": 1, "montant": 12.5}], "vide": None},
        "published_at": date(2024, 5, 2),
        "deadline_at": datetime(2024, 6, 1, 12, 0, tzinfo=paris),
        "flagged": True,
    }
    copy_rows(pg_session, NOTICES, [row])
    back = stored(pg_session, "processed")
    assert {name: back[name] for name in row} == {
        **row,
        "deadline_at": datetime(2024, 6, 1, 10, 0, tzinfo=UTC),
    }
