"""BOAMP, the French official bulletin of public procurement notices, through its Opendatasoft
dataset ``boamp`` (Explore API v2.1, no key). Licence Ouverte / Etalab 2.0 (DILA)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import orjson
from scrapy.http import Response

from crawler.base_spiders.fields import (
    clean_text,
    to_date,
    to_datetime,
    to_departements,
    to_str_list,
)
from crawler.base_spiders.opendatasoft import OpendatasoftSpider
from spiders.boamp_donnees import ParsedDonnees, parse_donnees
from spiders.parsers.places import departements_in_text
from vocabulary.errors import BadRecordError
from vocabulary.items import NoticeItem
from vocabulary.terms import NoticeKind

__all__ = ["BoampSpider", "boamp_notice", "notice_kind"]

NOTICE_URL = "https://www.boamp.fr/pages/avis/?q=idweb:{idweb}"
#: deadlines are written in French local time
PARIS = ZoneInfo("Europe/Paris")


def notice_kind(nature: str | None, etat: str | None) -> NoticeKind:
    """Map BOAMP's ``nature`` (APPEL_OFFRE, ATTRIBUTION, RECTIFICATIF, PERIODIQUE…) and ``etat``
    (INITIAL, RECTIFICATIF, ANNULATION) to a notice kind."""
    nature_u, etat_u = (nature or "").upper(), (etat or "").upper()
    if "ANNUL" in etat_u or "ANNUL" in nature_u:
        return "cancellation"
    if "RECTIF" in etat_u or "RECTIF" in nature_u or "MODIF" in nature_u:
        return "correction"
    if "ATTRIB" in nature_u or "RESULTAT" in nature_u:
        return "award"
    if "PRE" in nature_u or "PERIOD" in nature_u or "INFORMATION" in nature_u:
        return "prior_information"
    if "APPEL" in nature_u or not nature_u:
        return "tender"
    return "other"


def boamp_notice(record: dict[str, Any], source: str = "boamp") -> NoticeItem:
    """One record of the ``boamp`` dataset as a notice; ``BadRecordError`` without an idweb.

    ``departements`` is where the work is: ``code_departement_prestation``, else the places the
    ``donnees`` document writes (FNSimple/MAPA ``lieuExecution`` and lots' places, eForms
    addresses); ``code_departement`` says where the notice was PUBLISHED (9 départements for a
    gendarmerie in the Haute-Marne) and is kept in ``publication_departements``. When no place is
    published the notice is routed by its publication départements, with a warning.
    """
    idweb = clean_text(record.get("idweb") or record.get("id"))
    if not idweb:
        raise BadRecordError("record has no idweb")
    warnings: list[str] = []
    notice = NoticeItem(
        source=source,
        source_id=idweb,
        kind=notice_kind(record.get("nature"), record.get("etat")),
        title=clean_text(record.get("objet")) or idweb,
        url=clean_text(record.get("url_avis")) or NOTICE_URL.format(idweb=idweb),
        buyer_name=clean_text(record.get("nomacheteur")) or None,
        publication_departements=to_departements(record.get("code_departement"), warnings),
        descriptors=to_str_list(record.get("descripteur_libelle")),
        published_at=to_date(record.get("dateparution"), "dateparution", warnings),
        related_ids=_related(record),
        raw=record,
        warnings=warnings,
    )
    for name in to_str_list(record.get("titulaire")):
        notice.awardees.append({"name": name, "id": None})
    parsed = _donnees_into(record, notice)
    notice.departements = _place(record, parsed, notice)
    notice.deadline_at = _deadline(record, parsed, warnings)
    folder = clean_text(record.get("contractfolderid"))
    if folder:  # the procedure's id, shared by its tender, corrections and award
        notice.procedure_key = f"boamp:{folder}"
    else:
        notice.procedure_key = f"boamp:{notice.related_ids[0] if notice.related_ids else idweb}"
    return notice


def _related(record: dict[str, Any]) -> list[str]:
    related: list[str] = []
    for name in ("annonce_lie", "annonces_anterieures"):
        for value in to_str_list(record.get(name)):
            for token in value.split():
                if token not in related and token != record.get("idweb"):
                    related.append(token)
    return related


def _place(record: dict[str, Any], parsed: ParsedDonnees | None, notice: NoticeItem) -> list[str]:
    place = to_departements(record.get("code_departement_prestation"), notice.warnings)
    for text in parsed.places if parsed and not place else []:
        place = departements_in_text(text)  # the procedure's place first, then the lots'
        if place:
            break
    if not place and notice.publication_departements:
        if parsed is not None and parsed.shape.split("/")[0] in ("FNSimple", "MAPA", "EFORMS"):
            # modern forms have a place field: say when it is empty (the 2006-era notices have
            # none, and there the publication département is the buyer's)
            notice.warnings.append(
                "place of performance not published: routed by the publication départements"
            )
        return list(notice.publication_departements)
    return place


def _local(value: str) -> datetime | None:
    """An ISO date-time; one written without offset is French local time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def _deadline(
    record: dict[str, Any], parsed: ParsedDonnees | None, warnings: list[str]
) -> datetime | None:
    """The deadline as the publisher wrote it: ``donnees``, else ``gestion``; the dataset's
    ``datelimitereponse`` carries the local wall-clock time labelled UTC (12:00+01:00 is
    published as 12:00+00:00), so only its wall clock is used, in Europe/Paris."""
    gestion: Any = record.get("gestion")
    try:
        gestion = orjson.loads(gestion) if isinstance(gestion, str) else gestion
    except ValueError:
        gestion = None
    indexation = gestion.get("INDEXATION") if isinstance(gestion, dict) else None
    written = [parsed.deadline if parsed else None]
    written.append(indexation.get("DATE_LIMITE_REPONSE") if isinstance(indexation, dict) else None)
    for value in written:
        moment = _local(value) if isinstance(value, str) and value.strip() else None
        if moment is not None:
            return moment
    flat = to_datetime(record.get("datelimitereponse"), "datelimitereponse", warnings)
    return flat.replace(tzinfo=PARIS) if flat is not None else None


