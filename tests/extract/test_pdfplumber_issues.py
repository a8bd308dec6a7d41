"""Regressions on real problem PDFs from pdfplumber's own suite (pdfplumber test_issues.py style)."""

from __future__ import annotations

from extract.documents import extract_document
from extract.result import Limits
from extract.textclean import rule_words
from extract.worker import WorkerPool


def test_empty_0_byte_file(fixture_bytes):
    result = extract_document(fixture_bytes("pdfplumber/empty.pdf"))
    assert (result.status, result.reason.split(":")[0]) == ("not_a_document", "empty")


def test_password_example_is_encrypted(fixture_bytes):
    assert extract_document(fixture_bytes("pdfplumber/password-example.pdf")).status == "encrypted"


def test_issue_848_reads_eight_pages(fixture_bytes):
    result = extract_document(fixture_bytes("pdfplumber/issue-848.pdf"))
    assert (result.status, len(result.pages)) == ("ok", 8)


def test_warn_report_slow_layout_fast_path_reads_all_pages(fixture_bytes):
    result = extract_document(
        fixture_bytes("pdfplumber/WARN-Report-for-7-1-2015-to-03-25-2016.pdf")
    )
    assert (result.status, len(result.pages)) == ("ok", 16)


def test_warn_report_slow_layout_with_pdfplumber_times_out_within_budget(fixture_bytes):
    # in a worker, SIGALRM interrupts the slow page itself (in-process, only between pages)
    limits = Limits(pdf_engine="pdfplumber", time_budget_s=1.0)
    data = fixture_bytes("pdfplumber/WARN-Report-for-7-1-2015-to-03-25-2016.pdf")
    with WorkerPool(1) as pool:
        assert pool.extract(data, limits=limits).status == "timeout"


def test_pdfplumber_and_pdfium_give_the_rules_the_same_words(fixture_bytes):
    data = fixture_bytes("corpus/boamp-avis-20-101498.pdf")
    fast = extract_document(data, limits=Limits(pdf_engine="pdfium")).text
    reference = extract_document(data, limits=Limits(pdf_engine="pdfplumber")).text
    assert rule_words(fast) == rule_words(reference)


def test_pdfium_keeps_hyphenated_place_names(fixture_bytes):
    text = extract_document(fixture_bytes("corpus/boamp-avis-20-101498.pdf")).text
    assert "Pointe-à-Pitre" in text


def test_prefecture_scan_with_ocr_layer_keeps_its_layer(fixture_bytes):
    # this file's 26 MB predictor-coded image once stalled the bomb pre-scan (zlib made no
    # progress on a max_length-limited call): now it is read from its Tesseract layer
    data = fixture_bytes("corpus/RAA03_03-2025-01-02-00001_ddfip-delegation.pdf")
    result = extract_document(data, limits=Limits(ocr=False))
    assert (result.status, "Finances Publiques" in result.text) == ("ok", True)
