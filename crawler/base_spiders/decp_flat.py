"""Flat DECP rows (the ministry's Opendatasoft datasets on data.economie.gouv.fr) → contracts.

``decp-2022-marches-valides`` and ``decp-v3-marches-valides`` publish one ROW per contract AND
per modification or subcontracting act: the contract's columns repeat on each of its rows, the
act's columns (``idmodification``, ``montantmodification`` … ``idactesoustraitance`` …) differ.
Awardees are flattened into ``titulaire_id_1..3`` / ``titulaire_typeidentifiant_1..3`` (the 2022
dataset names no buyer and no awardee). A missing value is written ``"CDL"``.

So: fillers become missing values, rows are grouped into one contract by (buyer, id), and each
contract is rebuilt as the regulatory JSON tree that :func:`parse_decp_record` reads. The column
names are those of the dataset (see ``tests/fixtures/realworld/README.md``); the raw exports'
dotted camel-case twins (``acheteur.id``, ``lieuExecution.code``) are accepted too.

Pure: no Scrapy, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from crawler.base_spiders.decp_json import DecpRecordError, parse_decp_record
from vocabulary.items import NoticeItem

__all__ = ["FILLERS", "contract_tree", "group_rows", "is_missing", "parse_flat_records"]

#: what the datasets write for "no value"
FILLERS = frozenset({"CDL", ""})


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in FILLERS)


def _value(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = row.get(name)
        if not is_missing(value):
            return value.strip() if isinstance(value, str) else value
    return None


def _text_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(" ", "") or None


def contract_key(row: dict[str, Any]) -> tuple[str, str]:
    buyer = _text_id(_value(row, "acheteur_id", "acheteur.id", "acheteur_siret")) or ""
    ident = _value(row, "id", "uid")  # kept as published: ids may hold spaces
    return buyer, str(ident).strip() if ident is not None else ""


def group_rows(rows: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows of each contract, contracts in the order they first appear."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(contract_key(row), []).append(row)
    return list(groups.values())


def _holders(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    holders: dict[str, dict[str, Any]] = {}
    for row in rows:
        for n in range(1, 4):
            ident = _text_id(_value(row, f"titulaire_id_{n}", f"titulaire_siret_{n}"))
            name = _value(
                row, f"titulaire_denominationsociale_{n}", f"titulaire_denominationSociale_{n}"
            )
            if ident is None and name is None:
                continue
            holders.setdefault(
                ident or str(name),
                {
                    "id": ident,
                    "typeIdentifiant": _value(row, f"titulaire_typeidentifiant_{n}"),
                    "denominationSociale": name,
                },
            )
    return list(holders.values())


def _modifications(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    mods: dict[str, dict[str, Any]] = {}
    for row in rows:
        ident = _value(row, "idmodification")
        subject = _value(row, "objetmodification")
        if ident is None and subject is None:
            continue
        holder = _text_id(_value(row, "idtitulairemodification"))
        mods.setdefault(
            str(ident if ident is not None else subject),
            {
                "id": ident,
                "objetModification": subject,
                "montant": _value(row, "montantmodification"),
                "dureeMois": _value(row, "dureemoismodification"),
                "dateNotificationModification": _value(
                    row, "datenotificationmodificationmodification", "datenotificationmodification"
                ),
                "datePublicationDonneesModification": _value(
                    row,
                    "datepublicationdonneesmodificationmodification",
                    "datepublicationdonneesmodification",
                ),
                "titulaires": [
                    {
                        "id": holder,
                        "typeIdentifiant": _value(row, "typeidentifianttitulairemodification"),
                    }
                ]
                if holder
                else [],
            },
        )
    return list(mods.values())


def _subcontracts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    acts: dict[str, dict[str, Any]] = {}
    for row in rows:
        ident = _value(row, "idactesoustraitance")
        if ident is None:
            continue
        acts.setdefault(
            str(ident),
            {
                "id": ident,
                "sousTraitant": {
                    "id": _text_id(_value(row, "idsoustraitant")),
                    "typeIdentifiant": _value(row, "typeidentifiantsoustraitant"),
                },
                "montant": _value(row, "montantactesoustraitance"),
                "dureeMois": _value(row, "dureemoisactesoustraitance"),
                "dateNotification": _value(row, "datenotificationactesoustraitance"),
                "datePublicationDonnees": _value(row, "datepublicationdonneesactesoustraitance"),
            },
        )
    return list(acts.values())


def contract_tree(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One contract's rows as the regulatory JSON tree."""
    row = rows[0]
    buyer, ident = contract_key(row)
    return {
        "id": ident or None,
        "acheteur": {"id": buyer or None, "nom": _value(row, "acheteur_nom", "acheteur.nom")},
        "nature": _value(row, "nature"),
        "objet": _value(row, "objet"),
        "codeCPV": _value(row, "codecpv", "codeCPV", "cpv"),
        "procedure": _value(row, "procedure"),
        "dureeMois": _value(row, "dureemois", "dureeMois"),
        "dateNotification": _value(row, "datenotification", "dateNotification"),
        "datePublicationDonnees": _value(row, "datepublicationdonnees", "datePublicationDonnees"),
        "montant": _value(row, "montant"),
        "formePrix": _value(row, "formeprix"),
        "lieuExecution": {
            "code": _value(
                row,
                "lieuexecution_code",
                "lieu_execution_code",
                "lieuexecution.code",
                "lieuExecution.code",
            ),
            "typeCode": _value(
                row,
                "lieuexecution_typecode",
                "lieu_execution_type_code",
                "lieuexecution.typecode",
                "lieuExecution.typeCode",
            ),
        },
        "titulaires": _holders(rows),
        "modifications": _modifications(rows),
        "actesSousTraitance": _subcontracts(rows),
        "source": _value(row, "source"),
    }


def parse_flat_records(
    rows: Iterable[Any], label: str = ""
) -> Iterator[NoticeItem | DecpRecordError]:
    """One notice per contract of a page or export of flat rows; a row that is not an object or
    a contract without buyer is a :class:`DecpRecordError`."""
    good: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if isinstance(row, dict):
            good.append(row)
        else:
            yield DecpRecordError(index, None, "bad_record", "record is not an object")
    for group in group_rows(good):
        tree = contract_tree(group)
        try:
            notice = parse_decp_record(tree, label)
        except (ValueError, TypeError, KeyError) as exc:
            yield DecpRecordError(-1, tree["id"], "bad_record", str(exc))
            continue
        notice.raw = {"rows": group, "_files": [label] if label else []}
        yield notice
