"""``veilleur classify`` reads documents as ``veilleur extract`` and the crawler do: in the
capped worker processes, with OCR, and says what became of each document."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from extract.ocr import ocr_available
from veilleur.commands.classify_inputs import text_chunks
from veilleur.commands.rules import classify

FIXTURES = Path(__file__).parents[1] / "fixtures"
#: a real RATP price schedule whose page 2 lists "VIDEO SURVEILLANCE (INSTALLATION)" items
BPU = FIXTURES / "prices" / "ratp-courants-faibles-bpu.rendered.pdf"
HOSTILE = FIXTURES / "documents" / "hostile"


def _run(*paths: Path) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(classify, [str(p) for p in paths])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stderr


@pytest.fixture(scope="module")
def scanned_bpu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Page 2 of the real BPU rendered at 300 dpi and wrapped as an image-only PDF: a scan."""
    pdf = pdfium.PdfDocument(BPU.read_bytes())
    page = pdf[1]
    image = page.render(scale=300 / 72, grayscale=True).to_pil()
    page.close()
    pdf.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=300.0)
    path = tmp_path_factory.mktemp("scan") / "bpu-scanne.pdf"
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.skipif(not ocr_available(), reason="tesseract is a documented system dependency")
def test_a_scanned_page_is_ocr_read_and_flagged(scanned_bpu: Path) -> None:
    code, (line,), _ = _run(scanned_bpu)
    assert line["document"]["status"] == "ocr"  # type: ignore[index]
    assert line["flagged"] is True and "videosurveillance" in line["categories"]  # type: ignore[operator]
    assert code == 0


def test_a_flate_bomb_is_too_large_not_unflagged(tmp_path: Path) -> None:
    """1 GiB of spaces behind 1 MB of deflate: refused from the stream sizes, never inflated
    whole (the worker's memory cap would stop it otherwise), reported, exit 1."""
    deflater = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(deflater.compress(chunk) for _ in range(1024)) + deflater.flush()
    head = (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\n"
        b"endobj\n4 0 obj\n<< /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>"
    )
    pdf = head + b"\nstream\n" + body + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    bomb = tmp_path / "bombe.pdf"
    bomb.write_bytes(pdf)
    code, (line,), err = _run(bomb)
    assert line["document"]["status"] == "too_large"  # type: ignore[index]
    assert str(line["error"]).startswith("too_large: bomb:")
    assert "flagged" not in line and code == 1 and "not read in full" in err


@pytest.mark.parametrize(
    ("name", "status"),
    [("encrypted.pdf", "encrypted"), ("truncated.pdf", "corrupt"), ("zip-bzip2.zip", "partial")],
)
def test_a_document_status_is_reported(name: str, status: str) -> None:
    code, (line,), _ = _run(HOSTILE / name)
    assert line["document"]["status"] == status and code == 1  # type: ignore[index]


def test_a_readable_pdf_reports_ok_pages() -> None:
    code, (line,), _ = _run(BPU)
    assert line["document"] == {"status": "ok", "reason": None, "pages": 8}
    assert line["flagged"] is True and code == 0


def test_a_large_text_file_is_read_in_chunks_that_keep_every_hit(tmp_path: Path) -> None:
    """A text file larger than one chunk: classified page by page, the hit in the last chunk
    found and cited with its page, no line cut in two."""
    filler = "Fourniture de denrées alimentaires pour la restauration scolaire.\n" * 40_000
    text = filler + "Lot 3 : lecture automatique de plaques d'immatriculation.\n"
    path = tmp_path / "gros.txt"
    path.write_text(text, encoding="utf-8")
    chunks = list(text_chunks(path))
    assert len(chunks) == 3 and "".join(chunks) == text
    assert all(c.endswith("\n") for c in chunks)
    code, (line,), _ = _run(path)
    assert line["categories"] == ["lapi"] and code == 0
    assert {h["page"] for h in line["hits"]} == {3}  # type: ignore[index,union-attr]


def test_dev_zero_as_text_stops_at_the_cap() -> None:
    """An endless input is read up to the size cap, classified, and reported as partial."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("veilleur")), "classify", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["document"]["status"] == "partial"
    assert line["document"]["reason"].startswith("size: over 104857600 characters")
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_jsonl_line_without_end_stops_at_the_cap(tmp_path: Path) -> None:
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    code, lines, err = _run(zero)
    assert lines == [
        {
            "id": "zero.jsonl:1",
            "error": "line 1: over 104857600 characters, the rest of the file unread",
        }
    ]
    assert code == 1 and "could not be read" in err
