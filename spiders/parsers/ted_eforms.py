"""eForms UBL notices (from 2023) → :class:`vocabulary.items.NoticeItem`.

``ContractNotice``, ``ContractAwardNotice``, ``PriorInformationNotice`` …; the kind comes from
``NoticeTypeCode/@listName``; organisations are declared once under ``efac:Organizations`` and
referenced by id; awardees are reached through ``efac:NoticeResult`` → ``LotTender`` →
``TenderingParty`` → ``Tenderer``.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from crawler.base_spiders.fields import departement_from_postcode
from spiders.parsers.safe_xml import XMLError
from spiders.parsers.ted_common import (
    NOTICE_URL,
    TED_SOURCE,
    canonical_publication_number,
    find_boamp_ids,
    first_text,
    iso_date,
    text_of,
    to_number,
    unique,
)
from vocabulary.items import NoticeItem
from vocabulary.terms import NoticeKind

__all__ = ["parse_eforms"]

# eForms NoticeTypeCode/@listName ("notice-type" code list groups)
_EFORMS_KINDS: dict[str, NoticeKind] = {
    "planning": "prior_information",
    "competition": "tender",
    "result": "award",
    "change": "correction",
    "cont-modif": "other",
    "dir-awa-pre": "award",
}


def _lang_text(parent: Any, path: str) -> str:
    """The French text of a multilingual element, else the first one."""
    if parent is None:
        return ""
    elements = parent.findall(path)
    for el in elements:
        if el.get("languageID") == "FRA":
            return text_of(el)
    return text_of(elements[0]) if elements else ""


def _organizations(ext: Any) -> dict[str, dict[str, Any]]:
    orgs: dict[str, dict[str, Any]] = {}
    if ext is None:
        return orgs
    for company in ext.iterfind("{*}Organizations/{*}Organization/{*}Company"):
        org_id = first_text(company, "{*}PartyIdentification/{*}ID")
        orgs[org_id] = {
            "name": _lang_text(company, "{*}PartyName/{*}Name"),
            "id": first_text(company, "{*}PartyLegalEntity/{*}CompanyID"),
            "postcode": first_text(company, "{*}PostalAddress/{*}PostalZone"),
            "town": first_text(company, "{*}PostalAddress/{*}CityName"),
            "country": first_text(company, "{*}PostalAddress/{*}Country/{*}IdentificationCode"),
        }
    return orgs


def parse_eforms(root: Any) -> NoticeItem:
    ext = root.find("{*}UBLExtensions/{*}UBLExtension/{*}ExtensionContent/{*}EformsExtension")
    pub_raw = first_text(ext, "{*}Publication/{*}NoticePublicationID") if ext is not None else ""
    notice_uuid = first_text(root, "{*}ID")
    if not pub_raw and not notice_uuid:
        raise XMLError("eForms notice without publication id or notice id")
    pub_no = canonical_publication_number(pub_raw) if pub_raw else notice_uuid
    type_el = root.find("{*}NoticeTypeCode")
    kind = _EFORMS_KINDS.get(type_el.get("listName", "") if type_el is not None else "", "other")
    project = root.find("{*}ProcurementProject")
    orgs = _organizations(ext)
    buyer_ref = first_text(root, "{*}ContractingParty/{*}Party/{*}PartyIdentification/{*}ID")
    buyer = orgs.get(buyer_ref, {})
    siret = "".join(ch for ch in buyer.get("id", "") if ch.isdigit())
    cpvs = unique([text_of(el) for el in root.iterfind(".//{*}ItemClassificationCode")])
    lots = []
    for lot in root.iterfind("{*}ProcurementProjectLot"):
        lot_project = lot.find("{*}ProcurementProject")
        lots.append(
            {
                "id": first_text(lot, "{*}ID"),
                "title": _lang_text(lot_project, "{*}Name"),
                "cpv": unique([text_of(e) for e in lot.iterfind(".//{*}ItemClassificationCode")]),
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
    related = [first_text(ref, "{*}ID") for ref in root.iterfind(".//{*}NoticeDocumentReference")]
    if ext is not None:
        related += [text_of(el) for el in ext.iterfind("{*}Changes/{*}ChangedNoticeIdentifier")]
    published = iso_date(
        first_text(ext, "{*}Publication/{*}PublicationDate") if ext is not None else ""
    )
    full_text = " ".join(root.itertext())
    return NoticeItem(
        source=TED_SOURCE,
        source_id=pub_no,
        kind=kind,
        title=_lang_text(project, "{*}Name"),
        url=NOTICE_URL.format(pub_no),
        description="\n".join(unique(descriptions)),
        buyer_name=buyer.get("name") or None,
        buyer_siret=siret if len(siret) == 14 else None,
        departements=[d for d in [departement_from_postcode(buyer.get("postcode"))] if d],
        cpv_codes=cpvs,
        descriptors=[text_of(type_el)] if type_el is not None else [],
        published_at=published or iso_date(first_text(root, "{*}IssueDate")),
        deadline_at=_eforms_deadline(root),
        estimated_value=to_number(value_el.text) if value_el is not None else None,
        currency=value_el.get("currencyID") if value_el is not None else None,
        awardees=_eforms_awardees(ext, orgs),
        lots=lots,
        related_ids=unique([canonical_publication_number(r) for r in related if r]),
        procedure_key=first_text(root, "{*}ContractFolderID") or None,
        extra_text=" ".join(f"BOAMP {b}" for b in find_boamp_ids(full_text)),
    )


def _eforms_deadline(root: Any) -> datetime | None:
    period = root.find(".//{*}TenderSubmissionDeadlinePeriod")
    if period is None:
        return None
    day = iso_date(first_text(period, "{*}EndDate"))
    if day is None:
        return None
    clock = first_text(period, "{*}EndTime")[:8]
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
        first_text(p, "{*}ID"): [text_of(t) for t in p.iterfind("{*}Tenderer/{*}ID")]
        for p in result.iterfind("{*}TenderingParty")
    }
    winners: set[str] = set()
    for lot_result in result.iterfind("{*}LotResult"):
        if first_text(lot_result, "{*}TenderResultCode") in ("selec-w", ""):
            winners.update(text_of(t) for t in lot_result.iterfind("{*}LotTender/{*}ID"))
    contracts = {
        first_text(c, "{*}LotTender/{*}ID"): first_text(c, "{*}ContractReference/{*}ID")
        for c in result.iterfind("{*}SettledContract")
    }
    out = []
    for tender in result.iterfind("{*}LotTender"):
        tender_id = first_text(tender, "{*}ID")
        if winners and tender_id not in winners:
            continue
        amount = tender.find("{*}LegalMonetaryTotal/{*}PayableAmount")
        for org_id in parties.get(first_text(tender, "{*}TenderingParty/{*}ID"), []):
            org = orgs.get(org_id, {})
            out.append(
                {
                    "name": org.get("name", ""),
                    "id": org.get("id") or None,
                    "lot": first_text(tender, "{*}TenderLot/{*}ID") or None,
                    "contract_no": contracts.get(tender_id) or None,
                    "value": to_number(amount.text) if amount is not None else None,
                    "currency": amount.get("currencyID") if amount is not None else None,
                    "town": org.get("town") or None,
                }
            )
    return out
