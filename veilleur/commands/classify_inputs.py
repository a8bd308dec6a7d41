"""What ``veilleur classify`` reads, one record at a time.

* JSONL (``.jsonl``, ``.ndjson``): one notice per line, ``{"id", "title"?, "text"}``;
* documents (PDF, ZIP, DOCX, ODT, XLSX …): read exactly as ``veilleur extract`` and the crawler
  read them — in the capped worker processes of :class:`extract.worker.WorkerPool`, with the
  same size, page, time, memory and decompression caps, OCR of scanned pages, and the document
  status (``ok``, ``ocr``, ``partial``, ``encrypted``, ``too_large`` …) reported with the record;
* anything else as UTF-8 text, read in chunks of :data:`TEXT_CHUNK` characters cut at a line
  end, each classified as a page of the file: memory and the rules' per-field costs stay bounded
  whatever the file's size (``bench/classify_speed.py`` compares it with the same text as JSONL);
  past ``Limits.max_bytes`` characters (100 Mi) the rest is left unread and the record says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract.result import Limits
from vocabulary.decision import TextField

__all__ = ["DOCUMENT_SUFFIXES", "TEXT_CHUNK", "Inputs", "Record", "text_chunks"]

#: read as documents (by the worker pool); the bytes decide the format, the name only routes
DOCUMENT_SUFFIXES = frozenset(
    {".pdf", ".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".doc", ".rtf"}
)
#: characters of plain text classified as one page
TEXT_CHUNK = 1 << 20


@dataclass
class Record:
    """One thing to classify: ``fields`` None means it could not be read (``error`` says why);
    ``document`` is the status of a document input (what ``veilleur extract`` prints)."""

    rid: str
    fields: list[TextField] | None
    error: str = ""
    document: dict[str, Any] | None = None

    @property
    def read_in_full(self) -> bool:
        return self.fields is not None and (
            self.document is None or self.document["status"] in ("ok", "ocr")
        )


def text_chunks(path: Path, size: int = TEXT_CHUNK) -> Iterator[str]:
    """The file's text in pieces of about ``size`` characters, each cut after a line end (or
    a space) so that no word is split; invalid UTF-8 becomes U+FFFD."""
    carry = ""
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        while block := fh.read(size):
            block = carry + block
            cut = block.rfind("\n") + 1 or block.rfind(" ") + 1
            if cut <= len(block) // 2:  # no line end in the second half: cut anywhere
                cut = len(block)
            carry = block[cut:]
            yield block[:cut]
    if carry:
        yield carry


def _lines(fh: Any, max_chars: int) -> Iterator[str | None]:
    """Each line of ``fh``, then None and nothing more when a line runs over ``max_chars``
    (a file without line ends, ``/dev/zero``, is neither read whole nor read forever)."""
    while line := fh.readline(max_chars + 1):
        if len(line) > max_chars and not line.endswith("\n"):
            yield None
            return
        yield line


def _jsonl(path: Path, max_chars: int) -> Iterator[Record]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(_lines(fh, max_chars), start=1):
            if line is None:
                reason = f"line {n}: over {max_chars} characters, the rest of the file unread"
                yield Record(f"{path.name}:{n}", None, reason)
                return
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                yield Record(f"{path.name}:{n}", None, f"bad JSON line {n}: {exc}")
                continue
            rid = str(obj.get("id", f"{path.name}:{n}"))
            fields = [
                TextField("title", str(obj.get("title") or "")),
                TextField("description", str(obj.get("text") or "")),
            ]
            yield Record(rid, fields)


def _text(path: Path, max_chars: int) -> Iterator[Record]:
    chunks: list[str] = []
    read = 0
    cut: dict[str, Any] | None = None
    try:
        for chunk in text_chunks(path):
            if read + len(chunk) > max_chars:  # /dev/zero, a runaway log: the cap, not the RAM
                reason = f"size: over {max_chars} characters, read the first {read}"
                cut = {"status": "partial", "reason": reason, "pages": len(chunks)}
                break
            chunks.append(chunk)
            read += len(chunk)
    except OSError as exc:
        yield Record(path.name, None, f"cannot read the file: {exc.strerror or exc}")
        return
    if len(chunks) <= 1 and cut is None:
        yield Record(path.name, [TextField("description", "".join(chunks))])
        return
    fields = [TextField("description", c, page=n) for n, c in enumerate(chunks, start=1)]
    yield Record(path.name, fields, "", cut)


class Inputs:
    """Records of the files given to ``classify``; documents go through one worker pool,
    started at the first document and closed by :meth:`close`."""

    def __init__(self, limits: Limits | None = None, workers: int = 1) -> None:
        self.limits = limits or Limits()
        self._workers = workers
        self._pool: Any = None

    def records(self, path: Path) -> Iterator[Record]:
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            yield from _jsonl(path, self.limits.max_bytes)
        elif suffix in DOCUMENT_SUFFIXES:
            yield self._document(path)
        else:
            yield from _text(path, self.limits.max_bytes)

    def _document(self, path: Path) -> Record:
        if self._pool is None:
            from extract.worker import WorkerPool

            self._pool = WorkerPool(self._workers, limits=self.limits)
        ((_path, result),) = self._pool.extract_files([path])
        status = {"status": result.status, "reason": result.reason, "pages": len(result.pages)}
        if not result.pages:
            return Record(path.name, None, f"{result.status}: {result.reason}", status)
        digest = _sha256(path)
        fields = [
            TextField("document", page.text, document=digest, page=number)
            for number, page in enumerate(result.pages, start=1)
        ]
        return Record(path.name, fields, "", status)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
