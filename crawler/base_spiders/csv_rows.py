"""Council deliberation files (CSV) → ``deliberation`` notices: the SCDL format, or any city
export whose columns a config entry maps.

SCDL "Délibérations" (``scdl/deliberations``, schema in
``tests/fixtures/realworld/catalogue/``): ``COLL_NOM``, ``COLL_SIRET``, ``DELIB_ID``,
``DELIB_DATE``, ``DELIB_MATIERE_CODE``, ``DELIB_MATIERE_NOM``, ``DELIB_OBJET`` are required;
``DELIB_URL`` links the act. Aggregated feeds (a GIP's file of its members' acts) carry many
collectivités: the buyer is read per row, and so is the place, from the SIREN (a commune's SIREN
is ``21`` + its INSEE code; a département council's ``22`` + its code).

Files in the wild: ``;`` or ``,``, UTF-8 with or without BOM or windows-1252, ``DD/MM/YYYY`` or
ISO dates, SIRET as a float (``2.13E+13``), headers in any case, extra or misspelt columns, empty
rows. A file without the object column is not read (``not_conforming``); a file missing another
required SCDL column is read and reported; a row without object is a ``bad_record``.

Pure: bytes in, notices and problems out.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vocabulary.items import DocumentRef, NoticeItem

__all__ = [
    "SCDL_COLUMNS",
    "SCDL_REQUIRED",
    "CsvProblem",
    "decode_csv",
    "place_from_siren",
    "read_deliberations",
]

#: the notice fields a column map may fill, and SCDL's column for each
SCDL_COLUMNS: dict[str, str] = {
    "buyer_name": "COLL_NOM",
    "buyer_siret": "COLL_SIRET",
    "source_id": "DELIB_ID",
    "published_at": "DELIB_DATE",
    "matiere_code": "DELIB_MATIERE_CODE",
    "matiere": "DELIB_MATIERE_NOM",
    "title": "DELIB_OBJET",
    "url": "DELIB_URL",
}
#: required by the schema (``constraints.required``)
SCDL_REQUIRED = (
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
)


@dataclass(frozen=True)
class CsvProblem:
    """``where``: ``#row=N`` or empty for the whole file."""

    where: str
    kind: str
    message: str
    record_id: str | None = None


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM or not) when valid, else windows-1252 — French council exports use both."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _date(value: str, formats: tuple[str, ...] = ()) -> date | None:
    value = value.strip()
    for fmt in (*formats, "%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    return None


def _siret(value: str) -> str | None:
    text = value.strip().replace(" ", "")
    if "e+" in text.lower():  # spreadsheets turn SIRETs into floats
        try:
            text = f"{float(text.replace(',', '.')):.0f}"
        except ValueError:
            return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) == 14 else None


def place_from_siren(siret: str | None) -> tuple[list[str], str | None]:
    """(départements, commune INSEE code) a collectivité's SIREN tells: communes are ``21`` +
    INSEE code (Corsica's ``2A``/``2B`` written ``20``), département councils ``22`` + code."""
    if not siret or len(siret) < 9:
        return [], None
    if siret.startswith("21"):
        insee = siret[2:7]
        if insee.startswith("20"):  # Corsica: the SIREN cannot tell 2A from 2B
            return [], None
        dept = insee[:3] if insee.startswith("97") else insee[:2]
        return [dept], insee
    if siret.startswith("22"):
        code = siret[2:5] if siret[2:4] == "97" else siret[2:4]
        return ([code], None) if code.isdigit() and code != "00" else ([], None)
    return [], None


def _sniff_delimiter(head: str) -> str:
    first = head.splitlines()[0] if head else ""
    return ";" if first.count(";") >= first.count(",") else ","


def read_deliberations(
    body: bytes,
    *,
    source: str,
    file_url: str,
    columns: Mapping[str, str] | None = None,
    fixed: Mapping[str, Any] | None = None,
    date_formats: tuple[str, ...] = (),
) -> Iterator[NoticeItem | CsvProblem]:
    """Every deliberation of one CSV file. ``columns`` maps notice fields to the file's columns
    (default: SCDL; ``source_id`` may join several with ``+``); ``fixed`` gives fields the file
    does not hold (``buyer_name``, ``buyer_siret``, ``departements`` of a single council)."""
    text = decode_csv(body)
    mapping = {k: v.upper() for k, v in (columns or SCDL_COLUMNS).items()}
    reader = csv.DictReader(io.StringIO(text), delimiter=_sniff_delimiter(text[:4096]))
    header = {(name or "").strip().upper() for name in reader.fieldnames or []}
    if mapping["title"] not in header:
        yield CsvProblem("", "not_conforming", f"no {mapping['title']} column in the file")
        return
    if columns is None:
        missing = [c for c in SCDL_REQUIRED if c not in header]
        if missing:
            yield CsvProblem("", "not_conforming", f"SCDL columns missing: {', '.join(missing)}")
    titles: dict[str, str] = {}
    for number, row in enumerate(reader, 2):
        cells = {(k or "").strip().upper(): (v or "").strip() for k, v in row.items() if k}
        if not any(cells.values()):
            continue  # an empty line, seen at the top of real files
        try:
            notice = _notice(cells, mapping, fixed or {}, source, file_url, date_formats)
        except ValueError as exc:
            yield CsvProblem(f"#row={number}", "bad_record", str(exc))
            continue
        first = titles.setdefault(notice.source_id, notice.title)
        if first != notice.title:
            # one id written for several acts (seen in real files): each keeps its own notice
            notice.warnings.append(f"id {notice.source_id!r} is also another act's in this file")
            notice.source_id += "#" + hashlib.sha1(notice.title.encode()).hexdigest()[:8]
        yield notice


def _notice(
    cells: dict[str, str],
    mapping: dict[str, str],
    fixed: Mapping[str, Any],
    source: str,
    file_url: str,
    date_formats: tuple[str, ...],
) -> NoticeItem:
    def cell(field: str) -> str:
        names = mapping.get(field, "")
        return " ".join(cells.get(n.strip(), "") for n in names.split("+") if n.strip()).strip()

    title = " ".join(cell("title").split())  # cells carry line breaks
    if not title:
        raise ValueError(f"no {mapping['title']}")
    published = _date(cell("published_at"), date_formats)
    siret = _siret(cell("buyer_siret")) or fixed.get("buyer_siret")
    buyer = cell("buyer_name") or fixed.get("buyer_name")
    ident = cell("source_id")
    ident = (
        f"{siret or buyer or ''}:{published or ''}:{ident}"
        if ident
        else "H" + hashlib.sha1(f"{title}|{published}|{buyer}".encode()).hexdigest()[:16]
    )
    url = cell("url")
    documents = (
        [DocumentRef(url=url, title=title[:200])] if url.startswith(("http://", "https://")) else []
    )
    matiere = cell("matiere")
    departements, commune = place_from_siren(siret)
    raw_date = cell("published_at")
    return NoticeItem(
        source=source,
        source_id=ident,
        kind="deliberation",
        title=title,
        url=url if documents else file_url,
        description=" ".join(filter(None, [cell("matiere_code"), matiere, cell("description")])),
        buyer_name=buyer or None,
        buyer_siret=siret,
        departements=list(fixed.get("departements") or departements),
        commune_insee=commune,
        published_at=published,
        descriptors=[matiere] if matiere else [],
        documents=documents,
        warnings=[]
        if published or not raw_date
        else [f"published_at: {raw_date[:40]!r} is not a date"],
        raw={"row": cells, "file": file_url},
    )
