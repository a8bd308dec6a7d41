"""TED notice XML → :class:`crawler.items.Notice`, for both formats French notices come in.

* ``TED_EXPORT`` R2.0.x (2011–2023): coded data (``CODED_DATA_SECTION``) plus one form
  (``F02_2014``, ``F03_2014`` …, defence forms) in ``FORM_SECTION``. The kind comes from
  ``TD_DOCUMENT_TYPE``; awardees from ``AWARD_CONTRACT/AWARDED_CONTRACT/CONTRACTORS``.
* eForms UBL (from 2023): ``ContractNotice``, ``ContractAwardNotice``,
  ``PriorInformationNotice`` …; the kind comes from ``NoticeTypeCode/@listName``; organisations
  are declared once under ``efac:Organizations`` and referenced by id; awardees are reached
  through ``efac:NoticeResult`` → ``LotTender`` → ``TenderingParty`` → ``Tenderer``.

Pure (lxml only, through :mod:`spiders.parsers.safe_xml`): callable from tests, benches and
the spider alike. Namespaces differ between R2 versions, so paths use ``{*}`` wildcards.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from lxml import etree

from spiders.parsers.safe_xml import XMLError, parse_xml
from vocabulary.items import NoticeItem
from vocabulary.terms import NoticeKind

__all__ = [
    "TED_SOURCE",
    "XMLError",
    "canonical_publication_number",
    "departement_from_postcode",
    "find_boamp_ids",
    "parse_ted_xml",
]

TED_SOURCE = "ted"
NOTICE_URL = "https://ted.europa.eu/en/notice/-/detail/{}"

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
# eForms NoticeTypeCode/@listName ("notice-type" code list groups)
_EFORMS_KINDS: dict[str, NoticeKind] = {
    "planning": "prior_information",
    "competition": "tender",
    "result": "award",
    "change": "correction",
    "cont-modif": "other",
    "dir-awa-pre": "award",
}
_OJS_REF = re.compile(r"(\d{4})\s*/\s*S\s*\d{1,3}\s*-\s*(\d{3,7})")
_BOAMP_ID = re.compile(r"BOAMP[^0-9]{0,40}?(\d{2}-\d{5,6})", re.IGNORECASE)
_WS = re.compile(r"\s+")


def canonical_publication_number(raw: str) -> str:
    """``00047522-2024`` / ``047522-2024`` / ``2024/S 017-047522`` → ``47522-2024``.

    TED prints publication numbers with and without leading zeros (the search API's
    ``publication-number`` has none; R2 ``DOC_ID`` and eForms ``NoticePublicationID`` do).
    """
    text = raw.strip()
    ojs = _OJS_REF.search(text)
    if ojs:
        return f"{int(ojs.group(2))}-{ojs.group(1)}"
    number, _, year = text.partition("-")
    if number.isdigit() and year.isdigit():
        return f"{int(number)}-{year}"
    return text


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


def find_boamp_ids(text: str) -> list[str]:
    """BOAMP notice ids quoted in a TED notice ("BOAMP: annonce n° 15-189584")."""
    return sorted(set(_BOAMP_ID.findall(text)))


def _text(el: Any) -> str:
    if el is None:
        return ""
    return _WS.sub(" ", "".join(el.itertext())).strip()


def _first_text(root: Any, path: str) -> str:
    return _text(root.find(path))


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return number if number == number else None  # NaN is not a value


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) >= 8 and value[:8].isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _first_found(*elements: Any) -> Any:
    """The first element that exists (lxml elements without children are falsy: no ``or``)."""
    for el in elements:
        if el is not None:
            return el
    return None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def parse_ted_xml(data: bytes, url: str | None = None) -> NoticeItem:
    """One TED notice; raises :class:`XMLError` for hostile, malformed or unknown documents."""
    root = parse_xml(data)
    local = etree.QName(root).localname
    if local == "TED_EXPORT":
        notice = _parse_r2(root)
    elif root.find("{*}UBLExtensions") is not None or local.endswith("NoticeItem"):
        notice = _parse_eforms(root)
    else:
        raise XMLError(f"unknown TED document root <{local}>")
    notice.fetched_from = url
    notice.raw = {"format": "r2" if local == "TED_EXPORT" else "eforms", "root": local}
    return notice


# --- R2.0.x --------------------------------------------------------------------------------


def _r2_form(root: Any) -> Any:
    section = root.find("{*}FORM_SECTION")
    if section is None or len(section) == 0:
        raise XMLError("TED_EXPORT without a form")
    forms = list(section)
    french = [f for f in forms if f.get("LG") == "FR"]
    return (french or forms)[0]


def _parse_r2(root: Any) -> NoticeItem:
    coded = root.find("{*}CODED_DATA_SECTION")
    if coded is None:
        raise XMLError("TED_EXPORT without CODED_DATA_SECTION")
    form = _r2_form(root)
    doc_id = root.get("DOC_ID") or _first_text(coded, "{*}NOTICE_DATA/{*}NO_DOC_OJS")
    if not doc_id:
        raise XMLError("TED_EXPORT without DOC_ID")
    pub_no = canonical_publication_number(doc_id)
    td = coded.find("{*}CODIF_DATA/{*}TD_DOCUMENT_TYPE")
    kind = _R2_KINDS.get(td.get("CODE", "") if td is not None else "", "other")
    form_code = form.get("FORM", etree.QName(form).localname)
    obj = form.find("{*}OBJECT_CONTRACT")
    title = _text(obj.find("{*}TITLE")) if obj is not None else ""
    if not title:
        title = _first_text(root, ".//{*}ML_TI_DOC[@LG='FR']/{*}TI_TEXT") or _first_text(
            root, ".//{*}ML_TI_DOC/{*}TI_TEXT"
        )
    descriptions = [_text(d) for d in form.iterfind(".//{*}SHORT_DESCR")]
    body = form.find(".//{*}ADDRESS_CONTRACTING_BODY")
    buyer_name = _first_text(body, "{*}OFFICIALNAME") if body is not None else ""
    buyer_name = buyer_name or _first_text(root, ".//{*}ML_AA_NAMES/{*}AA_NAME")
    siret = _first_text(body, "{*}NATIONALID") if body is not None else ""
    siret_digits = "".join(ch for ch in siret if ch.isdigit())
    postcode = _first_text(body, "{*}POSTAL_CODE") if body is not None else ""
    cpvs = _unique(
        [el.get("CODE", "") for el in form.iterfind(".//{*}CPV_CODE")]
        + [el.get("CODE", "") for el in coded.iterfind(".//{*}ORIGINAL_CPV")]
    )
    related = _unique(
        [
            canonical_publication_number(_text(el))
            for el in coded.iterfind(".//{*}REF_NOTICE/{*}NO_DOC_OJS")
        ]
        + [
            canonical_publication_number(_text(el))
            for el in form.iterfind(".//{*}NOTICE_NUMBER_OJ")
        ]
    )
    value_el = _first_found(
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
        url=_first_text(coded, ".//{*}URI_DOC") or NOTICE_URL.format(pub_no),
        description="\n".join(_unique(descriptions)),
        buyer_name=buyer_name or None,
        buyer_siret=siret_digits if len(siret_digits) == 14 else None,
        departements=[d for d in [departement_from_postcode(postcode)] if d],
        cpv_codes=cpvs,
        descriptors=[form_code],
        published_at=_iso_date(_first_text(coded, "{*}REF_OJS/{*}DATE_PUB")),
        deadline_at=_r2_deadline(form),
        estimated_value=_float(value_el.text) if value_el is not None else None,
        currency=value_el.get("CURRENCY") if value_el is not None else None,
        awardees=_r2_awardees(form),
        lots=_r2_lots(form),
        related_ids=[r for r in related if r != pub_no],
        procedure_key=(_first_text(obj, "{*}REFERENCE_NUMBER") or None)
        if obj is not None
        else None,
        extra_text=" ".join(f"BOAMP {b}" for b in find_boamp_ids(full_text)),
    )


def _r2_deadline(form: Any) -> datetime | None:
    day = _iso_date(_first_text(form, ".//{*}DATE_RECEIPT_TENDERS"))
    if day is None:
        return None
    clock = _first_text(form, ".//{*}TIME_RECEIPT_TENDERS")
    try:
        at = time.fromisoformat(clock) if clock else time(0, 0)
    except ValueError:
        at = time(0, 0)
    return datetime.combine(day, at)


def _r2_awardees(form: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for award in form.iterfind(".//{*}AWARD_CONTRACT"):
        lot = _first_text(award, "{*}LOT_NO")
        value = award.find(".//{*}AWARDED_CONTRACT/{*}VALUES/{*}VAL_TOTAL")
        for contractor in award.iterfind(".//{*}CONTRACTOR/{*}ADDRESS_CONTRACTOR"):
            ident = "".join(ch for ch in _first_text(contractor, "{*}NATIONALID") if ch.isalnum())
            out.append(
                {
                    "name": _first_text(contractor, "{*}OFFICIALNAME"),
                    "id": ident or None,
                    "lot": lot or None,
                    "contract_no": _first_text(award, "{*}CONTRACT_NO") or None,
                    "value": _float(value.text) if value is not None else None,
                    "currency": value.get("CURRENCY") if value is not None else None,
                    "town": _first_text(contractor, "{*}TOWN") or None,
                }
            )
    return out


def _r2_lots(form: Any) -> list[dict[str, Any]]:
    lots = []
    for item in form.iterfind(".//{*}OBJECT_DESCR"):
        lots.append(
            {
                "id": _first_text(item, "{*}LOT_NO") or item.get("ITEM"),
                "title": _first_text(item, "{*}TITLE"),
                "cpv": _unique([el.get("CODE", "") for el in item.iterfind(".//{*}CPV_CODE")]),
            }
        )
    return lots


# --- eForms ----------------------------------------------------------------------------------


def _lang_text(parent: Any, path: str) -> str:
    """The French text of a multilingual element, else the first one."""
    if parent is None:
        return ""
    elements = parent.findall(path)
    for el in elements:
        if el.get("languageID") == "FRA":
            return _text(el)
    return _text(elements[0]) if elements else ""


def _organizations(ext: Any) -> dict[str, dict[str, Any]]:
    orgs: dict[str, dict[str, Any]] = {}
    if ext is None:
        return orgs
    for company in ext.iterfind("{*}Organizations/{*}Organization/{*}Company"):
        org_id = _first_text(company, "{*}PartyIdentification/{*}ID")
        orgs[org_id] = {
            "name": _lang_text(company, "{*}PartyName/{*}Name"),
            "id": _first_text(company, "{*}PartyLegalEntity/{*}CompanyID"),
            "postcode": _first_text(company, "{*}PostalAddress/{*}PostalZone"),
            "town": _first_text(company, "{*}PostalAddress/{*}CityName"),
            "country": _first_text(company, "{*}PostalAddress/{*}Country/{*}IdentificationCode"),
        }
    return orgs


def _parse_eforms(root: Any) -> NoticeItem:
    ext = root.find("{*}UBLExtensions/{*}UBLExtension/{*}ExtensionContent/{*}EformsExtension")
    pub_raw = _first_text(ext, "{*}Publication/{*}NoticePublicationID") if ext is not None else ""
    notice_uuid = _first_text(root, "{*}ID")
    if not pub_raw and not notice_uuid:
        raise XMLError("eForms notice without publication id or notice id")
    pub_no = canonical_publication_number(pub_raw) if pub_raw else notice_uuid
    type_el = root.find("{*}NoticeTypeCode")
    kind = _EFORMS_KINDS.get(type_el.get("listName", "") if type_el is not None else "", "other")
    project = root.find("{*}ProcurementProject")
    orgs = _organizations(ext)
    buyer_ref = _first_text(root, "{*}ContractingParty/{*}Party/{*}PartyIdentification/{*}ID")
    buyer = orgs.get(buyer_ref, {})
    siret = "".join(ch for ch in buyer.get("id", "") if ch.isdigit())
    cpvs = _unique([_text(el) for el in root.iterfind(".//{*}ItemClassificationCode")])
    lots = []
    for lot in root.iterfind("{*}ProcurementProjectLot"):
        lot_project = lot.find("{*}ProcurementProject")
        lots.append(
            {
                "id": _first_text(lot, "{*}ID"),
                "title": _lang_text(lot_project, "{*}Name"),
                "cpv": _unique([_text(e) for e in lot.iterfind(".//{*}ItemClassificationCode")]),
            }
        )
    descriptions = [_lang_text(project, "{*}Description")] + [
        _lang_text(lot.find("{*}ProcurementProject"), "{*}Description")
        for lot in root.iterfind("{*}ProcurementProjectLot")
    ]
    value_el = root.find(
        ".//{*}ProcurementProject/{*}RequestedTenderTotal/{*}EstimatedOverallContractAmount"
    )
    if value_el is None and ext is not None:
        value_el = ext.find("{*}NoticeResult/{*}TotalAmount")
    related = [_first_text(ref, "{*}ID") for ref in root.iterfind(".//{*}NoticeDocumentReference")]
    if ext is not None:
        related += [_text(el) for el in ext.iterfind("{*}Changes/{*}ChangedNoticeIdentifier")]
    published = _iso_date(
        _first_text(ext, "{*}Publication/{*}PublicationDate") if ext is not None else ""
    )
    full_text = " ".join(root.itertext())
    return NoticeItem(
        source=TED_SOURCE,
        source_id=pub_no,
        kind=kind,
        title=_lang_text(project, "{*}Name"),
        url=NOTICE_URL.format(pub_no),
        description="\n".join(_unique(descriptions)),
        buyer_name=buyer.get("name") or None,
        buyer_siret=siret if len(siret) == 14 else None,
        departements=[d for d in [departement_from_postcode(buyer.get("postcode"))] if d],
        cpv_codes=cpvs,
        descriptors=[_text(type_el)] if type_el is not None else [],
        published_at=published or _iso_date(_first_text(root, "{*}IssueDate")),
        deadline_at=_eforms_deadline(root),
        estimated_value=_float(value_el.text) if value_el is not None else None,
        currency=value_el.get("currencyID") if value_el is not None else None,
        awardees=_eforms_awardees(ext, orgs),
        lots=lots,
        related_ids=_unique([canonical_publication_number(r) for r in related if r]),
        procedure_key=_first_text(root, "{*}ContractFolderID") or None,
        extra_text=" ".join(f"BOAMP {b}" for b in find_boamp_ids(full_text)),
    )


def _eforms_deadline(root: Any) -> datetime | None:
    period = root.find(".//{*}TenderSubmissionDeadlinePeriod")
    if period is None:
        return None
    day = _iso_date(_first_text(period, "{*}EndDate"))
    if day is None:
        return None
    clock = _first_text(period, "{*}EndTime")[:8]
    try:
        at = time.fromisoformat(clock) if clock else time(0, 0)
    except ValueError:
        at = time(0, 0)
    return datetime.combine(day, at)


def _eforms_awardees(ext: Any, orgs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    if ext is None:
        return []
    result = ext.find("{*}NoticeResult")
    if result is None:
        return []
    parties = {
        _first_text(p, "{*}ID"): [_text(t) for t in p.iterfind("{*}Tenderer/{*}ID")]
        for p in result.iterfind("{*}TenderingParty")
    }
    winners: set[str] = set()
    for lot_result in result.iterfind("{*}LotResult"):
        if _first_text(lot_result, "{*}TenderResultCode") in ("selec-w", ""):
            winners.update(_text(t) for t in lot_result.iterfind("{*}LotTender/{*}ID"))
    contracts = {
        _first_text(c, "{*}LotTender/{*}ID"): _first_text(c, "{*}ContractReference/{*}ID")
        for c in result.iterfind("{*}SettledContract")
    }
    out = []
    for tender in result.iterfind("{*}LotTender"):
        tender_id = _first_text(tender, "{*}ID")
        if winners and tender_id not in winners:
            continue
        amount = tender.find("{*}LegalMonetaryTotal/{*}PayableAmount")
        for org_id in parties.get(_first_text(tender, "{*}TenderingParty/{*}ID"), []):
            org = orgs.get(org_id, {})
            out.append(
                {
                    "name": org.get("name", ""),
                    "id": org.get("id") or None,
                    "lot": _first_text(tender, "{*}TenderLot/{*}ID") or None,
                    "contract_no": contracts.get(tender_id) or None,
                    "value": _float(amount.text) if amount is not None else None,
                    "currency": amount.get("currencyID") if amount is not None else None,
                    "town": org.get("town") or None,
                }
            )
    return out
