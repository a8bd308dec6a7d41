"""Real DECP records (regulatory JSON tree) in the flat shape of the ministry's Opendatasoft
datasets on data.economie.gouv.fr (``acheteur_id``, ``titulaire_id_1`` …).

No recorded answer of those datasets exists in the project's material, so their replays are
ASSEMBLED at test time from the recorded DECP files: the values are real, the flat shape is the
one documented in ``shared/corpus/realworld/SOURCES.md`` (the 2022 dataset has no
``acheteur_nom``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def flat_record(record: dict[str, Any], *, buyer_name: bool = True) -> dict[str, Any]:
    """One contract of a DECP file as a flat record (contracts only: concessions have no
    ``acheteur``)."""
    place = record.get("lieuExecution") or {}
    flat: dict[str, Any] = {
        "id": record["id"],
        "acheteur_id": record["acheteur"]["id"],
        "objet": record.get("objet"),
        "codecpv": record.get("codeCPV"),
        "procedure": record.get("procedure"),
        "nature": record.get("nature"),
        "dureemois": record.get("dureeMois"),
        "datenotification": (record.get("dateNotification") or "")[:10],
        "datepublicationdonnees": (record.get("datePublicationDonnees") or "")[:10],
        "montant": record.get("montant"),
        "lieuexecution_code": place.get("code"),
        "lieuexecution_typecode": place.get("typeCode"),
        "source": record.get("source"),
    }
    if buyer_name:
        flat["acheteur_nom"] = record["acheteur"].get("nom")
    for n, holder in enumerate(record.get("titulaires") or [], 1):
        if n > 3:  # the datasets have three titulaire columns
            break
        flat[f"titulaire_id_{n}"] = holder.get("id")
        flat[f"titulaire_denominationsociale_{n}"] = holder.get("denominationSociale")
        flat[f"titulaire_typeidentifiant_{n}"] = holder.get("typeIdentifiant")
    return flat


def flat_records(files: Iterable[Path], *, buyer_name: bool = True) -> list[dict[str, Any]]:
    """Every contract with a buyer of the DECP ``files``, flat."""
    records = []
    for path in files:
        for record in json.loads(path.read_text(encoding="utf-8"))["marches"]:
            if isinstance(record.get("acheteur"), dict) and record.get("id"):
                records.append(flat_record(record, buyer_name=buyer_name))
    return records
