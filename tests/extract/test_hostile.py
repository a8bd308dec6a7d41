"""Each hostile fixture gets its exact recorded status (fixtures: make_hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.documents import extract_document
from extract.result import Limits

#: a smaller PDF inflate cap than production, so the 64 MiB bomb fixture trips it
BOMB_LIMITS = Limits(max_pdf_inflated_bytes=16 << 20)


def read(fixture_bytes, name: str, limits: Limits | None = None):
    return extract_document(fixture_bytes(f"hostile/{name}"), name=name, limits=limits or Limits())


def test_truncated_download_is_corrupt(fixture_bytes):
    assert read(fixture_bytes, "truncated.pdf").status == "corrupt"


def test_truncated_download_says_truncated(fixture_bytes):
    assert read(fixture_bytes, "truncated.pdf").reason.startswith("truncated:")


def test_encrypted_pdf_is_encrypted(fixture_bytes):
    assert read(fixture_bytes, "encrypted.pdf").status == "encrypted"


def test_broken_xref_is_repaired_and_read(fixture_bytes):
    result = read(fixture_bytes, "broken-xref.pdf")
    assert (result.status, result.page_count) == ("ok", 3)


def test_broken_xref_text_is_the_notice(fixture_bytes):
    assert "Avis n°20-100721" in read(fixture_bytes, "broken-xref.pdf").text


def test_recursive_page_tree_is_corrupt(fixture_bytes):
    assert read(fixture_bytes, "recursive-pages.pdf").status == "corrupt"


def test_pdf_stream_bomb_is_too_large(fixture_bytes):
    assert read(fixture_bytes, "pdf-bomb.pdf", BOMB_LIMITS).status == "too_large"


def test_pdf_stream_bomb_reason_names_the_bomb(fixture_bytes):
    assert read(fixture_bytes, "pdf-bomb.pdf", BOMB_LIMITS).reason.startswith("bomb:")


def test_200k_tiny_characters_is_partial(fixture_bytes):
    assert read(fixture_bytes, "tiny-chars.pdf").status == "partial"


def test_200k_tiny_characters_keeps_the_capped_text(fixture_bytes):
    result = read(fixture_bytes, "tiny-chars.pdf")
    assert 90_000 < len(result.pages[0].text) <= Limits().max_chars_per_page


def test_html_page_served_as_pdf_is_not_a_document(fixture_bytes):
    result = read(fixture_bytes, "html-served-as.pdf")
    assert (result.status, result.reason.split(":")[0]) == ("not_a_document", "html")


def test_empty_body_is_not_a_document(fixture_bytes):
    result = read(fixture_bytes, "empty-body.pdf")
    assert (result.status, result.reason.split(":")[0]) == ("not_a_document", "empty")


def test_zip_member_bomb_is_too_large(fixture_bytes):
    assert read(fixture_bytes, "zip-bomb.zip").status == "too_large"


def test_zip_slip_names_make_the_archive_partial(fixture_bytes):
    assert read(fixture_bytes, "zip-slip.zip").status == "partial"


def test_zip_slip_archive_still_reads_its_safe_member(fixture_bytes):
    result = read(fixture_bytes, "zip-slip.zip")
    assert {p.member for p in result.pages} == {"DCE/avis.pdf"}


def test_zip_slip_writes_nothing_outside(fixture_bytes, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    read(fixture_bytes, "zip-slip.zip")
    assert not Path("/tmp/veilleur-zip-slip.txt").exists() and list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def scanned():
    """The one OCR run of this module (~2-15 s depending on load)."""
    path = Path(__file__).parent.parent / "fixtures" / "documents" / "hostile" / "scanned.pdf"
    return extract_document(path.read_bytes(), limits=Limits())


def test_scanned_page_without_text_layer_is_ocr(scanned):
    assert (scanned.status, scanned.pages[0].method) == ("ocr", "ocr")


def test_scanned_page_ocr_reads_the_act(scanned):
    assert "Finances Publiques" in scanned.text


def test_scanned_page_without_ocr_is_partial(fixture_bytes):
    assert read(fixture_bytes, "scanned.pdf", Limits(ocr=False)).status == "partial"
