"""Pure digest selection on real corpus notices: territory, categories, score, exactly-once keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from digest.build import (
    Delivered,
    GroupSpec,
    NoticeView,
    build_digest,
    departement_of_commune,
    describe_changes,
    in_scope,
)
from tests.factories import digest_record, digest_records

NOW = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)


def view(source_id: str, nid: int = 1, **over: Any) -> NoticeView:
    r = digest_record(source_id)
    fields: dict[str, Any] = dict(
        id=nid,
        title=r["title"],
        kind="tender",
        source=r["source"],
        url=r["url"],
        content_hash=f"h{nid}",
        buyer_name=r["buyer_name"],
        departements=tuple(r["departements"]),
        commune_insee=r["commune_insee"],
        categories=tuple(r["categories"]),
        score=1.0,
        snippets=tuple(tuple(s) for s in r["snippets"]),
    )
    fields.update(over)
    return NoticeView(**fields)


ALL = [view(r["source_id"], i + 1) for i, r in enumerate(digest_records())]


def group(**kw: Any) -> GroupSpec:
    return GroupSpec(id=1, name="g", recipients=("a@example.org",), **kw)


def ids(g: GroupSpec) -> set[str]:
    return {n.title for n in ALL if in_scope(n, g)}


def test_departement_filter() -> None:
    assert {n.buyer_name for n in ALL if in_scope(n, group(departements=("69",)))} == {
        "Commune de collonges au mont d'or",
        "Ville de Lyon",
    }


def test_multi_departement_notice_matches_any() -> None:
    assert in_scope(view("20-100126"), group(departements=("83",)))


def test_commune_filter_by_insee() -> None:
    assert [n.buyer_name for n in ALL if in_scope(n, group(communes=("69123",)))] == [
        "Ville de Lyon"
    ]


def test_epci_member_commune_matches() -> None:
    g = group(epcis={"Métropole de Lyon": ("69123", "69266")})
    assert [n.buyer_name for n in ALL if in_scope(n, g)] == ["Ville de Lyon"]


def test_epci_excludes_rest_of_departement() -> None:
    g = group(epcis={"Métropole de Lyon": ("69123",)})
    assert not in_scope(view("20-102325"), g)


def test_commune_implies_departement() -> None:
    assert in_scope(view("2018J114600", departements=()), group(departements=("69",)))


def test_all_territory() -> None:
    assert len(ids(group())) == len({n.title for n in ALL})


def test_category_filter() -> None:
    assert [n.buyer_name for n in ALL if in_scope(n, group(categories=("drones",)))] == [
        "Préfecture de police de Paris"
    ]


def test_min_score_filter() -> None:
    assert not in_scope(view("2018J114600", score=0.5), group(min_score=1.0))


def test_overseas_departement_of_commune() -> None:
    assert departement_of_commune("97411") == "974"


def test_new_notice_listed() -> None:
    d = build_digest(group(departements=("69",)), "a@example.org", NOW, ALL, {})
    assert {e.notice.buyer_name for e in d.new} == {
        "Commune de collonges au mont d'or",
        "Ville de Lyon",
    }


def test_delivered_notice_not_new_again() -> None:
    lyon = view("2018J114600", 6)
    d = build_digest(group(), "a@example.org", NOW, [lyon], {6: Delivered({"new": {"h6"}}, "h6")})
    assert d.is_empty


def test_unflagged_candidate_ignored() -> None:
    d = build_digest(group(), "a@example.org", NOW, [view("2018J114600", flagged=False)], {})
    assert d.is_empty


def test_changed_hash_is_update() -> None:
    lyon = view("2018J114600", 6, content_hash="h6b")
    d = build_digest(
        group(),
        "a@example.org",
        NOW,
        [],
        {6: Delivered({"new": {"h6"}}, "h6")},
        delivered_views=[lyon],
    )
    assert [e.reason for e in d.updates] == ["update"]


def test_update_describes_deadline_change() -> None:
    lyon = view("2018J114600", 6, content_hash="h6b")
    versions = {(6, "h6"): {"deadline_at": "2026-12-01"}, (6, "h6b"): {"deadline_at": "2026-12-15"}}
    d = build_digest(
        group(),
        "a@example.org",
        NOW,
        [],
        {6: Delivered({"new": {"h6"}}, "h6")},
        versions,
        delivered_views=[lyon],
    )
    assert d.updates[0].changes == ("date limite : 2026-12-01 → 2026-12-15",)


def test_describe_awardees() -> None:
    assert describe_changes({"awardees": []}, {"awardees": ["SERFIM TIC"]}) == (
        "attributaires : — → SERFIM TIC",
    )


def test_deadline_within_seven_days_reminded() -> None:
    lyon = view("2018J114600", 6, deadline_at=NOW + timedelta(days=3))
    d = build_digest(
        group(),
        "a@example.org",
        NOW,
        [],
        {6: Delivered({"new": {"h6"}}, "h6")},
        delivered_views=[lyon],
    )
    assert [e.reason for e in d.deadlines] == ["deadline"]


def test_deadline_beyond_seven_days_not_reminded() -> None:
    lyon = view("2018J114600", 6, deadline_at=NOW + timedelta(days=9))
    d = build_digest(
        group(),
        "a@example.org",
        NOW,
        [],
        {6: Delivered({"new": {"h6"}}, "h6")},
        delivered_views=[lyon],
    )
    assert d.is_empty


def test_deadline_reminded_once() -> None:
    lyon = view("2018J114600", 6, deadline_at=NOW + timedelta(days=3))
    got = Delivered({"new": {"h6"}, "deadline": {"h6"}}, "h6")
    d = build_digest(group(), "a@example.org", NOW, [], {6: got}, delivered_views=[lyon])
    assert d.is_empty


def test_new_closing_soon_counts_as_reminder() -> None:
    lyon = view("2018J114600", 6, deadline_at=NOW + timedelta(days=2))
    d = build_digest(group(), "a@example.org", NOW, [lyon], {})
    assert d.new[0].delivery_keys() == ((6, "new", "h6"), (6, "deadline", "h6"))


def test_amending_notice_is_update() -> None:
    tender, award = view("20-102325", 3), view("20-102325", 40, kind="award", flagged=False)
    d = build_digest(
        group(),
        "a@example.org",
        NOW,
        [],
        {3: Delivered({"new": {"h3"}}, "h3")},
        amendments={3: [(award, "awards")]},
        delivered_views=[tender],
    )
    assert [(e.notice.id, e.reason) for e in d.updates] == [(40, "update")]


def test_same_content_same_signature() -> None:
    g = group(departements=("69",))
    a = build_digest(g, "a@example.org", NOW, ALL, {})
    b = build_digest(g, "b@example.org", NOW, ALL, {})
    assert a.signature() == b.signature()


def test_pool_index_matches_in_scope() -> None:
    from digest.build import PoolIndex

    groups = [
        group(departements=("69",)),
        group(communes=("69123",)),
        group(departements=("59", "45")),
        group(epcis={"x": ("69123",)}),
        group(categories=("lapi",)),
        group(),
    ]
    index = PoolIndex(ALL)
    assert all(
        [n.id for n in index.matching(g)] == [n.id for n in ALL if in_scope(n, g)] for g in groups
    )
