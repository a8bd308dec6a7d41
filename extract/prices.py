"""Price schedules (BPU, DQE, DPGF, CCTP tables) → the lines that are surveillance equipment,
with quantity, unit price and total. Pure: bytes in, typed rows out; never raises on a bad file.

Tables come from pdfplumber's table extraction (one page at a time, each page closed after use:
pdfplumber keeps every page's objects otherwise), from openpyxl (XLSX, read-only) or odfpy
(ODS). A table's header row names its columns (désignation, unité, quantité, prix unitaire,
montant …); a table continued on the next page without a header keeps the previous map when it
has as many columns. Text of the other columns (a "sous-système" or section column) and section
rows (a designation with no number) are the line's context: "Installation d'une baie" is
surveillance equipment only in a video section. Which words mean which equipment is data,
``extract/prices_rules.toml``, with examples that must and must not match.

Numbers are read as French schedules print them (``1 234,56 €``, ``1.234,56``, ``266.12``);
``total`` is kept as printed, never recomputed: a total that is not quantity × unit price (±1 %)
is reported in ``mismatch``.
"""

from __future__ import annotations

import io
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "PriceLine",
    "PriceRow",
    "PricesResult",
    "classify",
    "parse_number",
    "read_price_lines",
    "schedule_rows",
]

Table = list[list[Any]]
_MAX_ROWS = 20_000
_HEADERS = {
    "number": ("n de prix", "n°", "numero", "code", "ref", "article", "poste"),
    "designation": ("designation", "libelle", "description", "prestation", "intitule", "nature"),
    "unit": ("unite", "u"),
    "quantity": ("quantite", "qte", "qt", "quantites"),
    "unit_price": ("prix unitaire", "p.u", "pu ht", "pu", "prix u", "p u", "fournitures p.u"),
    "total": ("montant", "total", "prix total", "prix global"),
}


def fold(text: Any) -> str:
    raw = unicodedata.normalize("NFKD", str(text or ""))
    return " ".join("".join(c for c in raw if not unicodedata.combining(c)).lower().split())


_NUMBER = re.compile(r"^-?[\d\s.,]+$")


