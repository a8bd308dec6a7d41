"""Notice detail and the rules feedback query, on SQLite and PostgreSQL."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from db.models import Review, ReviewHead
from db.rule_feedback import rule_feedback
from review.queries import notice_detail
from review.verdicts import record_verdict
from tests.factories import review_notice, review_records, store
from tests.review.conftest import Seeded


def test_detail_lists_twin_publication(sq: Session, seeded: Seeded) -> None:
    detail = notice_detail(sq, seeded.notices["20-100747"])
    assert detail is not None
    assert [
        (entry.notice_id, [link.relation for link in entry.links]) for entry in detail.story
    ] == [(seeded.notices["381341-2020"], ["twin"])]


def test_detail_lists_same_procedure(sq: Session, seeded: Seeded) -> None:
    item, verdict = review_notice(review_records()[0], suffix="-AWARD")
    item.kind, item.procedure_key = "award", "ca-deux-baies-videoprotection-2020"
    award = store(sq, item, verdict)
    sq.commit()
    detail = notice_detail(sq, seeded.notices["381341-2020"])
    assert detail is not None and [p["id"] for p in detail.procedure] == [award.id]


def test_detail_does_not_repeat_linked_notices(sq: Session, seeded: Seeded) -> None:
    detail = notice_detail(sq, seeded.notices["381341-2020"])
    assert detail is not None and detail.procedure == []


def test_detail_maps_matched_document_pages(sq: Session, seeded: Seeded) -> None:
    detail = notice_detail(sq, seeded.notices["20-102325"])
    assert detail is not None and detail.matched_pages == {seeded.document_id: [2]}


def test_detail_includes_unreadable_documents(sq: Session, seeded: Seeded) -> None:
    detail = notice_detail(sq, seeded.notices["20-102325"])
    assert detail is not None and "encrypted" in [d["status"] for d in detail.documents]


def test_feedback_ranks_the_blamed_rule_first(dbs: Session, seeded_both: Seeded) -> None:
    record_verdict(
        dbs,
        seeded_both.notices["20-101536"],
        seeded_both.users["alice"],
        "not_relevant",
        None,
        note="sono",
        reason_rule="videosurveillance.video",
    )
    dbs.commit()
    first = rule_feedback(dbs).rules[0]
    assert (first.rule_id, first.blamed) == ("videosurveillance.video", 1)


def test_feedback_counts_confirmations(dbs: Session, seeded_both: Seeded) -> None:
    record_verdict(
        dbs, seeded_both.notices["20-100747"], seeded_both.users["alice"], "relevant", None
    )
    dbs.commit()
    rules = {r.rule_id: r for r in rule_feedback(dbs).rules}
    assert rules["cpv.32323500"].confirmed == 1


def test_feedback_lists_relevant_notices_found_by_hand(dbs: Session, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100627"]  # unflagged
    record_verdict(dbs, nid, seeded_both.users["bob"], "relevant", None, note="found by hand")
    dbs.commit()
    assert [r.id for r in rule_feedback(dbs).by_hand] == [nid]


def test_feedback_page_renders(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get("/rules").get_data(as_text=True)
    assert "videosurveillance.videoprotection" in page


def test_head_matches_latest_review(dbs: Session, seeded_both: Seeded) -> None:
    nid, uid = seeded_both.notices["20-100126"], seeded_both.users["alice"]
    first = record_verdict(dbs, nid, uid, "relevant", None)
    second = record_verdict(dbs, nid, uid, "documented", first.id)
    dbs.commit()
    head = dbs.get(ReviewHead, nid)
    assert head is not None and head.review_id == second.id
    assert dbs.get(Review, second.id).previous_review_id == first.id
