"""Hostile scraped text stays inert; headers; documents served as downloads only."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from db.notice_export import csv_cell
from review.render import highlight, safe_url
from tests.review.conftest import Seeded


def test_hostile_title_is_escaped_on_the_notice_page(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.hostile_id}").get_data(as_text=True)
    assert '<script>alert("xss-title")' not in page and "&lt;script&gt;alert(" in page


def test_hostile_title_is_escaped_in_the_queue(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get("/").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_hostile_description_is_escaped(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.hostile_id}").get_data(as_text=True)
    assert "<svg onload" not in page and "<iframe" not in page


def test_hostile_buyer_is_escaped(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.hostile_id}").get_data(as_text=True)
    assert "<b onmouseover" not in page


def test_hostile_snippet_is_escaped_inside_the_highlight(
    alice: FlaskClient, seeded: Seeded
) -> None:
    page = alice.get(f"/notices/{seeded.hostile_id}").get_data(as_text=True)
    assert "<mark>Vidéoprotection</mark>" in page and "<script>alert" not in page


def test_javascript_url_is_not_a_link(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.hostile_id}").get_data(as_text=True)
    assert 'href="javascript:' not in page and "javascript:alert(&#39;xss-url&#39;)" in page


def test_https_source_url_is_a_link(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.notices['20-100747']}").get_data(as_text=True)
    assert 'href="https://www.boamp.fr/pages/avis/?q=idweb:20-100747"' in page


def test_template_syntax_in_text_is_not_evaluated(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.hostile_id}").get_data(as_text=True)
    assert "{{ 7*7 }}" in page


def test_csp_forbids_inline_script(alice: FlaskClient) -> None:
    csp = alice.get("/").headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )


def test_nosniff_and_frame_headers(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_referrer_policy_set(client: FlaskClient) -> None:
    assert client.get("/login").headers["Referrer-Policy"] == "no-referrer"


def test_pages_have_no_inline_script(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.notices['20-102325']}").get_data(as_text=True)
    assert "<script>" not in page and " on" + "click=" not in page


def test_document_is_served_as_attachment(alice: FlaskClient, seeded: Seeded) -> None:
    response = alice.get(f"/documents/{seeded.document_id}/download")
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_document_download_is_octet_stream_nosniff(alice: FlaskClient, seeded: Seeded) -> None:
    response = alice.get(f"/documents/{seeded.document_id}/download")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_document_without_stored_file_is_404(alice: FlaskClient, seeded: Seeded) -> None:
    assert alice.get(f"/documents/{seeded.unreadable_id}/download").status_code == 404


def test_storage_path_escaping_documents_dir_is_refused(
    alice: FlaskClient, url: str, seeded: Seeded
) -> None:
    from db.models import Document
    from db.session import session_scope

    with session_scope(url) as s:
        doc = s.get(Document, seeded.document_id)
        assert doc is not None
        doc.storage_path = "../../../../etc/passwd"
    assert alice.get(f"/documents/{seeded.document_id}/download").status_code == 404


def test_document_stored_with_the_folder_prefix_still_downloads(
    alice: FlaskClient, url: str, seeded: Seeded, tmp_path: Path
) -> None:
    """Rows written before paths were relative to the documents folder carry it as a prefix."""
    from db.models import Document
    from db.session import session_scope

    with session_scope(url) as s:
        doc = s.get(Document, seeded.document_id)
        assert doc is not None
        sha = doc.sha256
        doc.storage_path = f"var/documents/{sha[:2]}/{sha}"
    desk_documents = tmp_path / "documents"  # the desk's DOCUMENTS_DIR (tests/review/conftest)
    (desk_documents / sha[:2]).mkdir(parents=True, exist_ok=True)
    (desk_documents / sha[:2] / sha).write_bytes(b"%PDF-1.4 stored by an older crawl")
    response = alice.get(f"/documents/{seeded.document_id}/download")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-1.4 stored")


def test_document_page_shows_the_matched_text(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/documents/{seeded.document_id}/pages/2?t=Cahier").get_data(as_text=True)
    assert "<mark>Cahier</mark>" in page


def test_unreadable_document_status_is_shown(alice: FlaskClient, seeded: Seeded) -> None:
    page = alice.get(f"/notices/{seeded.notices['20-102325']}").get_data(as_text=True)
    assert "encrypted" in page and "PDF is encrypted and has no text layer" in page


def test_safe_url_refuses_other_schemes() -> None:
    assert [
        safe_url(u) for u in ("javascript:x", "data:text/html,x", "//evil.fr/", "file:///etc")
    ] == [None] * 4


def test_safe_url_refuses_control_characters() -> None:
    assert safe_url("https://a.fr/\nx") is None


def test_highlight_ignores_accents_and_case() -> None:
    assert str(highlight("des caméras de VIDÉOPROTECTION", ["videoprotection"])) == (
        "des caméras de <mark>VIDÉOPROTECTION</mark>"
    )


def test_csv_cell_neutralises_formulas() -> None:
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'


def test_bidi_and_zero_width_characters_are_not_shown_but_kept(
    alice_both: FlaskClient, seeded_both: Seeded, both_url: str
) -> None:
    """A right-to-left override makes "…gnp.exe" display as "…exe.png"; the desk shows the
    text in reading order, the database keeps what the portal published."""
    from sqlalchemy import update

    from db.models import Notice
    from db.session import session_scope

    title = "Vidéoprotection \u202egnp.exe\u202c \u2066lot\u2069 1\u200b"
    buyer = "Commune de \u200fCollonges\u200e"
    notice_id = seeded_both.notices["20-102325"]
    with session_scope(both_url) as s:
        s.execute(
            update(Notice).where(Notice.id == notice_id).values(title=title, buyer_name=buyer)
        )
    for path in (f"/notices/{notice_id}", "/?q=Collonges", "/?unflagged=1"):
        page = alice_both.get(path).get_data(as_text=True)
        assert not set(page) & set("\u202e\u202c\u2066\u2069\u200b\u200f\u200e"), path
        assert "Vidéoprotection gnp.exe lot 1" in page or path != f"/notices/{notice_id}"
    with session_scope(both_url) as s:
        stored = s.get(Notice, notice_id)
        assert stored is not None and (stored.title, stored.buyer_name) == (title, buyer)