def parse_number(value: Any) -> float | None:
    """A number as schedules print it; None for text, blanks, ``-`` or ``PM``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace("\u00a0", " ").replace("\u202f", " ").replace("€", "")
    text = re.sub(r"(?i)\b(ht|ttc|eur|euros?)\b", "", text).strip().replace(" ", "")
    if not text or not _NUMBER.match(text):
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".") if text.count(",") == 1 else text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class PriceRow:
    page: int
    row: int
    designation: str
    unit: str | None = None
    quantity: float | None = None
    unit_price: float | None = None
    total: float | None = None
    number: str | None = None
    #: section heading and the other text cells of the row
    context: str = ""


@dataclass(frozen=True)
class PriceLine:
    row: PriceRow
    equipment: str
    action: str
    category: str
    #: the printed total is not quantity × unit price (±1 %)
    mismatch: bool = False


@dataclass
class PricesResult:
    #: ok, no_table (no schedule header found), unreadable (the file could not be opened)
    status: str
    reason: str | None = None
    rows: list[PriceRow] = field(default_factory=list)
    lines: list[PriceLine] = field(default_factory=list)


def _role(cell: str) -> str | None:
    text = fold(cell).replace("'", " ")
    for role in ("unit_price", "total", "quantity", "designation", "number", "unit"):
        for word in _HEADERS[role]:
            if (
                text == word
                or text.startswith(word + " ")
                or (len(word) > 3 and text.startswith(word))
            ):
                return role
    return None


def _header(row: Sequence[Any]) -> dict[str, int] | None:
    roles: dict[str, int] = {}
    for i, cell in enumerate(row):
        role = _role(str(cell or ""))
        if role and role not in roles:
            roles[role] = i
    return roles if "designation" in roles and len(roles) >= 2 else None


def _cell(row: Sequence[Any], index: int | None) -> Any:
    return row[index] if index is not None and index < len(row) else None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def schedule_rows(tables: Iterable[tuple[int, Table]]) -> list[PriceRow]:
    """Priced rows of every table that has (or continues) a schedule header."""
    out: list[PriceRow] = []
    columns: dict[str, int] | None = None
    width = 0
    section = ""
    for page, table in tables:
        start = 0
        for i, row in enumerate(table[:6]):
            found = _header(row)
            if found:
                columns, width, start, section = found, len(row), i + 1, ""
                break
        else:
            if columns is None or not table or len(table[0]) != width:
                continue
        assert columns is not None
        used = set(columns.values())
        for r, row in enumerate(table[start:], start + 1):
            designation = _text(_cell(row, columns["designation"]))
            if not designation:
                continue
            values = {
                k: parse_number(_cell(row, columns.get(k)))
                for k in ("quantity", "unit_price", "total")
            }
            others = " ".join(
                _text(c) for j, c in enumerate(row) if j not in used and parse_number(c) is None
            )
            if all(v is None for v in values.values()):
                section = designation  # a heading: it is the context of the lines below
                continue
            unit = _text(_cell(row, columns.get("unit"))) or None
            number = _text(_cell(row, columns.get("number"))) or None
            out.append(PriceRow(page, r, designation, unit, values["quantity"], values["unit_price"],
                                values["total"], number, f"{section} {others}".strip()))  # fmt: skip
    return out


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    text = resources.files("extract").joinpath("prices_rules.toml").read_text("utf-8")
    rules: dict[str, Any] = tomllib.loads(text)
    return rules


def _any(patterns: Iterable[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def classify(designation: str, context: str = "") -> tuple[str, str, str] | None:
    """(equipment, action, category) when the line is surveillance equipment, else None."""
    rules = _rules()
    text, around = fold(designation), fold(context)
    if _any(rules["exclude"], text) or _any(rules["exclude"], around):
        return None
    video = _any(rules["video_context"], f"{text} {around}")
    for eq in rules["equipment"]:
        if eq.get("needs_video_context") and not video:
            continue
        if _any(eq["words"], text):
            action = next((a["name"] for a in rules["action"] if _any(a["words"], text)), "supply")
            return eq["name"], action, eq["category"]
    return None


def _mismatch(row: PriceRow) -> bool:
    if None in (row.quantity, row.unit_price, row.total):
        return False
    expected = float(row.quantity or 0) * float(row.unit_price or 0)
    return abs(expected - float(row.total or 0)) > max(0.01, 0.01 * abs(expected))


def _pdf_tables(data: bytes) -> Iterator[tuple[int, Table]]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            try:
                for table in page.extract_tables():
                    yield number, table
            finally:
                page.close()


def _xlsx_tables(data: bytes) -> Iterator[tuple[int, Table]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for number, sheet in enumerate(book.worksheets, 1):
            rows = [list(r) for r in itertools.islice(sheet.iter_rows(values_only=True), _MAX_ROWS)]
            yield number, rows
    finally:
        book.close()


def _ods_tables(data: bytes) -> Iterator[tuple[int, Table]]:
    from odf import opendocument, table, teletype

    doc = opendocument.load(io.BytesIO(data))
    for number, sheet in enumerate(doc.spreadsheet.getElementsByType(table.Table), 1):
        rows = []
        for tr in sheet.getElementsByType(table.TableRow)[:_MAX_ROWS]:
            cells: list[Any] = []
            for tc in tr.getElementsByType(table.TableCell):
                repeat = min(int(tc.getAttribute("numbercolumnsrepeated") or 1), 50)
                cells += [teletype.extractText(tc)] * repeat
            rows.append(cells)
        yield number, rows


_READERS = {"pdf": _pdf_tables, "xlsx": _xlsx_tables, "ods": _ods_tables}


def read_price_lines(data: bytes, kind: str) -> PricesResult:
    """The schedule rows of a ``kind`` (pdf, xlsx, ods) document and its surveillance lines."""
    reader = _READERS.get(kind)
    if reader is None:
        return PricesResult("unreadable", f"prices: {kind} files are not read")
    try:
        rows = schedule_rows(reader(data))
    except Exception as exc:  # a broken file is a status, never a traceback
        return PricesResult("unreadable", f"prices: {type(exc).__name__}: {exc}"[:300])
    if not rows:
        return PricesResult("no_table", "prices: no price-schedule header found")
    lines = [
        PriceLine(row, *found, mismatch=_mismatch(row))
        for row in rows
        if (found := classify(row.designation, row.context))
    ]
    return PricesResult("ok", None, rows, lines)
