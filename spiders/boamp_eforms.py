"""BOAMP ``donnees`` of the ``EFORMS`` shape: the eForms UBL notice turned into JSON the xmltodict
way (prefixes kept: ``cac:``, ``cbc:``, ``efac:``…; ``@currencyID``, ``#text``).

What is read, and from where (eForms SDK field ids in brackets):

* the buyer: ``cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID`` names an
  organisation of ``efac:Organizations``; its ``cac:PartyLegalEntity/cbc:CompanyID`` is the
  SIRET (another organisation's — a winner's, a review body's — is never taken for it);
* the value: ``cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount`` (BT-27), and on
  results ``efac:NoticeResult/cbc:TotalAmount`` or
  ``efbc:OverallMaximumFrameworkContractsAmount`` (BT-161, BT-118);
* the places: every ``cac:RealizedLocation/cac:Address`` (``cbc:PostalZone``, ``cbc:CityName``;
  ``cbc:CountrySubentityCode`` NUTS codes are kept apart);
* the deadline: ``cac:TenderSubmissionDeadlinePeriod`` ``cbc:EndDate`` + ``cbc:EndTime``;
* winners: the ``efac:TenderingParty`` tenderers, named through their organisation.

No recorded BOAMP EFORMS record was found in public material: this reader follows the eForms
UBL schema, and its tests use records assembled from real eForms notices (see
``tests/fixtures/boamp_eforms/README.md``).
"""

from __future__ import annotations

import re
from typing import Any

from spiders.parsers.xmljson import as_list, child, number, text

__all__ = ["parse_eforms"]

_ROOTS = ("ContractNotice", "ContractAwardNotice", "PriorInformationNotice")


def _walk(node: Any, key: str) -> list[Any]:
    """Every value under ``key`` anywhere below ``node``."""
    found: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for name, value in current.items():
                if name == key:
                    found.extend(as_list(value))
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _organisations(root: dict[str, Any]) -> dict[str, dict[str, str]]:
    orgs: dict[str, dict[str, str]] = {}
    for org in _walk(root, "efac:Organization"):
        company = child(org, "efac:Company")
        ident = text(child(company, "cac:PartyIdentification", "cbc:ID"))
        if not ident:
            continue
        legal = text(child(company, "cac:PartyLegalEntity", "cbc:CompanyID")).replace(" ", "")
        orgs[ident] = {
            "name": text(child(company, "cac:PartyName", "cbc:Name")),
            "siret": legal if re.fullmatch(r"\d{14}", legal) else "",
        }
    return orgs


def _places(root: dict[str, Any]) -> tuple[list[str], list[str]]:
    places, nuts = [], []
    for location in _walk(root, "cac:RealizedLocation"):
        address = child(location, "cac:Address")
        line = " ".join(
            t
            for t in (text(child(address, "cbc:CityName")), text(child(address, "cbc:PostalZone")))
            if t
        )
        if line:
            places.append(line)
        code = text(child(address, "cbc:CountrySubentityCode"))
        if code:
            nuts.append(code)
    return places, nuts


def _deadline(root: dict[str, Any]) -> str | None:
    for period in _walk(root, "cac:TenderSubmissionDeadlinePeriod"):
        day, hour = text(child(period, "cbc:EndDate")), text(child(period, "cbc:EndTime"))
        if day:
            # "2024-03-15+01:00" and "12:00:00+01:00": the offset goes after the time
            match = re.match(r"(\d{4}-\d{2}-\d{2})(.*)", day)
            if match and hour:
                return f"{match.group(1)}T{hour}"
            return day
    return None


def parse_eforms(body: dict[str, Any], out: Any) -> None:
    """Fill ``out`` (a ``ParsedDonnees``) from an ``EFORMS`` document."""
    root: dict[str, Any] = {}
    for name in _ROOTS:
        if isinstance(body.get(name), dict):
            root = body[name]
            out.shape = f"EFORMS/{name}"
            break
    if not root:
        return
    project = root.get("cac:ProcurementProject") or {}
    texts = [text(child(project, "cbc:Name")), text(child(project, "cbc:Description"))]
    out.description = " ".join(t for t in texts if t)
    for lot in as_list(root.get("cac:ProcurementProjectLot")):
        lot_project = child(lot, "cac:ProcurementProject") or {}
        out.lots.append(
            {
                "number": text(child(lot, "cbc:ID")),
                "title": text(child(lot_project, "cbc:Name")),
                "description": text(child(lot_project, "cbc:Description")),
            }
        )
    amounts = [
        *_walk(project, "cbc:EstimatedOverallContractAmount"),
        *_walk(root, "cbc:TotalAmount"),
        *_walk(root, "efbc:OverallMaximumFrameworkContractsAmount"),
    ]
    for amount in amounts:
        value = number(amount)
        if value:
            out.estimated_value = value
            out.currency = amount.get("@currencyID") if isinstance(amount, dict) else None
            break
    orgs = _organisations(root)
    for party in _walk(root, "cac:ContractingParty"):
        buyer = orgs.get(text(child(party, "cac:Party", "cac:PartyIdentification", "cbc:ID")))
        if buyer and buyer["siret"]:
            out.buyer_siret = buyer["siret"]
            break
    for tenderer in _walk(root, "efac:Tenderer"):
        org = orgs.get(text(child(tenderer, "cbc:ID")), {})
        if org:
            awardee = {"name": org["name"] or None, "id": org["siret"] or None}
            if awardee not in out.awardees:
                out.awardees.append(awardee)
    out.places, out.nuts = _places(root)
    out.deadline = _deadline(root)
