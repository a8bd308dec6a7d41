"""A :class:`letters.model.Letter` as plain text, OpenDocument text (.odt) or Word (.docx).

The three carry the same paragraphs in the same order (:meth:`Letter.paragraphs`), so what a
volunteer opens in LibreOffice or Word is what the tests read back; layout is kept plain
(one paragraph per line, the subject in bold) so editing it never fights a template.
"""

from __future__ import annotations

import io
import re
import unicodedata

from letters.model import Letter

__all__ = ["FORMATS", "MEDIA_TYPES", "file_name", "render", "to_docx", "to_odt", "to_text"]

FORMATS = ("txt", "odt", "docx")
MEDIA_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def to_text(letter: Letter) -> str:
    return "\n".join(letter.paragraphs()).rstrip() + "\n"


def to_odt(letter: Letter) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.text import P

    doc = OpenDocumentText()
    bold = Style(name="Objet", family="paragraph")
    bold.addElement(TextProperties(fontweight="bold"))
    body = Style(name="Corps", family="paragraph")
    body.addElement(ParagraphProperties(marginbottom="0.1cm"))
    doc.styles.addElement(bold)
    doc.styles.addElement(body)
    for line in letter.paragraphs():
        style = bold if line == letter.subject else body
        doc.text.addElement(P(stylename=style, text=line))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def to_docx(letter: Letter) -> bytes:
    import docx

    document = docx.Document()
    for line in letter.paragraphs():
        paragraph = document.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = line == letter.subject
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render(letter: Letter, fmt: str) -> bytes:
    """The letter in ``fmt`` (one of :data:`FORMATS`) as bytes."""
    if fmt == "txt":
        return to_text(letter).encode("utf-8")
    if fmt == "odt":
        return to_odt(letter)
    if fmt == "docx":
        return to_docx(letter)
    raise ValueError(f"unknown letter format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def file_name(letter: Letter, request_id: int | None, buyer: str, fmt: str) -> str:
    """``demande-12-ville-de-chenove.odt``, ``saisine-cada-12-….docx``."""
    stem = "demande" if letter.kind == "request" else "saisine-cada"
    parts = [stem, str(request_id) if request_id else "", _slug(buyer)]
    return "-".join(p for p in parts if p) + f".{fmt}"
