"""Coercion of raw record values into NoticeItem fields. Bad values become ``None`` plus a warning
(kept on the notice and recorded by the Validate pipeline), never an exception mid-crawl."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from vocabulary.errors import BadRecordError
from vocabulary.items import DocumentRef, NoticeItem
from vocabulary.terms import NoticeKind

__all__ = [
    "MAPPED_FIELDS",
    "clean_text",
    "departement_from_postcode",
    "notice_from_mapping",
    "to_date",
    "to_datetime",
    "to_departements",
    "to_float",
    "to_str_list",
]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DEPT = re.compile(r"^(\d{2,3}|2[AB])$", re.IGNORECASE)

#: the notice fields a ``field_map`` may fill (``notice_from_mapping``)
MAPPED_FIELDS = (
    "source_id",
    "title",
    "url",
    "description",
    "buyer_name",
    "buyer_siret",
    "departements",
    "commune_insee",
    "cpv_codes",
    "published_at",
    "deadline_at",
    "estimated_value",
)


def clean_text(value: Any) -> str:
    """A string with NUL and other control characters removed, whitespace trimmed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = _CONTROL.sub(" ", value)
    return unicodedata.normalize("NFC", value).strip()


def to_date(value: Any, field: str, warnings: list[str]) -> date | None:
    """ISO dates (``2024-02-29``, ``2024-02-29T00:00:00+00:00``) and ``29/02/2024``."""
    if value in (None, ""):
        return None
    text = clean_text(value)
    try:
        match = _DMY.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if "T" in text or " " in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return date.fromisoformat(text[:10])
    except ValueError:
        warnings.append(f"{field}: {text[:60]!r} is not a valid date")
        return None


def to_datetime(value: Any, field: str, warnings: list[str]) -> datetime | None:
    if value in (None, ""):
        return None
    text = clean_text(value)
    try:
        if _DMY.match(text) or len(text) == 10:
            day = to_date(text, field, warnings)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        warnings.append(f"{field}: {text[:60]!r} is not a valid date and time")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_float(value: Any, field: str, warnings: list[str]) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace("\u202f", "").replace(" ", "").replace(",", "."))
    except ValueError:
        warnings.append(f"{field}: {str(value)[:60]!r} is not a number")
        return None
    if not math.isfinite(number):
        warnings.append(f"{field}: {value!r} is not a finite number")
        return None
    return number


def to_str_list(value: Any) -> list[str]:
    """A list of non-empty strings from a string, a list, or nothing."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else re.split(r"[,;|]", str(value))
    out: list[str] = []
    for item in items:
        text = clean_text(item)
        if text and text not in out:
            out.append(text)
    return out


def to_departements(value: Any, warnings: list[str]) -> list[str]:
    """Département codes as printed by INSEE: ``01``…``95``, ``2A``, ``2B``, ``971``…``976``."""
    out: list[str] = []
    for code in to_str_list(value):
        code = code.upper()
        if code.isdigit() and len(code) == 1:
            code = "0" + code
        # BOAMP prints Corsica as 20A / 20B; INSEE says 2A / 2B
        code = {"20A": "2A", "20B": "2B"}.get(code, code)
        if _DEPT.match(code):
            if code not in out:
                out.append(code)
        else:
            warnings.append(f"departement: {code[:20]!r} is not a département code")
    return out


def departement_from_postcode(postcode: str | None) -> str | None:
    """The département of a French postcode (``2A``/``2B`` for Corsica, 3 digits overseas)."""
    if not postcode:
        return None
    digits = "".join(ch for ch in postcode if ch.isdigit())
    if len(digits) != 5:
        return None
    if digits.startswith("97") or digits.startswith("98"):
        return digits[:3]
    if digits.startswith("20"):
        return "2A" if int(digits) < 20200 else "2B"
    return digits[:2]


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def notice_from_mapping(
    *,
    source: str,
    kind: NoticeKind,
    record: dict[str, Any],
    field_map: dict[str, str],
    document_fields: list[str],
    url_template: str,
    fallback_url: str,
) -> NoticeItem:
    """A NoticeItem from a flat record and a ``{notice field: record field}`` map (config sources)."""
    warnings: list[str] = []
    source_id = clean_text(_get(record, field_map.get("source_id", "id")))
    if not source_id:
        raise BadRecordError(f"no id in field {field_map.get('source_id', 'id')!r}")
    title = clean_text(_get(record, field_map.get("title", "title")))
    notice = NoticeItem(
        source=source,
        source_id=source_id,
        kind=kind,
        title=title or source_id,
        url=(url_template.format(id=source_id, **record) if url_template else "")
        or clean_text(_get(record, field_map.get("url", "url")))
        or fallback_url,
        description=clean_text(_get(record, field_map.get("description", "description"))),
        buyer_name=clean_text(_get(record, field_map.get("buyer_name", "buyer_name"))) or None,
        buyer_siret=clean_text(_get(record, field_map.get("buyer_siret", "buyer_siret"))) or None,
        departements=to_departements(_get(record, field_map.get("departements", "")), warnings),
        commune_insee=clean_text(_get(record, field_map.get("commune_insee", ""))) or None,
        cpv_codes=to_str_list(_get(record, field_map.get("cpv_codes", ""))),
        published_at=to_date(
            _get(record, field_map.get("published_at", "")), "published_at", warnings
        ),
        deadline_at=to_datetime(
            _get(record, field_map.get("deadline_at", "")), "deadline_at", warnings
        ),
        estimated_value=to_float(
            _get(record, field_map.get("estimated_value", "")), "estimated_value", warnings
        ),
        raw=record,
        warnings=warnings,
    )
    for name in document_fields:
        for url in to_str_list(_get(record, name)):
            if url.startswith(("http://", "https://")):
                notice.documents.append(DocumentRef(url=url))
    return notice
