"""The OCDS export validates against the official 1.1.5 schema shipped in db/ocds_schema, for
every kind of notice, built from real recorded records (DECP, TED, BOAMP)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from db.models import Notice
from db.notice_list import NoticeFilters
from db.ocds import UNREGISTERED_PREFIX, ocds_chunks, ocid_prefix
from db.ocds_map import document_type
from db.ocds_validate import package_errors
from db.session import session_scope
from tests.factories import (
    add_link,
    boamp_items,
    decision,
    decp_contracts,
    lyon_contract,
    lyon_tender,
    notice_item,
    store,
    ted_item,
)
from vocabulary.decision import Hit
from vocabulary.errors import FilterError
from vocabulary.items import DocumentRef

pytestmark = pytest.mark.pg_reuse

VIDEO = Hit("videosurveillance.videoprotection", "1", "videosurveillance", "title", "vidéo", 2.0)
ALL = NoticeFilters(include_unflagged=True)
WHEN = datetime(2026, 11, 30, tzinfo=UTC)


def _package(s: Session, filters: NoticeFilters = ALL) -> dict:
    text = "".join(ocds_chunks(s, filters, uri="urn:uuid:0", prefix="ocds-test01", published=WHEN))
    return json.loads(text)


def _only(s: Session, notice: Notice) -> dict:
    package = _package(s, replace(ALL, source=notice.source, query=None))
    assert package_errors(package) == []
    (release,) = [
        r
        for r in package["releases"]
        if r["id"].startswith(f"{notice.source}:{notice.source_key}:")
    ]
    return release


def test_a_decp_contract_is_an_award_and_a_contract_with_fr_rcs_parties(db_url: str) -> None:
    with session_scope(db_url) as s:
        notice = store(s, lyon_contract(), decision(VIDEO))
        release = _only(s, notice)
        assert release["tag"] == ["award", "contract"]
        supplier = next(p for p in release["parties"] if "supplier" in p["roles"])
        assert supplier["identifier"] == {
            "scheme": "FR-RCS",
            "id": "43190395400029",
            "legalName": "SERFIM TIC",
        }
        assert release["contracts"][0]["awardID"] == release["awards"][0]["id"]


def test_decp_modifications_become_a_contract_amendment(db_url: str) -> None:
    with session_scope(db_url) as s:
        modified = next(c for c in decp_contracts() if c.raw.get("modifications"))
        release = _only(s, store(s, modified, decision(VIDEO)))
        assert "contractAmendment" in release["tag"]
        assert release["contracts"][0]["amendments"]


def test_a_ted_award_lists_each_lot_winner_once(db_url: str) -> None:
    with session_scope(db_url) as s:
        item = ted_item("r2.0.9__form_number_F03__148511-2021.xml")
        release = _only(s, store(s, item, decision(VIDEO)))
        ids = [a["id"] for a in release["awards"]]
        assert release["tag"] == ["award"] and len(ids) == len(set(ids)) == len(item.awardees)


def test_an_eforms_award_keeps_the_siren_as_identifier(db_url: str) -> None:
    with session_scope(db_url) as s:
        item = ted_item("eforms__sdk_examples_can__can_24_FRA_comments.xml")
        release = _only(s, store(s, item, decision(VIDEO)))
        ids = {p["identifier"]["id"] for p in release["parties"] if "identifier" in p}
        assert "326912557" in ids


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("r2.0.9__form_number_F14__100541-2021.xml", ["tenderAmendment"]),
        ("r2.0.9__form_number_F01__153403-2021.xml", ["planning"]),
    ],
)
def test_ted_corrections_and_prior_information_have_their_tag(
    db_url: str, name: str, tag: list
) -> None:
    with session_scope(db_url) as s:
        assert _only(s, store(s, ted_item(name), decision(VIDEO)))["tag"] == tag


def test_a_boamp_tender_links_its_notice_and_typed_documents(db_url: str) -> None:
    with session_scope(db_url) as s:
        item = replace(
            boamp_items()[0],
            documents=[
                DocumentRef(
                    "https://example.org/dce/BPU_video.xlsx", "Bordereau des prix unitaires"
                ),
                DocumentRef("https://example.org/dce/cctp.pdf", "CCTP vidéoprotection"),
            ],
        )
        release = _only(s, store(s, item, decision(VIDEO)))
        types = [d.get("documentType") for d in release["tender"]["documents"]]
        assert types == ["tenderNotice", "billOfQuantity", "technicalSpecifications"]


def test_a_deliberation_is_planning(db_url: str) -> None:
    with session_scope(db_url) as s:
        # title of a real Marseille deliberation (tests/fixtures/scdl), kind set by hand
        item = notice_item(
            source="scdl", source_id="98/0935/CESS", kind="deliberation",
            title="Acquisition de matériels de vidéoprotection", published_at=date(1998, 11, 30),
        )  # fmt: skip
        release = _only(s, store(s, item, decision(VIDEO)))
        assert release["tag"] == ["planning"] and release["tender"]["status"] == "planned"


def test_a_tender_and_its_contract_are_one_process(db_url: str) -> None:
    with session_scope(db_url) as s:
        tender = store(s, lyon_tender(), decision(VIDEO))
        contract = store(s, lyon_contract(), decision(VIDEO))
        add_link(s, contract, tender, "contract_of")
        package = _package(s)
        assert package_errors(package) == []
        ocids = {r["id"].rsplit(":", 1)[0]: r["ocid"] for r in package["releases"]}
        first = min((tender, contract), key=lambda n: n.id)
        expected = f"ocds-test01-{first.source}:{first.source_key}"
        assert (
            ocids[f"boamp:{tender.source_key}"] == ocids[f"decp:{contract.source_key}"] == expected
        )


def test_the_validator_really_checks(db_url: str) -> None:
    with session_scope(db_url) as s:
        store(s, lyon_contract(), decision(VIDEO))
        package = _package(s)
        del package["releases"][0]["date"]
        assert package_errors(package) == ["releases/0: 'date' is a required property"]


def test_an_empty_selection_is_refused_before_writing(db_url: str) -> None:
    with session_scope(db_url) as s, pytest.raises(FilterError, match="at least one release"):
        next(ocds_chunks(s, ALL, uri="urn:uuid:0"))


def test_without_a_registered_prefix_ocids_say_so() -> None:
    assert ocid_prefix({}) == (UNREGISTERED_PREFIX, False)
    assert ocid_prefix({"VEILLEUR_OCID_PREFIX": "ocds-abc123"}) == ("ocds-abc123", True)


@pytest.mark.parametrize(
    ("title", "code"),
    [("DQE lot 2", "billOfQuantity"), ("Règlement de consultation", "biddingDocuments"),
     ("Plan de situation", None)],
)  # fmt: skip
def test_document_types_come_from_the_title(title: str, code: str | None) -> None:
    assert document_type(title) == code
