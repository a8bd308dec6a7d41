"""One story per purchase: links between real notices, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models
from db.linking import link_all, story
from tests import factories
from tests.factories import boamp_ted_twins as twins
from tests.factories import lyon_contract as _lyon
from tests.factories import lyon_deliberation
from tests.factories import lyon_tender as _synthetic_tender
from tests.factories import ted_item as ted
from vocabulary.items import NoticeItem


def store(session: Session, item: NoticeItem) -> models.Notice:
    """Store one item without the links it declares: the linker finds them."""
    return factories.store(session, item, declared_links=False)


def links(session: Session) -> list[models.NoticeLink]:
    return list(session.scalars(select(models.NoticeLink)))


def test_award_points_at_its_contract_notice(session: Session) -> None:
    award = store(session, ted("r2.0.9__form_number_F03__148511-2021.xml"))
    link_all(session)
    assert [(link.notice_id, link.target_key, link.relation) for link in links(session)] == [
        (award.id, "470724-2020", "awards")
    ]


def test_link_to_a_notice_not_yet_stored_is_kept_and_resolved_later(session: Session) -> None:
    store(session, ted("r2.0.9__form_number_F14__100541-2021.xml"))
    link_all(session)
    target = store(
        session, replace(ted("r2.0.9__form_number_F05__334815-2021.xml"), source_id="86481-2021")
    )
    link_all(session)
    assert [link.target_notice_id for link in links(session)] == [target.id]


def test_linking_twice_adds_nothing(session: Session) -> None:
    store(session, ted("r2.0.9__form_number_F03__148511-2021.xml"))
    link_all(session)
    assert link_all(session).total == 0


def test_ted_quoting_a_boamp_id_is_its_twin(session: Session) -> None:
    store(session, ted("r2.0.9__eforms_subtype_29__273048-2016.xml"))
    link_all(session)
    assert [(link.target_source, link.target_key, link.relation) for link in links(session)] == [
        ("boamp", "15-189584", "twin")
    ]


def test_boamp_and_ted_twin_recognised_by_buyer_title_and_date(session: Session) -> None:
    boamp, ted_notice = (store(session, item) for item in twins())
    link_all(session)
    twin = [link for link in links(session) if link.relation == "twin"]
    assert [(t.notice_id, t.target_notice_id) for t in twin] == [(ted_notice.id, boamp.id)]


def test_twin_link_says_why(session: Session) -> None:
    for item in twins():
        store(session, item)
    link_all(session)
    assert "3 days apart" in links(session)[0].reason


def test_decp_contract_linked_to_its_tender(session: Session) -> None:
    tender = store(session, _synthetic_tender())
    contract = store(session, _lyon())
    link_all(session)
    assert [(link.notice_id, link.target_notice_id, link.relation) for link in links(session)] == [
        (contract.id, tender.id, "contract_of")
    ]


def test_contract_link_reason_names_the_evidence(session: Session) -> None:
    store(session, _synthetic_tender())
    store(session, _lyon())
    link_all(session)
    assert "buyer SIREN 216901231" in links(session)[0].reason


def test_contract_not_linked_to_another_purchase_of_the_same_buyer(session: Session) -> None:
    store(
        session,
        _synthetic_tender(
            title="Fourniture de denrées alimentaires pour les cantines", cpv_codes=["15800000"]
        ),
    )
    store(session, _lyon())
    link_all(session)
    assert links(session) == []


def test_contract_published_long_before_the_tender_not_linked(session: Session) -> None:
    store(session, _synthetic_tender(published_at=date(2020, 6, 1)))
    store(session, _lyon())
    link_all(session)
    assert links(session) == []


def test_deliberation_linked_to_the_purchase_it_approves(session: Session) -> None:
    contract = store(session, _lyon())
    delib = store(session, lyon_deliberation())
    link_all(session)
    assert [(link.notice_id, link.target_notice_id, link.relation) for link in links(session)] == [
        (delib.id, contract.id, "deliberation_of")
    ]


def test_story_walks_links_both_ways(session: Session) -> None:
    tender = store(session, _synthetic_tender())
    contract = store(session, _lyon())
    link_all(session)
    notices, edges = story(session, tender.id)
    assert [n.id for n in notices] == [tender.id, contract.id] and len(edges) == 1
