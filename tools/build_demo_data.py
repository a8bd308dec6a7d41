"""Generates ``veilleur/demo/data/boamp/records.json`` and ``provenance.json`` from the shared
corpus (``boamp_api_v2.1/``, ``ted_xml_fr/``, ``boamp_ted_html_2020/``, ``labels.csv``); run
once, the output is committed.

Records come from three real sources (see veilleur/demo/data/boamp/README.md):
1. verbatim BOAMP API v2.1 records (old 2006 schema);
2. BOAMP API records assembled from real eForms XML notices (``EFORMS`` shape);
3. BOAMP API records assembled from real BOAMP web notices of August 2020 (``MAPA`` and
   ``FNSimple`` shapes), their text unmodified.

Usage: python tools/build_demo_data.py [CORPUS_DIR]   (default: see tools/corpus.py)
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.corpus import ROOT, corpus_dir
from veilleur.demo import DEMO_DATA

OUT = DEMO_DATA / "boamp" / "records.json"


def xml_to_json(element: Any) -> Any:
    """eForms XML as BOAMP renders it in JSON: prefixed names, ``@attr``, ``#text``, lists."""
    result: dict[str, Any] = {}
    for name, value in element.attrib.items():
        result["@" + etree.QName(name).localname] = value
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        prefix = child.prefix or ""
        key = f"{prefix}:{qname.localname}" if prefix else qname.localname
        value = xml_to_json(child)
        if key in result:
            if not isinstance(result[key], list):
                result[key] = [result[key]]
            result[key].append(value)
        else:
            result[key] = value
    text = (element.text or "").strip()
    if text:
        if not result:
            return text
        result["#text"] = text
    return result


def flat_record(idweb: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "idweb": idweb,
        "id": idweb,
        "annonce_reference_schema_v110": None,
        "objet": None,
        "filename": None,
        "famille": None,
        "code_departement": [],
        "code_departement_prestation": None,
        "famille_libelle": None,
        "dateparution": None,
        "datefindiffusion": None,
        "datelimitereponse": None,
        "nomacheteur": None,
        "titulaire": None,
        "perimetre": None,
        "type_procedure": None,
        "soustype_procedure": None,
        "procedure_libelle": None,
        "procedure_categorise": None,
        "nature": "APPEL_OFFRE",
        "sousnature": None,
        "nature_libelle": "Avis de marché",
        "sousnature_libelle": None,
        "nature_categorise": None,
        "nature_categorise_libelle": None,
        "criteres": None,
        "marche_public_simplifie": None,
        "marche_public_simplifie_label": None,
        "etat": "INITIAL",
        "descripteur_code": [],
        "dc": [],
        "descripteur_libelle": [],
        "type_marche": [],
        "type_marche_facette": [],
        "type_avis": [],
        "annonce_lie": None,
        "annonces_anterieures": None,
        "annonces_anterieures_schema_v110": None,
        "source_schema": None,
        "gestion": None,
        "donnees": None,
        "url_avis": f"https://www.boamp.fr/pages/avis/?q=idweb:{idweb}",
    }
    base.update(fields)
    return base


