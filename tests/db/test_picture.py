"""Parties, facets and the whole picture's queries, on real DECP contracts and a real TED
award, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import NoticeFacet, NoticeParty, Party
from db.picture import (
    amount_of,
    name_key,
    party_refs,
    refresh_picture,
    refresh_seen_since,
    siren_of,
)
from db.picture_queries import (
    PictureFilters,
    departement_counts,
    party_by_identifier,
    party_page,
    search_parties,
    timeline,
)
from db.session import session_scope
from tests.factories import add_link, decision, decp_contracts, lyon_contract, lyon_tender, store
from vocabulary.decision import Hit
from vocabulary.errors import FilterError

pytestmark = pytest.mark.pg_reuse

SERFIM = "431903954"
VIDEO = Hit("videosurveillance.videoprotection", "1", "videosurveillance", "title", "vidéo", 2.0)


def test_a_name_is_folded_without_legal_form_or_dots() -> None:
    assert name_key("SERFIM T.I.C S.A.S.") == name_key("Serfim TIC") == "serfim tic"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("43190395400029", ("431903954", "43190395400029")),
        ("431 903 954", ("431903954", None)),
        ("FR12431903954", ("431903954", None)),
        ("B12345678", (None, None)),
    ],
)
def test_siren_of_reads_siret_siren_and_french_vat(raw: str, expected: tuple) -> None:
    assert siren_of(raw) == expected


def test_decp_filler_amounts_are_not_amounts() -> None:
    assert [amount_of(v) for v in (9999999, 0, "12.5", None)] == [None, None, 12.5, None]


def test_suppliers_without_a_value_share_the_notice_amount() -> None:
    refs = party_refs("Ville", None, [{"name": "A"}, {"name": "B", "value": 10.0}], 100.0)
    assert [(r.role, r.amount) for r in refs] == [
        ("buyer", None),
        ("supplier", 50.0),
        ("supplier", 10.0),
    ]


def _store_decp(s: Session) -> None:
    for item in decp_contracts():
        store(s, item, decision(VIDEO) if "vid" in item.title.lower() else None)
    refresh_picture(s)


def test_names_of_one_siren_are_merged_on_one_vendor(db_url: str) -> None:
    with session_scope(db_url) as s:
        _store_decp(s)
        party = party_by_identifier(s, SERFIM)
        assert party is not None
        assert {"SERFIM TIC", "SERFIM T.I.C"} <= set(party.names)


def test_a_name_only_awardee_joins_the_one_siren_that_name_was_seen_with(db_url: str) -> None:
    with session_scope(db_url) as s:
        _store_decp(s)
        tender = store(
            s, lyon_tender(awardees=[{"name": "Serfim T.I.C."}], kind="award"), decision(VIDEO)
        )
        refresh_picture(s, [tender.id])
        row = s.scalars(
            select(NoticeParty).where(
                NoticeParty.notice_id == tender.id, NoticeParty.role == "supplier"
            )
        ).one()
        assert s.get(Party, row.party_id).siren == SERFIM


def test_a_vendor_page_counts_its_contracts_and_names_its_buyers(db_url: str) -> None:
    with session_scope(db_url) as s:
        _store_decp(s)
        party = party_by_identifier(s, SERFIM)
        page = party_page(s, party.id)
        contracts = s.scalars(
            select(NoticeParty.notice_id).where(
                NoticeParty.party_id == party.id, NoticeParty.role == "supplier"
            )
        ).all()
        assert page.totals["supplier"]["notices"] == len(contracts) > 0
        assert any("LYON" in (c["name"] or "").upper() for c in page.counterparts)


def test_the_map_counts_a_flagged_contract_in_its_departement_with_its_amount(db_url: str) -> None:
    with session_scope(db_url) as s:
        contract = store(s, lyon_contract(), decision(VIDEO))
        refresh_picture(s, [contract.id])
        rows = departement_counts(s, PictureFilters(category="videosurveillance"))
        assert rows == [{"departement": "69", "notices": 1, "amount": pytest.approx(129909.71)}]


def test_a_tender_whose_contract_is_known_adds_no_second_amount(db_url: str) -> None:
    with session_scope(db_url) as s:
        tender = store(
            s, lyon_tender(estimated_value=150000.0, departements=["69"]), decision(VIDEO)
        )
        contract = store(s, lyon_contract(), decision(VIDEO))
        add_link(s, contract, tender, "contract_of")
        refresh_picture(s)
        (row,) = departement_counts(s, PictureFilters())
        assert (row["notices"], row["amount"]) == (2, pytest.approx(129909.71))


def test_a_buyer_without_departement_is_placed_by_its_commune_siren(db_url: str) -> None:
    with session_scope(db_url) as s:
        tender = store(s, lyon_tender(departements=[]), decision(VIDEO))
        refresh_picture(s, [tender.id])
        assert s.scalars(select(NoticeFacet.departement)).all() == ["69"]


def test_unflagged_notices_are_not_on_the_map(db_url: str) -> None:
    with session_scope(db_url) as s:
        store(s, lyon_contract(), None)
        refresh_picture(s)
        assert departement_counts(s, PictureFilters()) == []


def test_the_timeline_groups_by_month_and_filters_by_period(db_url: str) -> None:
    with session_scope(db_url) as s:
        a = store(s, lyon_tender(published_at=date(2018, 6, 1)), decision(VIDEO))
        b = store(
            s, lyon_tender(source_id="18-999998", published_at=date(2018, 7, 3)), decision(VIDEO)
        )
        refresh_picture(s, [a.id, b.id])
        assert [r["month"] for r in timeline(s, PictureFilters())] == ["2018-06", "2018-07"]
        june = PictureFilters(published_to=date(2018, 6, 30))
        assert [(r["month"], r["notices"]) for r in timeline(s, june)] == [("2018-06", 1)]


def test_refreshing_twice_keeps_one_row_per_notice_and_party(db_url: str) -> None:
    with session_scope(db_url) as s:
        contract = store(s, lyon_contract(), decision(VIDEO))
        refresh_picture(s, [contract.id])
        refresh_picture(s, [contract.id])
        rows = s.scalars(select(NoticeParty).where(NoticeParty.notice_id == contract.id)).all()
        assert sorted(r.role for r in rows) == ["buyer", "supplier"]


def test_a_crawl_refreshes_what_it_wrote_of_its_own_source(db_url: str) -> None:
    with session_scope(db_url) as s:
        store(s, lyon_tender(source_id="18-000001"), decision(VIDEO))  # before the crawl
        opened = datetime.now(UTC)
        store(s, lyon_tender(), decision(VIDEO))
        store(s, lyon_contract(), decision(VIDEO))  # another source's crawl, meanwhile
        assert refresh_seen_since(s, opened, "boamp") == 1


def test_party_search_finds_by_name_prefix_and_by_siret(db_url: str) -> None:
    with session_scope(db_url) as s:
        contract = store(s, replace(lyon_contract()), decision(VIDEO))
        refresh_picture(s, [contract.id])
        assert [p.siren for p in search_parties(s, "serfim")] == [SERFIM]
        assert [p.siren for p in search_parties(s, "43190395400029")] == [SERFIM]


def test_an_unknown_category_is_refused_in_words() -> None:
    with pytest.raises(FilterError, match="unknown category 'cctv'"):
        PictureFilters(category="cctv")
