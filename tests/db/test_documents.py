"""db.documents on SQLite and PostgreSQL (the ``db_url`` fixture runs both)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.documents import find_document_by_url, get_document, is_final, list_documents, save_document
from db.models import DocumentPage
from db.session import session_scope
from tests.factories import notice_item, store
from vocabulary.documents import ExtractionResult, PageText
from vocabulary.items import DocumentRef

pytestmark = pytest.mark.pg_reuse

SHA_A = "a" * 64
SHA_B = "b" * 64


def _ok() -> ExtractionResult:
    pages = [PageText(1, "Centre de supervision urbain"), PageText(2, "vidéo\x00protection")]
    return ExtractionResult("ok", media_type="application/pdf", page_count=2, pages=pages)


def test_saved_document_is_found_by_sha(db_url):
    with session_scope(db_url) as s:
        save_document(s, SHA_A, _ok(), "var/documents/aa/" + SHA_A)
    with session_scope(db_url) as s:
        assert get_document(s, SHA_A).page_count == 2


def test_saving_twice_keeps_one_set_of_pages(db_url):
    for _ in range(2):
        with session_scope(db_url) as s:
            save_document(s, SHA_A, _ok(), None)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(DocumentPage)) == 2


def test_nul_bytes_never_reach_the_database(db_url):
    with session_scope(db_url) as s:
        save_document(s, SHA_A, _ok(), None)
    with session_scope(db_url) as s:
        texts = s.scalars(select(DocumentPage.text).order_by(DocumentPage.page_number)).all()
        assert texts[1] == "vidéoprotection"


def test_needs_attention_lists_everything_not_ok(db_url):
    with session_scope(db_url) as s:
        save_document(s, SHA_A, _ok(), None)
        save_document(s, SHA_B, ExtractionResult("encrypted", "encrypted: password"), None)
    with session_scope(db_url) as s:
        assert [d.document.sha256 for d in list_documents(s, "needs-attention")] == [SHA_B]


def test_listing_names_the_linking_notice(db_url):
    with session_scope(db_url) as s:
        save_document(s, SHA_B, ExtractionResult("timeout", "timeout: budget"), None)
        cctp = DocumentRef("https://example.org/cctp.pdf", sha256=SHA_B, status="timeout")
        store(
            s,
            notice_item(
                source="boamp",
                source_id="20-101498",
                title="Fourniture",
                url="https://www.boamp.fr/avis/detail/20-101498",
                documents=[cctp],
            ),
        )
    with session_scope(db_url) as s:
        listing = list_documents(s, "timeout")[0]
        assert listing.notices[0][1] == "20-101498"


def test_document_found_by_linked_url(db_url):
    with session_scope(db_url) as s:
        save_document(s, SHA_A, _ok(), None)
        rc = DocumentRef("https://example.org/rc.pdf", sha256=SHA_A, status="ok")
        store(s, notice_item(source="boamp", source_id="K", title="t", documents=[rc]))
    with session_scope(db_url) as s:
        assert find_document_by_url(s, "https://example.org/rc.pdf").sha256 == SHA_A


def test_html_body_is_not_final(db_url):
    with session_scope(db_url) as s:
        document = save_document(s, SHA_A, ExtractionResult("not_a_document", "html: a page"), None)
        assert not is_final(document)


def test_encrypted_is_final(db_url):
    with session_scope(db_url) as s:
        document = save_document(s, SHA_A, ExtractionResult("encrypted", "encrypted: x"), None)
        assert is_final(document)
