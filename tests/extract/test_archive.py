from __future__ import annotations

import io
import stat
import zipfile

from extract.documents import extract_document
from extract.result import Limits


def _zip(members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return out.getvalue()


def test_cp850_member_name_is_decoded(fixture_bytes):
    result = extract_document(fixture_bytes("hostile/dce-cp850.zip"))
    assert "Règlement de consultation.pdf" in {p.member for p in result.pages}


def test_nested_zip_is_read_once(fixture_bytes):
    result = extract_document(fixture_bytes("hostile/dce-cp850.zip"))
    assert "lots.zip/lot1.pdf" in {p.member for p in result.pages}


def test_dce_archive_counts_pages_of_all_members(fixture_bytes):
    result = extract_document(fixture_bytes("hostile/dce-cp850.zip"))
    assert (result.status, result.page_count) == ("ok", 5)


def test_zip_nested_twice_is_partial(fixture_bytes):
    inner = _zip([("a.pdf", fixture_bytes("corpus/boamp-avis-20-101498.pdf"))])
    middle = _zip([("inner.zip", inner)])
    outer = _zip([("middle.zip", middle)])
    assert extract_document(outer).status == "partial"


def test_duplicate_member_names_are_both_read(fixture_bytes):
    pdf = fixture_bytes("corpus/boamp-avis-20-101498.pdf")
    result = extract_document(_zip([("avis.pdf", pdf), ("avis.pdf", pdf)]))
    assert result.status == "ok"
    assert {p.member for p in result.pages} == {"avis.pdf", "avis.pdf (2)"}


def test_symbolic_link_member_is_ignored(fixture_bytes):
    link = zipfile.ZipInfo("etc-passwd")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    data = _zip(
        [(link, b"/etc/passwd"), ("avis.pdf", fixture_bytes("corpus/boamp-avis-20-101498.pdf"))]
    )
    result = extract_document(data)
    assert (result.status, {p.member for p in result.pages}) == ("ok", {"avis.pdf"})


def test_too_many_members_is_too_large():
    data = _zip([(f"f{i}.txt", b"x") for i in range(30)])
    assert extract_document(data, limits=Limits(max_members=20)).status == "too_large"


def test_utf8_member_name_without_flag_is_decoded(fixture_bytes):
    data = _zip([("Annexe_XX.txt", "Caméras de vidéoprotection".encode())])
    data = data.replace(b"Annexe_XX", "Annexe_é".encode())  # 'é' is 2 bytes: same length
    result = extract_document(data)
    assert result.pages[0].member == "Annexe_é.txt"
