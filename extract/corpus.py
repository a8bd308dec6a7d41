"""Find one labelled record in the development corpus and turn it into ``TextField`` values.

The labels file (``file,record_id,...``) names a file and a string that identifies the record
inside it. Each corpus format needs its own reader (see ``../shared/corpus/README.md`` beside the project):
BOAMP API JSON, UTF-16 BOAMP/TED HTML pages, DECP JSON, TED XML (R2.0.9 and eForms), the
boamp-extractor listing CSV, web-page excerpts (JSONL) and PDFs with a text layer. Readers are
pure (no network, no database) so ``veilleur rules eval`` and the tests share them.
"""

from __future__ import annotations

import ast
import csv
import difflib
import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from vocabulary.decision import TextField
from vocabulary.errors import VeilleurError

__all__ = [
    "CorpusError",
    "CorpusRecord",
    "html_to_text",
    "load_record",
    "pdf_pages",
]

log = logging.getLogger(__name__)


class CorpusError(VeilleurError):
    """Raised when a labelled file is missing, unreadable, or does not hold the record id."""


@dataclass(frozen=True)
class CorpusRecord:
    """One record of a corpus file, ready for ``RuleSet.evaluate``."""

    file: str
    record_id: str
    fields: tuple[TextField, ...]


_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_TAG_RE = re.compile(r"<[^>]+>")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> str:
    """Strip scripts, styles and tags; unescape entities; keep line structure."""
    text = _SCRIPT_RE.sub(" ", markup)
    text = re.sub(r"<(br|p|div|tr|li|h\d)\b[^>]*>", "\n", text, flags=re.I)
    text = html.unescape(_TAG_RE.sub(" ", text))
    return _BLANK_LINES_RE.sub("\n", text)


def pdf_pages(path: Path, max_pages: int = 500) -> Iterator[tuple[int, str]]:
    """Yield ``(page_number, text)`` for each page of a PDF with a text layer, closing pages."""
    import pdfplumber  # heavy import, only when a PDF is read

    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages[:max_pages], start=1):
            try:
                yield number, page.extract_text() or ""
            finally:
                page.close()


