"""The queue on SQLite and PostgreSQL: filters, full-text search, keyset pagination."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from db.models import Notice
from db.notice_list import NoticeFilters, decode_cursor, encode_cursor, notice_page
from db.session import session_scope
from tests.factories import add_document, add_verdict, review_notice, review_records, store
from tests.review.conftest import Seeded
from vocabulary.items import DocumentRef


def _ids(session: Session, **filters: Any) -> list[int]:
    return [r["id"] for r in notice_page(session, NoticeFilters(**filters), limit=500).rows]


def test_queue_lists_only_flagged_notices(dbs: Session, seeded_both: Seeded) -> None:
    assert seeded_both.notices["20-100627"] not in _ids(dbs)


def test_queue_is_newest_first_with_undated_last(dbs: Session, seeded_both: Seeded) -> None:
    rows = notice_page(dbs, NoticeFilters(), limit=500).rows
    dates = [r["published_at"] for r in rows]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True) and dates[-1] is None


def test_unflagged_filter_shows_everything(sq: Session, seeded: Seeded) -> None:
    assert seeded.notices["20-100627"] in _ids(sq, include_unflagged=True)


def test_filter_by_departement(dbs: Session, seeded_both: Seeded) -> None:
    assert _ids(dbs, departement="62") == [seeded_both.notices["20-100747"]]


def test_departement_filter_matches_whole_codes(dbs: Session, seeded_both: Seeded) -> None:
    assert _ids(dbs, departement="2") == []


def test_filter_by_category_uses_flags(sq: Session, seeded: Seeded) -> None:
    assert _ids(sq, category="big_data_policing") == [seeded.notices["20-102325"]]


def test_filter_by_buyer_substring(dbs: Session, seeded_both: Seeded) -> None:
    assert _ids(dbs, buyer="COLLONGES") == [seeded_both.notices["20-102325"]]


def test_filter_by_buyer_treats_percent_literally(sq: Session, seeded: Seeded) -> None:
    assert _ids(sq, buyer="%") == []


def test_filter_by_source(sq: Session, seeded: Seeded) -> None:
    assert _ids(sq, source="ted") == [seeded.notices["381341-2020"]]


def test_filter_by_date_range(sq: Session, seeded: Seeded) -> None:
    got = _ids(sq, published_from=date(2020, 8, 14), published_to=date(2020, 8, 14))
    assert sorted(got) == sorted([seeded.notices["20-101536"], seeded.notices["20-102628"]])


def test_filter_by_min_score(sq: Session, seeded: Seeded) -> None:
    got = _ids(sq, min_score=4)
    assert sorted(got) == sorted([seeded.notices["20-100747"], seeded.notices["381341-2020"]])


def test_filter_by_kind(sq: Session, seeded: Seeded) -> None:
    assert _ids(sq, kind="award") == []


def test_status_new_means_no_verdict(dbs: Session, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100747"]
    add_verdict(dbs, nid, "relevant", seeded_both.users["alice"])
    dbs.commit()
    assert nid not in _ids(dbs, verdict="new") and _ids(dbs, verdict="relevant") == [nid]


def test_search_finds_notice_text_without_accents(dbs: Session, seeded_both: Seeded) -> None:
    # the notice says "VIDEOPROTECTION" in its title; the analyst types it with an accent
    assert seeded_both.notices["20-100747"] in _ids(dbs, query="vidéoprotection")


def test_search_is_stemmed_or_tokenized_consistently(dbs: Session, seeded_both: Seeded) -> None:
    assert _ids(dbs, query="enregistreurs numériques") != []


def test_search_finds_document_page_text(dbs: Session, seeded_both: Seeded) -> None:
    # "tranquillité" only appears in the CCTP document attached to the Collonges notice
    assert _ids(dbs, query="tranquillité publique") == [seeded_both.notices["20-102325"]]


def test_search_with_fts_syntax_characters_does_not_fail(dbs: Session, seeded_both: Seeded) -> None:
    assert _ids(dbs, query='NEAR( "vid* OR -) AND ^') == []


def test_search_sees_notices_inserted_later(both_url: str, seeded_both: Seeded) -> None:
    item, verdict = review_notice(review_records()[0], suffix="-NEW")
    item.title = "Hyperviseur urbain de la tranquillité"
    with session_scope(both_url) as s:
        store(s, item, verdict)
    with session_scope(both_url) as s:
        assert len(_ids(s, query="hyperviseur")) == 1


def test_search_sees_pages_of_documents_attached_later(both_url: str, seeded_both: Seeded) -> None:
    # the next crawl finds the notice links a document, read as it is downloaded
    item, verdict = review_notice(
        next(r for r in review_records() if r["record_id"] == "20-100126")
    )
    item.documents = [DocumentRef("https://x.fr/a.pdf", sha256="c" * 64, status="ok")]
    with session_scope(both_url) as s:
        add_document(s, "c" * 64, "lecture automatique de plaques", media_type=None)
        store(s, item, verdict)
    with session_scope(both_url) as s:
        assert _ids(s, query="plaques") == [seeded_both.notices["20-100126"]]


def test_search_forgets_updated_text(both_url: str, seeded_both: Seeded) -> None:
    nid = seeded_both.notices["20-100126"]
    with session_scope(both_url) as s:
        notice = s.get(Notice, nid)
        assert notice is not None
        notice.title, notice.description = "Sémaphores", "Surveillance des sémaphores"
    with session_scope(both_url) as s:
        assert nid not in _ids(s, query="PROTEC")


def test_keyset_pages_cover_the_queue_once(dbs: Session, seeded_both: Seeded) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        page = notice_page(dbs, NoticeFilters(), cursor, limit=3)
        seen += [r["id"] for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == _ids(dbs)


def test_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor(date(2020, 8, 9), 42)) == (date(2020, 8, 9), 42)


def test_bad_cursor_starts_from_the_top() -> None:
    assert decode_cursor("2020-02-31_x") is None


def test_queue_page_renders_filters_from_query_string(
    alice_both: FlaskClient, seeded_both: Seeded
) -> None:
    page = alice_both.get("/?departement=69&q=vid%C3%A9o").get_data(as_text=True)
    assert "Collonges" in page and "Dirisi" not in page


def test_queue_shows_notices_to_check_with_their_words(
    alice: FlaskClient, url: str, seeded: Seeded
) -> None:
    from db.opinions import replace_opinions

    quiet = seeded.notices["20-100627"]  # a real notice the rules did not flag
    with session_scope(url) as s:
        opinion = {
            "notice_id": quiet,
            "score": 0.91,
            "to_check": True,
            "words": [["capteurs", 0.4], ["sonores", 0.3]],
            "model_version": "m1",
        }
        replace_opinions(s, [opinion])
    page = alice.get("/?check=1").get_data(as_text=True)
    assert 'class="badge to-check"' in page and "capteurs, sonores" in page
    assert f"/notices/{quiet}" in page