def eforms_records(corpus: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted((corpus / "ted_xml_fr").glob("eforms__*2024-OJS*.xml")):
        root = etree.parse(
            str(path), etree.XMLParser(resolve_entities=False, no_network=True)
        ).getroot()
        ns = {
            "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
            "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
            "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
        }
        notice_id = root.findtext(".//efbc:NoticePublicationID", namespaces=ns) or path.stem
        title = root.findtext("cac:ProcurementProject/cbc:Name", namespaces=ns) or ""
        buyer = root.findtext(".//cac:PartyName/cbc:Name", namespaces=ns) or ""
        postal = root.findtext(".//cac:PostalAddress/cbc:PostalZone", namespaces=ns) or ""
        issue = (root.findtext("cbc:IssueDate", namespaces=ns) or "")[:10]
        local = etree.QName(root).localname
        nature = {
            "ContractAwardNotice": "ATTRIBUTION",
            "PriorInformationNotice": "PRE-INFORMATION",
        }.get(local, "APPEL_OFFRE")
        donnees = {"EFORMS": {local: xml_to_json(root)}}
        out.append(
            flat_record(
                notice_id,
                objet=title,
                nomacheteur=buyer,
                dateparution=issue,
                code_departement=[postal[:2]] if postal[:2].isdigit() else [],
                famille="JOUE",
                perimetre="EFORMS",
                nature=nature,
                donnees=json.dumps(donnees, ensure_ascii=False),
                source_path=f"ted_xml_fr/{path.name}",
            )
        )
    return out


_DATE = re.compile(r"publié le (\d{2})/(\d{2})/(\d{4})")
_DEADLINE = re.compile(r"Date limite de réponse le (\d{2})/(\d{2})/(\d{4})")
_DEPT = re.compile(r"Dépt\. : (\w{2,3}) (.+)")
_CPV = re.compile(r"\b(\d{8})\b")


def html_records(corpus: Path, labelled: set[str], extra: int) -> list[dict[str, Any]]:
    rows = [
        json.loads(line)
        for line in (corpus / "boamp_ted_html_2020_text.jsonl").open(encoding="utf-8")
    ]
    boamp = [r for r in rows if r["format"] == "boamp_html" and r.get("included_verbatim")]
    chosen = [r for r in boamp if r["record_id"] in labelled]
    rest = sorted(
        (r for r in boamp if r["record_id"] not in labelled), key=lambda r: r["record_id"]
    )
    mapa = [r for r in rest if "essentiel du march" in r["text"]]
    random.Random(2020).shuffle(rest)
    for r in mapa[:12] + rest:
        if len(chosen) >= len([c for c in chosen if c["record_id"] in labelled]) + extra:
            break
        if r not in chosen:
            chosen.append(r)
    out = []
    for r in chosen:
        text = r["text"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        date = _DATE.search(text)
        dept = _DEPT.search(text)
        deadline = _DEADLINE.search(text)
        cpvs = list(dict.fromkeys(_CPV.findall(text)))
        shape = "MAPA" if "essentiel du march" in text else "FNSimple"
        body_start = next((i for i, line in enumerate(lines) if line.startswith("Annonce")), 0)
        description = "\n".join(lines[body_start:])
        nature = {"codeCPV": {"objetPrincipal": {"classPrincipale": cpvs[0]}}} if cpvs else {}
        nature["description"] = description
        donnees = {shape: {"initial": {"natureMarche": nature}}}
        out.append(
            flat_record(
                r["record_id"],
                objet=r["title"],
                nomacheteur=dept.group(2).strip() if dept else None,
                code_departement=[dept.group(1)] if dept else [],
                dateparution=f"{date.group(3)}-{date.group(2)}-{date.group(1)}" if date else None,
                datelimitereponse=(
                    f"{deadline.group(3)}-{deadline.group(2)}-{deadline.group(1)}T00:00:00+00:00"
                    if deadline
                    else None
                ),
                famille="MAPA" if shape == "MAPA" else "FNS",
                perimetre=shape,
                donnees=json.dumps(donnees, ensure_ascii=False),
                source_path=f"boamp_ted_html_2020/{r['source_path'].split('/')[-2]}__{r['source_path'].split('/')[-1]}",
            )
        )
    return out


def main() -> None:
    corpus = corpus_dir(sys.argv[1] if len(sys.argv) > 1 else None)
    with (corpus / "labels.csv").open(encoding="utf-8") as handle:
        labelled = {
            row["record_id"] for row in csv.DictReader(handle) if "boamp_ted_html" in row["file"]
        }
    api = json.loads(
        (corpus / "boamp_api_v2.1" / "boamp_records_2024-03-01.json").read_text(encoding="utf-8")
    )
    records = (
        list(api["results"]) + eforms_records(corpus) + html_records(corpus, labelled, extra=60)
    )
    provenance = {
        r["idweb"]: r.pop("source_path", "boamp_api_v2.1/boamp_records_2024-03-01.json")
        for r in records
    }
    OUT.write_text(json.dumps(records, ensure_ascii=False, indent=None), encoding="utf-8")
    (OUT.parent / "provenance.json").write_text(json.dumps(provenance, indent=1), encoding="utf-8")
    print(f"{len(records)} records -> {OUT.relative_to(ROOT)} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