def _leaves(value: Any) -> Iterator[str]:
    """Every string leaf of a JSON value (unknown shapes stay searchable)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return [value]
        return [str(v) for v in parsed] if isinstance(parsed, list) else [value]
    return [str(value)]


def _json_string(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@lru_cache(maxsize=16)
def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _boamp_api(path: Path, record_id: str) -> tuple[TextField, ...]:
    for rec in _read_json(path).get("results", []):
        if record_id in (rec.get("idweb"), rec.get("id")):
            fields = [TextField("title", str(rec.get("objet") or ""))]
            fields.append(TextField("buyer", str(rec.get("nomacheteur") or "")))
            fields += [TextField("descriptor", d) for d in _as_list(rec.get("descripteur_libelle"))]
            donnees = " \n".join(_leaves(_json_string(rec.get("donnees"))))
            fields.append(TextField("extra", donnees))
            return tuple(fields)
    raise CorpusError(f"record {record_id!r} not in {path.name}")


def _closest(candidates: list[dict[str, Any]], hint: str, key: str) -> dict[str, Any]:
    """Several records share an id (DECP ids are not unique): take the one titled like ``hint``."""
    if len(candidates) == 1 or not hint:
        return candidates[0]

    def score(rec: dict[str, Any]) -> float:
        title = str(rec.get(key) or "")[: len(hint) + 20]
        return difflib.SequenceMatcher(None, title.lower(), hint.lower()).ratio()

    return max(candidates, key=score)


def _decp(path: Path, record_id: str, hint: str = "") -> tuple[TextField, ...]:
    found = [r for r in _read_json(path).get("marches", []) if str(r.get("id")) == record_id]
    if not found:
        raise CorpusError(f"record {record_id!r} not in {path.name}")
    rec = _closest(found, hint, "objet")
    fields = [TextField("title", str(rec.get("objet") or ""))]
    buyer = rec.get("acheteur") or rec.get("autoriteConcedante") or {}
    fields.append(TextField("buyer", str(buyer.get("nom", "")) if isinstance(buyer, dict) else ""))
    if rec.get("codeCPV"):
        fields.append(TextField("cpv", str(rec["codeCPV"])))
    holders = rec.get("titulaires") or rec.get("concessionnaires") or []
    names = [str(h.get("denominationSociale", "")) for h in holders if isinstance(h, dict)]
    fields.append(TextField("extra", " ; ".join(names)))
    return tuple(fields)


def _html(path: Path, record_id: str) -> tuple[TextField, ...]:
    raw = path.read_bytes()
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    text = html_to_text(raw.decode(encoding, errors="replace"))
    if record_id not in text:
        raise CorpusError(f"record {record_id!r} not in {path.name}")
    return (TextField("description", text),)


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _ted_xml(path: Path, record_id: str) -> tuple[TextField, ...]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.parse(str(path), parser).getroot()
    if record_id and record_id not in etree.tostring(root, encoding="unicode"):
        raise CorpusError(f"record {record_id!r} not in {path.name}")
    titles: list[str] = []
    descrs: list[str] = []
    cpvs: list[str] = []
    buyers: list[str] = []
    for el in root.iter(etree.Element):
        name = _local(el.tag)
        text = " ".join(el.itertext()).strip()
        parent = _local(el.getparent().tag) if el.getparent() is not None else ""
        if (name == "TITLE" and parent == "OBJECT_CONTRACT") or (
            name == "Name" and parent == "ProcurementProject"
        ):
            titles.append(text)
        elif name == "SHORT_DESCR" or (name == "Description" and parent in ("ProcurementProject",)):
            descrs.append(text)
        elif name in ("CPV_CODE", "ORIGINAL_CPV") and el.get("CODE"):
            cpvs.append(el.get("CODE", ""))
        elif name == "ItemClassificationCode" and el.get("listName") == "cpv":
            cpvs.append(text)
        elif name == "OFFICIALNAME" or (name == "Name" and parent == "PartyName"):
            buyers.append(text)
    fields = [TextField("title", " / ".join(dict.fromkeys(titles)))]
    fields.append(TextField("description", "\n".join(dict.fromkeys(descrs))))
    fields.append(TextField("buyer", buyers[0] if buyers else ""))
    fields += [TextField("cpv", c) for c in dict.fromkeys(cpvs)]
    return tuple(fields)


@lru_cache(maxsize=8)
def _csv_rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _listing_csv(path: Path, record_id: str) -> tuple[TextField, ...]:
    for row in _csv_rows(path):
        if "numero_arrete" in row:  # Préfecture de police arrêtés: number, title, date, pdf
            if row["numero_arrete"] == record_id:
                return (TextField("title", row.get("titre") or ""),)
            continue
        if row.get("idweb") == record_id:
            cells = [
                c.strip() for c in row.get("raw_markdown_row", "").strip().strip("|").split("|")
            ]
            # | [id](url) | buyer | amount | duration | deadline | résumé | watch keyword |
            buyer = cells[1] if len(cells) > 1 else ""
            title = cells[5] if len(cells) > 5 else " ".join(cells)
            return (TextField("title", title), TextField("buyer", buyer))
    raise CorpusError(f"record {record_id!r} not in {path.name}")


def _jsonl(path: Path, record_id: str) -> tuple[TextField, ...]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            if record_id in (rec.get("doc_id"), rec.get("id"), rec.get("record_id")):
                return (TextField("description", str(rec.get("text", ""))),)
    raise CorpusError(f"record {record_id!r} not in {path.name}")


@lru_cache(maxsize=4)
def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


_RAA_ACT_ID_RE = re.compile(r"\b\d{2,3}-\d{4}-\d{2}-\d{2}-\d{5}\b")


def _raa_act(path: Path, record_id: str) -> tuple[TextField, ...]:
    """One act of a prefecture's RAA bundle (text extracted from the PDF), ``record_id`` being the
    act's id (``83-2025-06-06-00001``). The bundle opens with a table of contents naming every
    act once; each act's text then starts where its id appears again and runs to the next act."""
    text = _read_text(path)
    starts: dict[str, int] = {}
    seen: set[str] = set()
    for m in _RAA_ACT_ID_RE.finditer(text):
        act = m.group(0)
        if act in seen and act not in starts:
            starts[act] = m.start()
        seen.add(act)
    if record_id not in seen:
        raise CorpusError(f"act {record_id!r} not in {path.name}")
    begin = starts.get(record_id, text.find(record_id))
    later = [pos for pos in starts.values() if pos > begin]
    body = text[begin : min(later) if later else len(text)]
    return (TextField("document", body, document=path.stem, page=1),)


def _pdf(path: Path, record_id: str) -> tuple[TextField, ...]:
    if record_id and record_id not in path.name:
        raise CorpusError(f"record {record_id!r} is not the document {path.name}")
    return tuple(
        TextField("document", text, document=path.name, page=n) for n, text in pdf_pages(path)
    )


def load_record(data_dir: Path, file: str, record_id: str, title: str = "") -> CorpusRecord:
    """Read the record ``record_id`` of ``data_dir/file``; raise ``CorpusError`` if absent.

    ``title`` (the labels file's title) picks among records sharing one id.
    """
    path = Path(data_dir) / file
    if not path.is_file():
        raise CorpusError(f"file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".html", ".htm"):
            fields = _html(path, record_id)
        elif suffix == ".xml":
            fields = _ted_xml(path, record_id)
        elif suffix == ".csv":
            fields = _listing_csv(path, record_id)
        elif suffix == ".jsonl":
            fields = _jsonl(path, record_id)
        elif suffix == ".txt":
            fields = _raa_act(path, record_id)
        elif suffix == ".pdf":
            fields = _pdf(path, record_id)
        elif suffix == ".json":
            data = _read_json(path)
            fields = (
                _decp(path, record_id, title) if "marches" in data else _boamp_api(path, record_id)
            )
        else:
            raise CorpusError(f"unknown corpus format: {path.name}")
    except CorpusError:
        raise
    except (OSError, ValueError, etree.XMLSyntaxError, KeyError, TypeError) as exc:
        raise CorpusError(f"cannot read {path.name}: {exc}") from exc
    return CorpusRecord(file=file, record_id=record_id, fields=fields)
