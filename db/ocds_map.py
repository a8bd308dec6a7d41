"""One stored notice as an OCDS 1.1 release — pure: plain values in, a release dict out.

Mapping (docs/ocds.md says why each choice):

* ``ocid`` = the ocid prefix, ``-``, and ``source:key`` of the first stored notice of the
  purchase's story (the caller finds it); the release ``id`` = ``source:key:v<version>``, so a
  notice's every version is a distinct, stable release of its process.
* ``tag`` by kind: prior information and deliberations ``planning``; tender ``tender``;
  correction ``tenderAmendment``; cancellation ``tenderCancellation``; award ``award``; a DECP
  contract ``award`` + ``contract`` (+ ``contractAmendment`` when it records modifications).
* parties: the buyer and the awardees, identified in the org-id.guide list ``FR-RCS`` (SIREN
  or SIRET) when the source gives one; no scheme is invented for other identifiers.
* documents: the notice itself, and its documents typed from their titles (``billOfQuantity``
  for a BPU/DQE/DPGF, ``technicalSpecifications`` for a CCTP, ``biddingDocuments`` for a DCE,
  RC or CCAP: codes of the 1.1.5 documentType codelist).
* items: the notice's CPV codes, and the surveillance lines read from its price schedules.

Only core fields are used (no extension), so the release validates against the core schema.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = ["NoticeData", "document_type", "release_for", "release_tag"]

_TAGS = {
    "prior_information": ["planning"],
    "deliberation": ["planning"],
    "tender": ["tender"],
    "correction": ["tenderAmendment"],
    "cancellation": ["tenderCancellation"],
    "award": ["award"],
    "contract": ["award", "contract"],
    "authorisation": ["planning"],
    "other": ["tender"],
}
_NOTICE_DOCUMENT = {"award": "awardNotice", "contract": "contractNotice"}
_DOC_TYPES = (
    (re.compile(r"\b(bpu|dqe|dpgf|bordereau|d[ée]tail quantitatif|d[ée]composition du prix)", re.I), "billOfQuantity"),
    (re.compile(r"\bcctp\b|clauses techniques", re.I), "technicalSpecifications"),
    (re.compile(r"\b(dce|rc|ccap)\b|r[èe]glement de (la )?consultation|consultation des entreprises", re.I), "biddingDocuments"),
)  # fmt: skip


@dataclass
class NoticeData:
    """The fields of a stored notice a release needs."""

    id: int
    source: str
    source_key: str
    version: int
    kind: str
    title: str
    description: str = ""
    url: str = ""
    buyer_name: str | None = None
    buyer_siret: str | None = None
    published_at: date | None = None
    first_seen_at: datetime | None = None
    deadline_at: datetime | None = None
    estimated_value: float | None = None
    currency: str | None = None
    cpv_codes: Sequence[str] = ()
    awardees: Sequence[dict[str, Any]] = ()
    #: DECP modifications, as the raw payload carries them
    modifications: Sequence[Any] = ()
    #: (url, title) of each linked document
    documents: Sequence[tuple[str, str | None]] = ()
    #: surveillance lines of its price schedules: designation, unit, quantity, unit_price
    price_lines: Sequence[dict[str, Any]] = field(default_factory=list)


def release_tag(kind: str, modified: bool = False) -> list[str]:
    tag = list(_TAGS.get(kind, ["tender"]))
    return [*tag, "contractAmendment"] if kind == "contract" and modified else tag


def document_type(title: str | None, url: str = "") -> str | None:
    text = f"{title or ''} {url.rsplit('/', 1)[-1]}"
    for pattern, code in _DOC_TYPES:
        if pattern.search(text):
            return code
    return None


def _when(value: date | datetime | None) -> str | None:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    return None


def _value(amount: float | None, currency: str | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"amount": round(float(amount), 2), "currency": (currency or "EUR").upper()}


def _party(name: str, ident: Any, role: str) -> dict[str, Any]:
    from db.picture import name_key, siren_of

    siren, siret = siren_of(ident)
    number = siret or siren
    party: dict[str, Any] = {
        "id": f"FR-RCS-{number}" if number else f"name:{name_key(name) or 'unknown'}",
        "name": name or str(number or ""),
        "roles": [role],
    }
    if number:
        party["identifier"] = {"scheme": "FR-RCS", "id": number, "legalName": name or None}
    elif ident:
        party["additionalIdentifiers"] = [{"id": str(ident)}]
    return party


def _parties(n: NoticeData) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    buyer = None
    if n.buyer_name or n.buyer_siret:
        p = _party(n.buyer_name or "", n.buyer_siret, "buyer")
        by_id[p["id"]] = p
        buyer = {"id": p["id"], "name": p["name"]}
    suppliers = []
    for a in n.awardees:
        if not isinstance(a, dict) or not (a.get("name") or a.get("id")):
            continue
        p = _party(str(a.get("name") or ""), a.get("id"), "supplier")
        known = by_id.setdefault(p["id"], p)
        if "supplier" not in known["roles"]:
            known["roles"].append("supplier")
        suppliers.append(({"id": p["id"], "name": p["name"]}, a))
    return list(by_id.values()), buyer, suppliers


def _items(n: NoticeData) -> list[dict[str, Any]]:
    items = [
        {"id": f"cpv-{i}", "description": n.title[:500],
         "classification": {"scheme": "CPV", "id": str(code)}}
        for i, code in enumerate(dict.fromkeys(n.cpv_codes), 1)
    ]  # fmt: skip
    for i, line in enumerate(n.price_lines, 1):
        item: dict[str, Any] = {"id": f"price-{i}", "description": line["designation"][:500]}
        if line.get("quantity") is not None:
            item["quantity"] = line["quantity"]
        unit: dict[str, Any] = {}
        if line.get("unit"):
            unit["name"] = line["unit"]
        if line.get("unit_price") is not None:
            unit["value"] = _value(line["unit_price"], "EUR")
        if unit:
            item["unit"] = unit
        items.append(item)
    return items


def _documents(n: NoticeData) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    if n.url.startswith(("http://", "https://")):
        docs.append(
            {"id": "notice", "documentType": _NOTICE_DOCUMENT.get(n.kind, "tenderNotice"),
             "title": n.title[:300], "url": n.url, "datePublished": _when(n.published_at)}
        )  # fmt: skip
    for i, (url, title) in enumerate(n.documents, 1):
        if not url.startswith(("http://", "https://")):
            continue
        doc: dict[str, Any] = {"id": f"doc-{i}", "url": url}
        if title:
            doc["title"] = title[:300]
        code = document_type(title, url)
        if code:
            doc["documentType"] = code
        docs.append(doc)
    return [{k: v for k, v in d.items() if v is not None} for d in docs]


def _tender(n: NoticeData, key: str) -> dict[str, Any]:
    status = {"cancellation": "cancelled", "prior_information": "planned"}.get(n.kind, "active")
    if n.kind == "deliberation":
        status = "planned"
    tender: dict[str, Any] = {"id": key, "title": n.title[:1000], "status": status}
    if n.description:
        tender["description"] = n.description[:4000]
    items = _items(n)
    if items:
        tender["items"] = items
    if n.kind in ("tender", "prior_information", "correction") and n.estimated_value:
        tender["value"] = _value(n.estimated_value, n.currency)
    if n.deadline_at and n.kind in ("tender", "correction"):
        tender["tenderPeriod"] = {"endDate": _when(n.deadline_at)}
    if n.kind == "correction":
        tender["amendments"] = [
            {"id": "1", "date": _when(n.published_at or n.first_seen_at),
             "description": (n.description or n.title)[:1000]}
        ]  # fmt: skip
    docs = _documents(n)
    if docs:
        tender["documents"] = docs
    return tender


def release_for(n: NoticeData, ocid: str) -> dict[str, Any]:
    """The OCDS release of notice ``n`` in process ``ocid``."""
    key = f"{n.source}:{n.source_key}"
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{key}:v{n.version}",
        "date": _when(n.published_at or n.first_seen_at) or "1970-01-01T00:00:00Z",
        "tag": release_tag(n.kind, bool(n.modifications)),
        "initiationType": "tender",
        "language": "fr",
    }
    parties, buyer, suppliers = _parties(n)
    if parties:
        release["parties"] = parties
    if buyer:
        release["buyer"] = buyer
    if n.kind == "deliberation":
        release["planning"] = {"rationale": n.title[:1000]}
    release["tender"] = _tender(n, key)
    if n.kind in ("award", "contract") and suppliers:
        awards = []
        for i, (ref, raw) in enumerate(suppliers, 1):
            award: dict[str, Any] = {"id": f"{key}:award:{raw.get('lot') or 'x'}-{i}", "status": "active",
                                     "suppliers": [ref], "title": n.title[:1000]}  # fmt: skip
            value = _value(raw.get("value"), raw.get("currency") or n.currency)
            if value:
                award["value"] = value
            awards.append(award)
        release["awards"] = awards
        if n.kind == "contract":
            release["contracts"] = [_contract(n, key, awards[0]["id"])]
    return release


def _contract(n: NoticeData, key: str, award_id: str) -> dict[str, Any]:
    contract: dict[str, Any] = {"id": f"{key}:contract", "awardID": award_id, "status": "active",
                                "title": n.title[:1000]}  # fmt: skip
    value = _value(n.estimated_value, n.currency)
    if value:
        contract["value"] = value
    signed = _when(n.published_at)
    if signed:
        contract["dateSigned"] = signed
    # the 2022 DECP format wraps each item: {"modification": {...}}
    mods = [m.get("modification", m) for m in n.modifications if isinstance(m, dict)]
    amendments = [
        {"id": str(i), "description": str(m.get("objetModification") or "")[:1000] or None}
        for i, m in enumerate(mods, 1)
        if isinstance(m, dict)
    ]
    if amendments:
        contract["amendments"] = [{k: v for k, v in a.items() if v} for a in amendments]
    return contract