def _donnees_into(record: dict[str, Any], notice: NoticeItem) -> ParsedDonnees | None:
    try:
        parsed = parse_donnees(record.get("donnees"))
    except (ValueError, TypeError) as exc:
        # the flat fields still make a notice; the broken document is kept raw
        notice.warnings.append(f"donnees: malformed JSON ({exc})"[:300])
        return None
    notice.description = clean_text(parsed.description)
    notice.cpv_codes = parsed.cpv_codes
    notice.lots = parsed.lots
    notice.estimated_value = parsed.estimated_value
    notice.estimated_value_low = parsed.estimated_value_low
    if parsed.estimated_value_low is not None:
        notice.warnings.append(
            f"value published as a range {parsed.estimated_value_low:g}–"
            f"{parsed.estimated_value:g}: the high end is stored as the value"
        )
    notice.currency = parsed.currency
    notice.buyer_siret = parsed.buyer_siret
    for awardee in parsed.awardees:
        if not any(a.get("name") == awardee.get("name") for a in notice.awardees):
            notice.awardees.append(awardee)
    for related in parsed.related_ids:
        if related not in notice.related_ids and related != notice.source_id:
            notice.related_ids.append(related)
    notice.extra_text = parsed.extra_text
    notice.raw = dict(record, donnees_shape=parsed.shape)
    return parsed


class BoampSpider(OpendatasoftSpider):
    name = "boamp"
    # read by BaseSpider
    source_kind: ClassVar[str] = "api"
    licence: ClassVar[str] = "Licence Ouverte / Etalab 2.0 (DILA, BOAMP)"
    base_url: ClassVar[str] = "https://boamp-datadila.opendatasoft.com"
    # read by OpendatasoftSpider
    dataset: ClassVar[str] = "boamp"
    date_field: ClassVar[str] = "dateparution"
    id_field: ClassVar[str] = "idweb"

    def parse_record(self, record: dict[str, Any], response: Response) -> NoticeItem | None:
        return boamp_notice(record, self.name)
