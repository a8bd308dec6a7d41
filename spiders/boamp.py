"""BOAMP, the French official bulletin of public procurement notices, through its Opendatasoft
dataset ``boamp`` (Explore API v2.1, no key). Licence Ouverte / Etalab 2.0 (DILA)."""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.http import Response

from crawler.base_spiders.fields import (
    clean_text,
    to_date,
    to_datetime,
    to_departements,
    to_str_list,
)
from crawler.base_spiders.opendatasoft import OpendatasoftSpider
from spiders.boamp_donnees import parse_donnees
from vocabulary.errors import BadRecordError
from vocabulary.items import NoticeItem
from vocabulary.terms import NoticeKind

__all__ = ["BoampSpider", "notice_kind"]

NOTICE_URL = "https://www.boamp.fr/pages/avis/?q=idweb:{idweb}"


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
        idweb = clean_text(record.get("idweb") or record.get("id"))
        if not idweb:
            raise BadRecordError("record has no idweb")
        warnings: list[str] = []
        title = clean_text(record.get("objet"))
        notice = NoticeItem(
            source=self.name,
            source_id=idweb,
            kind=notice_kind(record.get("nature"), record.get("etat")),
            title=title or idweb,
            url=clean_text(record.get("url_avis")) or NOTICE_URL.format(idweb=idweb),
            buyer_name=clean_text(record.get("nomacheteur")) or None,
            departements=self._parse_departements(record, warnings),
            descriptors=to_str_list(record.get("descripteur_libelle")),
            published_at=to_date(record.get("dateparution"), "dateparution", warnings),
            deadline_at=to_datetime(record.get("datelimitereponse"), "datelimitereponse", warnings),
            related_ids=self._parse_related(record),
            raw=record,
            warnings=warnings,
        )
        self._parse_titulaire(record, notice)
        self._parse_donnees_into(record, notice, response)
        notice.procedure_key = f"boamp:{notice.related_ids[0] if notice.related_ids else idweb}"
        return notice

    def _parse_departements(self, record: dict[str, Any], warnings: list[str]) -> list[str]:
        codes = to_departements(record.get("code_departement"), warnings)
        for code in to_departements(record.get("code_departement_prestation"), warnings):
            if code not in codes:
                codes.append(code)
        return codes

    def _parse_related(self, record: dict[str, Any]) -> list[str]:
        related: list[str] = []
        for name in ("annonce_lie", "annonces_anterieures"):
            for value in to_str_list(record.get(name)):
                for token in value.split():
                    if token not in related and token != record.get("idweb"):
                        related.append(token)
        return related

    def _parse_titulaire(self, record: dict[str, Any], notice: NoticeItem) -> None:
        for name in to_str_list(record.get("titulaire")):
            notice.awardees.append({"name": name})

    def _parse_donnees_into(
        self, record: dict[str, Any], notice: NoticeItem, response: Response
    ) -> None:
        try:
            parsed = parse_donnees(record.get("donnees"))
        except (ValueError, TypeError) as exc:
            # the flat fields still make a notice; the broken document is kept raw
            notice.warnings.append(f"donnees: malformed JSON ({exc})"[:300])
            return
        notice.description = clean_text(parsed.description)
        notice.cpv_codes = parsed.cpv_codes
        notice.lots = parsed.lots
        notice.estimated_value = parsed.estimated_value
        notice.currency = parsed.currency
        notice.buyer_siret = parsed.buyer_siret
        for awardee in parsed.awardees:
            if awardee not in notice.awardees:
                notice.awardees.append(awardee)
        for related in parsed.related_ids:
            if related not in notice.related_ids and related != notice.source_id:
                notice.related_ids.append(related)
        notice.extra_text = parsed.extra_text
        notice.raw = dict(record, donnees_shape=parsed.shape)
