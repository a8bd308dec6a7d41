"""Office files built at test time from a real notice's text (BOAMP 20-101498)."""

from __future__ import annotations

import io

import pytest

from extract.documents import extract_document
from extract.office import extract_doc
from extract.result import Limits


@pytest.fixture
def notice_lines(fixture_bytes) -> list[str]:
    text = extract_document(fixture_bytes("corpus/boamp-avis-20-101498.pdf")).pages[0].text
    return [line for line in text.splitlines() if line.strip()][:20]


def test_docx_paragraphs_are_read(notice_lines):
    import docx

    document = docx.Document()
    for line in notice_lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    result = extract_document(buf.getvalue())
    assert (result.status, notice_lines[5] in result.text) == ("ok", True)


def test_xlsx_sheet_is_one_page(notice_lines):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "BPU"
    for line in notice_lines:
        sheet.append([line])
    buf = io.BytesIO()
    book.save(buf)
    result = extract_document(buf.getvalue())
    assert (result.status, result.page_count, result.pages[0].text.splitlines()[0]) == (
        "ok",
        1,
        "BPU",
    )


def test_odt_paragraphs_are_read(notice_lines):
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for line in notice_lines:
        document.text.addElement(P(text=line))
    buf = io.BytesIO()
    document.save(buf)
    result = extract_document(buf.getvalue())
    assert (result.media_type, notice_lines[3] in result.text) == (
        "application/vnd.oasis.opendocument.text",
        True,
    )


def test_doc_without_antiword_is_not_a_document(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = extract_doc(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Limits())
    assert (result.status, result.reason.split(":")[0]) == ("not_a_document", "unsupported")


def test_docx_with_bombed_member_is_too_large(notice_lines):
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph(notice_lines[0])
    buf = io.BytesIO()
    document.save(buf)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/media/padding.xml", b" " * (8 << 20))
    assert extract_document(buf.getvalue()).status == "too_large"
