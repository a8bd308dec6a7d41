"""Decide what a body is from its bytes, never from its URL or Content-Type.

Portals serve login pages and "file not found" HTML as ``application/pdf``, cut downloads short
and return empty bodies; each of those must be recorded as what it is and never handed to a
parser. :func:`sniff` reads magic numbers and, for ZIP containers, only the table of contents.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

__all__ = ["MEDIA_TYPES", "Sniffed", "sniff"]

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "doc": "application/msword",
    "ole": "application/x-ole-storage",
    "html": "text/html",
    "text": "text/plain",
    "rtf": "application/rtf",
    "image": "image/*",
    "empty": "application/x-empty",
    "unknown": "application/octet-stream",
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_RE = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|title|meta|script|style|div|table|form|h1)\b", re.I
)
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
#: a PDF's %%EOF may be followed by a little junk; look this far back from the end
_EOF_WINDOW = 2048


@dataclass(frozen=True)
class Sniffed:
    """``kind`` is a key of :data:`MEDIA_TYPES`; ``truncated`` only applies to PDFs."""

    kind: str
    truncated: bool = False

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


def _zip_kind(data: bytes) -> str:
    """docx/xlsx/pptx/odt/ods or plain zip, from member names only (nothing is inflated)."""
    if data[30:38] == b"mimetype":
        # ODF stores its media type uncompressed as the first member
        head = data[38:120]
        if b"opendocument.text" in head:
            return "odt"
        if b"opendocument.spreadsheet" in head:
            return "ods"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist()[:5000])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"  # a broken zip is still a zip: the archive reader records why
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "ppt/presentation.xml" in names:
            return "pptx"
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return head.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 with BOM
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:
            sample = head[: exc.start].decode("utf-8")  # cut inside a character
        else:
            sample = head.decode("cp1252", errors="replace")
    if not sample:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in sample)
    return printable / len(sample) > 0.95


def sniff(data: bytes) -> Sniffed:
    """What ``data`` is. Empty and whitespace-only bodies are ``empty``."""
    if not data.strip():
        return Sniffed("empty")
    head = data[:1024]
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Sniffed(_zip_kind(data))  # before %PDF-: a ZIP may store a PDF uncompressed
    if b"%PDF-" in head:
        tail = data[-_EOF_WINDOW:]
        return Sniffed("pdf", truncated=b"%%EOF" not in tail)
    if data.startswith(_OLE_MAGIC):
        # Word stores its main stream as "WordDocument" (UTF-16 name in the directory)
        return Sniffed("doc" if "WordDocument".encode("utf-16-le") in data else "ole")
    if data.startswith(_IMAGE_MAGIC):
        return Sniffed("image")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{\\rtf"):
        return Sniffed("rtf")
    if _HTML_RE.search(head.decode("utf-16", "ignore").encode() if b"\x00" in head else head):
        return Sniffed("html")
    if _looks_like_text(head):
        return Sniffed("text")
    return Sniffed("unknown")
