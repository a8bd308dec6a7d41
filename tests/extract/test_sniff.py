from __future__ import annotations

from extract.sniff import sniff


def test_real_notice_pdf_is_pdf(fixture_bytes):
    assert sniff(fixture_bytes("corpus/boamp-avis-20-100721.pdf")).kind == "pdf"


def test_real_notice_pdf_is_not_truncated(fixture_bytes):
    assert not sniff(fixture_bytes("corpus/boamp-avis-20-100721.pdf")).truncated


def test_cut_download_is_truncated(fixture_bytes):
    assert sniff(fixture_bytes("hostile/truncated.pdf")).truncated


def test_utf16_html_page_is_html(fixture_bytes):
    assert sniff(fixture_bytes("hostile/html-served-as.pdf")).kind == "html"


def test_empty_body_is_empty():
    assert sniff(b"").kind == "empty"


def test_whitespace_body_is_empty():
    assert sniff(b" \r\n\t").kind == "empty"


def test_zip_storing_a_pdf_is_zip(fixture_bytes):
    assert sniff(fixture_bytes("hostile/dce-cp850.zip")).kind == "zip"


def test_ole_word_file_is_doc():
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "WordDocument".encode("utf-16-le")
    )
    assert sniff(header).kind == "doc"


def test_utf8_french_text_is_text():
    assert sniff("Délibération du conseil municipal : vidéoprotection".encode()).kind == "text"


def test_binary_noise_is_unknown():
    assert sniff(bytes(range(256)) * 4).kind == "unknown"
