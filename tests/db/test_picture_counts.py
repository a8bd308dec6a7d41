"""The map's and party pages' counts (``picture_counts``, ``party_counts``, ``party_links``):
what a partial refresh leaves equals a full recount, the queries answer what the facet rows
say, and a party's notices come a page at a time; on real DECP contracts and the Lyon tender,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import NoticeFacet, NoticeParty, PartyCount, PartyLink, PictureCount
from db.party_counts import recount_parties
from db.picture import refresh_picture
from db.picture_counts import recount
from db.picture_queries import (
    PictureFilters,
    commune_counts,
    departement_counts,
    party_page,
    timeline,
)
from db.session import session_scope
from tests.factories import decision, decp_contracts, lyon_tender, store
from vocabulary.decision import Hit

pytestmark = pytest.mark.pg_reuse

VIDEO = Hit("videosurveillance.videoprotection", "1", "videosurveillance", "title", "vidéo", 2.0)
LAPI = Hit("lapi.lecture", "1", "lapi", "title", "plaques", 2.0)


def _store(s: Session) -> list[int]:
    ids = []
    for item in decp_contracts():
        hit = decision(VIDEO, LAPI) if "vid" in item.title.lower() else None
        ids.append(store(s, item, hit).id)
    refresh_picture(s)
    return ids


def _snapshot(s: Session) -> dict[str, Counter[tuple[Any, ...]]]:
    def rows(model: Any, *cols: str) -> Counter[tuple[Any, ...]]:
        return Counter(
            tuple(round(v) if isinstance(v, float) else v for v in r)
            for r in s.execute(select(*(getattr(model, c) for c in cols)))
        )

    return {
        "picture": rows(
            PictureCount, "category", "month", "departement", "commune_insee", "notices",
            "amount", "first_notices", "first_amount",
        ),
        "counts": rows(PartyCount, "party_id", "role", "category", "year", "notices", "amount"),
        "links": rows(PartyLink, "party_id", "role", "other_id", "notices", "amount"),
    }  # fmt: skip


def test_a_partial_refresh_leaves_the_counts_a_full_recount_gives(db_url: str) -> None:
    with session_scope(db_url) as s:
        _store(s)
        before = _snapshot(s)
        # the Lyon tender: new month, new département, a SERFIM award, counted by a partial
        # refresh only
        tender = store(
            s,
            lyon_tender(
                kind="award", departements=["69", "01"], published_at=date(2017, 3, 9),
                awardees=[{"name": "SERFIM TIC", "id": "43190395400029", "value": 1000.0}],
            ),
            decision(VIDEO),
        )  # fmt: skip
        refresh_picture(s, [tender.id])
        partial = _snapshot(s)
        recount(s)
        recount_parties(s)
        assert _snapshot(s) == partial != before
        assert ("videosurveillance", "2017-03", "01", None, 1, None, 0, None) in partial["picture"]
        # published again in another month, with no awardee: its old counts go
        store(s, replace(lyon_tender(), published_at=date(2016, 1, 4)), decision(VIDEO))
        refresh_picture(s, [tender.id])
        moved = _snapshot(s)
        assert not any(k[1] == "2017-03" for k in moved["picture"])
        recount(s)
        recount_parties(s)
        assert _snapshot(s) == moved


def _facet_oracle(s: Session, category: str | None, start: date, end: date) -> dict[str, int]:
    """Notices per département straight from the facet rows, counted in Python."""
    counts: Counter[str] = Counter()
    for f in s.scalars(select(NoticeFacet)):
        if (f.category != category) if category else not f.first_category:
            continue
        if f.published_at is None or not start <= f.published_at <= end:
            continue
        counts[f.departement] += 1
    return dict(counts)


@pytest.mark.parametrize("category", [None, "lapi"])
def test_the_map_counts_what_the_facet_rows_say(db_url: str, category: str | None) -> None:
    with session_scope(db_url) as s:
        _store(s)
        start, end = date(2019, 1, 1), date(2019, 12, 31)
        filters = PictureFilters(category, start, end)
        got = {r["departement"]: r["notices"] for r in departement_counts(s, filters)}
        assert got == _facet_oracle(s, category, start, end) and got
        months = timeline(s, filters)
        assert sum(m["notices"] for m in months) == len(
            {
                f.notice_id
                for f in s.scalars(select(NoticeFacet))
                if f.published_at and start <= f.published_at <= end
                and (f.category == category if category else True)
            }
        )  # fmt: skip
        assert all(m["month"].startswith("2019-") for m in months)
        assert commune_counts(s, filters) == []  # DECP names no commune


def test_a_partys_notices_come_a_page_at_a_time_newest_first(db_url: str) -> None:
    with session_scope(db_url) as s:
        _store(s)
        party_id, role = s.execute(  # the party with most notices (a buyer of the DECP files)
            select(NoticeParty.party_id, NoticeParty.role)
            .group_by(NoticeParty.party_id, NoticeParty.role)
            .order_by(func.count().desc(), NoticeParty.party_id)
            .limit(1)
        ).one()
        every = s.execute(
            select(NoticeParty.notice_id, NoticeParty.published_at).where(
                NoticeParty.party_id == party_id, NoticeParty.role == role
            )
        ).all()
        assert len(every) >= 5
        newest_first = [
            i for i, _ in sorted(every, key=lambda r: (r[1] or date.min, r[0]), reverse=True)
        ]
        seen, offset = [], 0
        while True:
            page = party_page(s, party_id, limit=2, offset=offset)
            assert page is not None and page.offset == offset
            seen += [n["id"] for n in page.notices]
            if not page.more:
                break
            offset += 2
        assert seen == newest_first
