"""The CPV 2008 codes' official French labels (Common Procurement Vocabulary, Regulation (EC)
No 213/2008), shipped in ``vocabulary/data/cpv-2008-fr.csv.gz`` (source and licence in its
README). A digest or a page shows "32323500 – Système de surveillance vidéo", never a bare code.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from functools import cache

from vocabulary.places import DATA_DIR

__all__ = ["cpv_label", "cpv_with_label"]

_CODE = re.compile(r"(\d{8})")


@cache
def _labels() -> dict[str, str]:
    """8-digit code -> French label (the check digit after the dash is dropped)."""
    with gzip.open(DATA_DIR / "cpv-2008-fr.csv.gz") as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig"))
        return {row["CODE"][:8]: row["FR"] for row in rows}


def cpv_label(code: str | None) -> str | None:
    """The French label of a CPV code written ``32323500``, ``32323500-8`` or ``CPV 32323500``;
    None when the text holds no code the CPV 2008 knows."""
    found = _CODE.search(code or "")
    return _labels().get(found.group(1)) if found else None


def cpv_with_label(code: str) -> str:
    """``"32323500 – Système de surveillance vidéo"``, or the code alone when unknown."""
    found = _CODE.search(code)
    label = cpv_label(code)
    return f"{found.group(1)} – {label}" if found and label else code.strip()
