"""TED_EXPORT R2.0.x notices (2011–2023) → :class:`vocabulary.items.NoticeItem`.

Coded data (``CODED_DATA_SECTION``) plus one form (``F02_2014``, ``F03_2014`` …, defence forms)
in ``FORM_SECTION``. The kind comes from ``TD_DOCUMENT_TYPE``; awardees from
``AWARD_CONTRACT/AWARDED_CONTRACT/CONTRACTORS``. Namespaces differ between R2 versions, so
paths use ``{*}`` wildcards.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from lxml import etree

from crawler.base_spiders.fields import departement_from_postcode
from spiders.parsers.safe_xml import XMLError
from spiders.parsers.ted_common import (
    NOTICE_URL,
    TED_SOURCE,
    canonical_publication_number,
    find_boamp_ids,
    first_found,
    first_text,
    iso_date,
    text_of,
    to_number,
    unique,
)
from vocabulary.items import NoticeItem
from vocabulary.terms import NoticeKind

__all__ = ["parse_r2"]

# TD_DOCUMENT_TYPE codes of R2.0.x (TED's "document type" code list)
_R2_KINDS: dict[str, NoticeKind] = {
    "0": "prior_information",
    "A": "prior_information",
    "M": "prior_information",
    "B": "prior_information",
    "1": "correction",
    "2": "correction",
    "3": "tender",
    "C": "tender",
    "H": "tender",
    "D": "tender",
    "O": "tender",
    "7": "award",
    "J": "award",
    "R": "award",
    "V": "award",
}


def _r2_form(root: Any) -> Any:
    section = root.find("{*}FORM_SECTION")
    if section is None or len(section) == 0:
        raise XMLError("TED_EXPORT without a form")
    forms = list(section)
    french = [f for f in forms if f.get("LG") == "FR"]
    return (french or forms)[0]


def parse_r2(root: Any) -> NoticeItem:
    coded = root.find("{*}CODED_DATA_SECTION")
    if coded is None:
        raise XMLError("TED_EXPORT without CODED_DATA_SECTION")
    form = _r2_form(root)
    doc_id = root.get("DOC_ID") or first_text(coded, "{*}NOTICE_DATA/{*}NO_DOC_OJS")
    if not doc_id:
        raise XMLError("TED_EXPORT without DOC_ID")
    pub_no = canonical_publication_number(doc_id)
    td = coded.find("{*}CODIF_DATA/{*}TD_DOCUMENT_TYPE")
    kind = _R2_KINDS.get(td.get("CODE", "") if td is not None else "", "other")
    form_code = form.get("FORM", etree.QName(form).localname)
    obj = form.find("{*}OBJECT_CONTRACT")
    title = text_of(obj.find("{*}TITLE")) if obj is not None else ""
    if not title:
        title = first_text(root, ".//{*}ML_TI_DOC[@LG='FR']/{*}TI_TEXT") or first_text(
            root, ".//{*}ML_TI_DOC/{*}TI_TEXT"
        )
    descriptions = [text_of(d) for d in form.iterfind(".//{*}SHORT_DESCR")]
    body = form.find(".//{*}ADDRESS_CONTRACTING_BODY")
    buyer_name = first_text(body, "{*}OFFICIALNAME") if body is not None else ""
    buyer_name = buyer_name or first_text(root, ".//{*}ML_AA_NAMES/{*}AA_NAME")
    siret = first_text(body, "{*}NATIONALID") if body is not None else ""
    siret_digits = "".join(ch for ch in siret if ch.isdigit())
    postcode = first_text(body, "{*}POSTAL_CODE") if body is not None else ""
    cpvs = unique(
        [el.get("CODE", "") for el in form.iterfind(".//{*}CPV_CODE")]
        + [el.get("CODE", "") for el in coded.iterfind(".//{*}ORIGINAL_CPV")]
    )
    related = unique(
        [
            canonical_publication_number(text_of(el))
            for el in coded.iterfind(".//{*}REF_NOTICE/{*}NO_DOC_OJS")
        ]
        + [
            canonical_publication_number(text_of(el))
            for el in form.iterfind(".//{*}NOTICE_NUMBER_OJ")
        ]
    )
    value_el = first_found(
        form.find(".//{*}VAL_ESTIMATED_TOTAL"),
        form.find(".//{*}OBJECT_CONTRACT/{*}VAL_TOTAL"),
        coded.find(".//{*}VALUES/{*}VALUE"),
    )
    full_text = " ".join(form.itertext())
    return NoticeItem(
        source=TED_SOURCE,
        source_id=pub_no,
        kind=kind,
        title=title,
        url=first_text(coded, ".//{*}URI_DOC") or NOTICE_URL.format(pub_no),
        description="\n".join(unique(descriptions)),
        buyer_name=buyer_name or None,
        buyer_siret=siret_digits if len(siret_digits) == 14 else None,
        departements=[d for d in [departement_from_postcode(postcode)] if d],
        cpv_codes=cpvs,
        descriptors=[form_code],
        published_at=iso_date(first_text(coded, "{*}REF_OJS/{*}DATE_PUB")),
        deadline_at=_r2_deadline(form),
        estimated_value=to_number(value_el.text) if value_el is not None else None,
        currency=value_el.get("CURRENCY") if value_el is not None else None,
        awardees=_r2_awardees(form),
        lots=_r2_lots(form),
        related_ids=[r for r in related if r != pub_no],
        procedure_key=(first_text(obj, "{*}REFERENCE_NUMBER") or None) if obj is not None else None,
        extra_text=" ".join(f"BOAMP {b}" for b in find_boamp_ids(full_text)),
    )


def _r2_deadline(form: Any) -> datetime | None:
    day = iso_date(first_text(form, ".//{*}DATE_RECEIPT_TENDERS"))
    if day is None:
        return None
    clock = first_text(form, ".//{*}TIME_RECEIPT_TENDERS")
    try:
        at = time.fromisoformat(clock) if clock else time(0, 0)
    except ValueError:
        at = time(0, 0)
    return datetime.combine(day, at)


def _r2_awardees(form: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for award in form.iterfind(".//{*}AWARD_CONTRACT"):
        lot = first_text(award, "{*}LOT_NO")
        value = award.find(".//{*}AWARDED_CONTRACT/{*}VALUES/{*}VAL_TOTAL")
        for contractor in award.iterfind(".//{*}CONTRACTOR/{*}ADDRESS_CONTRACTOR"):
            ident = "".join(ch for ch in first_text(contractor, "{*}NATIONALID") if ch.isalnum())
            out.append(
                {
                    "name": first_text(contractor, "{*}OFFICIALNAME"),
                    "id": ident or None,
                    "lot": lot or None,
                    "contract_no": first_text(award, "{*}CONTRACT_NO") or None,
                    "value": to_number(value.text) if value is not None else None,
                    "currency": value.get("CURRENCY") if value is not None else None,
                    "town": first_text(contractor, "{*}TOWN") or None,
                }
            )
    return out


def _r2_lots(form: Any) -> list[dict[str, Any]]:
    lots = []
    for item in form.iterfind(".//{*}OBJECT_DESCR"):
        lots.append(
            {
                "id": first_text(item, "{*}LOT_NO") or item.get("ITEM"),
                "title": first_text(item, "{*}TITLE"),
                "cpv": unique([el.get("CODE", "") for el in item.iterfind(".//{*}CPV_CODE")]),
            }
        )
    return lots
