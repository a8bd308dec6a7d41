"""A prefectoral authorisation is linked to the purchases of the commune it concerns."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models
from db.linking import link_all, story
from db.linking.authorisations import communes_named
from tests import factories
from tests.factories import lyon_contract
from vocabulary.items import NoticeItem


def _authorisation(title: str, description: str = "", **changes: object) -> NoticeItem:
    """SYNTHETIC act in the wording of the Var's vidéoprotection commission acts (RAA N°010 of
    9 January 2025: "ARRÊTÉ PRÉFECTORAL portant autorisation d'installation d'un système de
    Vidéoprotection Commune de SAINTE-MAXIME (Parking Prince Bertil)")."""
    fields: dict[str, object] = {
        "source": "raa_69",
        "source_id": "69-2019-01-10-00001",
        "kind": "authorisation",
        "title": title,
        "url": "",
        "description": description,
        "buyer_name": "Préfecture du Rhône",
        "published_at": date(2019, 1, 10),
    }
    fields.update(changes)
    return NoticeItem(**fields)  # type: ignore[arg-type]


def test_communes_from_heading_and_place() -> None:
    heading = (
        "ARRÊTÉ PRÉFECTORAL portant autorisation d'installation d'un système de Vidéoprotection"
    )
    assert communes_named(f"{heading} Commune de SAINTE-MAXIME", "") == {"sainte maxime"}
    # a shop's system in a commune (a real heading of the Var's commission acts), a town hall's
    assert communes_named(f"{heading} Commune de DRAGUIGNAN (Monoprix)", "") == set()
    assert communes_named(f"{heading} Commune de LORGUES (Mairie)", "") == {"lorgues"}
    details = "Service demandeur : la gendarmerie\nLieu / périmètre : Puget-sur-Argens ; plan"
    assert communes_named("Arrêté autorisant la captation", details) == {"puget sur argens"}


def test_authorisation_linked_to_the_communes_purchase(session: Session) -> None:
    contract = factories.store(session, lyon_contract(), declared_links=False)
    act = factories.store(
        session,
        _authorisation(
            "ARRÊTÉ PRÉFECTORAL portant autorisation d'installation d'un système de "
            "Vidéoprotection Commune de LYON (voie publique, Mermoz Nord)"
        ),
        declared_links=False,
    )
    stats = link_all(session)
    assert stats.authorisations == 1
    link = session.scalars(select(models.NoticeLink)).one()
    assert (link.notice_id, link.target_notice_id) == (act.id, contract.id)
    assert link.relation == "authorisation_for" and "lyon" in link.reason
    assert contract.id in {n.id for n in story(session, act.id).notices}
    assert link_all(session).authorisations == 0  # idempotent


def test_other_commune_or_years_apart_not_linked(session: Session) -> None:
    factories.store(session, lyon_contract(), declared_links=False)
    factories.store(
        session,
        _authorisation("… système de Vidéoprotection Commune de VILLEURBANNE"),
        declared_links=False,
    )
    factories.store(
        session,
        _authorisation(
            "… système de Vidéoprotection Commune de LYON",
            source_id="69-2024-01-10-00001",
            published_at=date(2024, 1, 10),
        ),
        declared_links=False,
    )
    assert link_all(session).authorisations == 0
