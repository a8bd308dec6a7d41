"""TED notice XML → :class:`vocabulary.items.NoticeItem`, for both formats French notices come in.

* ``TED_EXPORT`` R2.0.x (2011–2023): coded data (``CODED_DATA_SECTION``) plus one form
  (``F02_2014``, ``F03_2014`` …, defence forms) in ``FORM_SECTION``. The kind comes from
  ``TD_DOCUMENT_TYPE``; awardees from ``AWARD_CONTRACT/AWARDED_CONTRACT/CONTRACTORS``.
* eForms UBL (from 2023): ``ContractNotice``, ``ContractAwardNotice``,
  ``PriorInformationNotice`` …; the kind comes from ``NoticeTypeCode/@listName``; organisations
  are declared once under ``efac:Organizations`` and referenced by id; awardees are reached
  through ``efac:NoticeResult`` → ``LotTender`` → ``TenderingParty`` → ``Tenderer``.

Pure (lxml only, through :mod:`spiders.parsers.safe_xml`): callable from tests, benches and
the spider alike. One module per format (:mod:`~spiders.parsers.ted_r2`,
:mod:`~spiders.parsers.ted_eforms`), what they share in :mod:`~spiders.parsers.ted_common`.
"""

from __future__ import annotations

from lxml import etree

from spiders.parsers.safe_xml import XMLError, parse_xml
from spiders.parsers.ted_common import (
    NOTICE_URL,
    TED_SOURCE,
    canonical_publication_number,
    find_boamp_ids,
)
from spiders.parsers.ted_eforms import parse_eforms
from spiders.parsers.ted_r2 import parse_r2
from vocabulary.items import NoticeItem

__all__ = [
    "NOTICE_URL",
    "TED_SOURCE",
    "XMLError",
    "canonical_publication_number",
    "find_boamp_ids",
    "parse_ted_xml",
]


def parse_ted_xml(data: bytes, url: str | None = None) -> NoticeItem:
    """One TED notice; raises :class:`XMLError` for hostile, malformed or unknown documents."""
    root = parse_xml(data)
    local = etree.QName(root).localname
    if local == "TED_EXPORT":
        notice = parse_r2(root)
    elif root.find("{*}UBLExtensions") is not None or local.endswith("Notice"):
        notice = parse_eforms(root)
    else:
        raise XMLError(f"unknown TED document root <{local}>")
    notice.fetched_from = url
    notice.raw = {"format": "r2" if local == "TED_EXPORT" else "eforms", "root": local}
    return notice
