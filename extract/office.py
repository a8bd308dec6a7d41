"""Office files: DOCX (python-docx), ODT/ODS (odfpy), XLSX (openpyxl read-only), DOC (antiword
or catdoc when Debian has them installed).

DOCX, XLSX and ODT are ZIP containers: their table of contents goes through
:func:`extract.archive.check_toc` first, so a bombed ``word/document.xml`` is refused before
any library inflates it. Word files have no stored pages, so a DOCX/ODT is one "page"; a
spreadsheet gives one page per sheet.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from extract.archive import ArchiveRefused, check_toc
from extract.result import Limits
from extract.textclean import clean_text
from vocabulary.documents import ExtractionResult, PageText

__all__ = ["extract_doc", "extract_office"]

#: rows read per sheet: a 1 000 000-row export is data, not a document to flag
_MAX_ROWS = 20_000


def _docx(data: bytes) -> list[str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return ["\n".join(lines)]


def _odf(data: bytes) -> list[str]:
    from odf import teletype, text
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    paragraphs = document.getElementsByType(text.H) + document.getElementsByType(text.P)
    return ["\n".join(teletype.extractText(p) for p in paragraphs)]


def _rows(sheet: Any) -> Iterator[str]:
    for count, row in enumerate(sheet.iter_rows(values_only=True)):
        if count >= _MAX_ROWS:
            break
        cells = [str(v) for v in row if v is not None and str(v).strip()]
        if cells:
            yield " | ".join(cells)


def _xlsx(data: bytes) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [f"{sheet.title}\n" + "\n".join(_rows(sheet)) for sheet in book.worksheets]
    finally:
        book.close()


_READERS = {"docx": _docx, "odt": _odf, "ods": _odf, "xlsx": _xlsx}


def extract_office(data: bytes, kind: str, limits: Limits, *, member: str = "") -> ExtractionResult:
    """Text of a DOCX/XLSX/ODT/ODS. ``kind`` comes from :func:`extract.sniff.sniff`."""
    reader = _READERS.get(kind)
    if reader is None:
        return ExtractionResult("not_a_document", f"unsupported: {kind} files are not read")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_toc(zf, limits)
    except ArchiveRefused as exc:
        return ExtractionResult(exc.status, exc.reason)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return ExtractionResult("corrupt", f"corrupt: {exc}")
    try:
        texts = reader(data)
    except MemoryError:
        raise
    except Exception as exc:  # each library has its own error zoo; all mean "cannot read"
        return ExtractionResult("corrupt", f"corrupt: {kind}: {type(exc).__name__}: {exc}")
    pages = [PageText(i + 1, clean_text(t), member, "office") for i, t in enumerate(texts)]
    return ExtractionResult("ok", page_count=len(pages), pages=pages)


def extract_doc(data: bytes, limits: Limits, *, member: str = "") -> ExtractionResult:
    """Word 97-2003 through ``antiword`` (or ``catdoc``); without them, ``not_a_document``
    with the reason, so the analyst knows the file was not read."""
    for tool, args in (("antiword", ["-w", "0"]), ("catdoc", ["-w"])):
        exe = shutil.which(tool)
        if exe is None:
            continue
        try:
            # a scratch directory of our own: the file never lands anywhere else
            with tempfile.TemporaryDirectory(prefix="veilleur-doc-") as scratch:
                path = Path(scratch) / "document.doc"
                path.write_bytes(data)
                proc = subprocess.run(
                    [exe, *args, str(path)],
                    capture_output=True,
                    timeout=limits.time_budget_s,
                    check=False,
                )
        except subprocess.TimeoutExpired:
            return ExtractionResult(
                "timeout", f"timeout: {tool} took over {limits.time_budget_s:.0f} s"
            )
        if proc.returncode == 0:
            text = clean_text(proc.stdout.decode("utf-8", "replace"))
            return ExtractionResult("ok", page_count=1, pages=[PageText(1, text, member, "office")])
        return ExtractionResult("corrupt", f"corrupt: {tool} exit {proc.returncode}")
    return ExtractionResult(
        "not_a_document", "unsupported: .doc needs antiword or catdoc (scripts/system-deps)"
    )
