"""A real BOAMP crawl over loopback HTTP into SQLite and PostgreSQL, then one fact per test."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import CrawlRun, Flag, Notice, NoticeLink, NoticeVersion, Source
from db.session import session_scope
from tests.crawling import count, crawl, demo_records, last_run
from veilleur.demo.replay import OpendatasoftEmulator, ReplayServer

UNTIL = "2024-12-31"


@pytest.fixture(scope="module")
def crawled(module_db_url: str) -> dict[str, Any]:
    """Two crawls of the same demo records (SQLite, then PostgreSQL); facts about the first
    and the second."""
    url = module_db_url
    window = ("--since", "2006-01-01", "--until", UNTIL)
    with ReplayServer(ods=OpendatasoftEmulator({"boamp": demo_records()})) as server:
        first = crawl("boamp", server, *window, database_url=url).process
        first_run = last_run(url)
        versions_after_first = count(url, NoticeVersion)
        with session_scope(url) as session:
            updated_after_first = session.scalar(select(func.max(Notice.updated_at)))
        second = crawl("boamp", server, *window, database_url=url).process
        second_run = last_run(url)
    return {
        "url": url,
        "first": first,
        "second": second,
        "first_run": first_run,
        "second_run": second_run,
        "versions_after_first": versions_after_first,
        "updated_after_first": updated_after_first,
    }


def notice(url: str, key: str) -> Notice:
    with session_scope(url) as session:
        row = session.scalars(select(Notice).where(Notice.source_key == key)).one()
        session.expunge(row)
        return row


def test_first_crawl_exits_zero(crawled: dict[str, Any]) -> None:
    assert crawled["first"].returncode == 0, crawled["first"].stderr[-3000:]


def test_every_record_is_stored_once(crawled: dict[str, Any]) -> None:
    assert count(crawled["url"], Notice) == len(demo_records())


def test_run_records_new_notices(crawled: dict[str, Any]) -> None:
    assert crawled["first_run"].items_new == len(demo_records())


def test_run_status_is_ok(crawled: dict[str, Any]) -> None:
    assert crawled["first_run"].status == "ok"


def test_watermark_moves_to_until(crawled: dict[str, Any]) -> None:
    with session_scope(crawled["url"]) as session:
        assert session.scalar(
            select(Source.watermark).where(Source.name == "boamp")
        ) == date.fromisoformat(UNTIL)


def test_second_crawl_adds_nothing(crawled: dict[str, Any]) -> None:
    assert crawled["second_run"].items_unchanged == len(demo_records())


def test_second_crawl_writes_no_version(crawled: dict[str, Any]) -> None:
    assert count(crawled["url"], NoticeVersion) == crawled["versions_after_first"]


def test_second_crawl_touches_no_notice(crawled: dict[str, Any]) -> None:
    with session_scope(crawled["url"]) as session:
        assert session.scalar(select(func.max(Notice.updated_at))) == crawled["updated_after_first"]


def test_old_schema_cpv_from_objet(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "BWP061840703432").cpv_codes == ["45000000"]


def test_old_schema_description_is_objet_complet(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "BWP061840703432").description.startswith(
        "extension et restructuration"
    )


def test_etat_annulation_is_a_cancellation(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "BWP06181000031P").kind == "cancellation"


def test_etat_rectificatif_is_a_correction(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "BWP06184060013B").kind == "correction"


def test_cancellation_links_to_initial_notice(crawled: dict[str, Any]) -> None:
    cancelled = notice(crawled["url"], "BWP06181000031P")
    with session_scope(crawled["url"]) as session:
        link = session.scalars(select(NoticeLink).where(NoticeLink.notice_id == cancelled.id)).one()
        assert (link.relation, link.target_key) == ("cancels", "06-114068")


def test_mapa_shape_cpv(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "20-102077").cpv_codes == ["33700000"]


def test_fnsimple_shape_description_holds_notice_text(crawled: dict[str, Any]) -> None:
    assert (
        "Système de vidéo protection numérique" in notice(crawled["url"], "20-100747").description
    )


def test_eforms_shape_buyer_siret(crawled: dict[str, Any]) -> None:
    # the buyer is ORG-0001 (Région Nouvelle-Aquitaine), the ContractingParty; 17870005000010 is
    # ORG-0002, the Tribunal administratif de Limoges (the review body), formerly taken for it
    assert notice(crawled["url"], "00041387-2024").buyer_siret == "20005375900011"


def test_eforms_shape_cpv(crawled: dict[str, Any]) -> None:
    assert "71000000" in notice(crawled["url"], "00041387-2024").cpv_codes


def test_eforms_prior_information_kind(crawled: dict[str, Any]) -> None:
    with session_scope(crawled["url"]) as session:
        kinds = set(session.scalars(select(Notice.kind).where(Notice.source_key.like("%-2024"))))
    assert "prior_information" in kinds


def test_corsica_code_is_insee(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "20-101779").departements == ["2A"]


def test_cctv_tender_is_flagged(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "20-100747").flagged


def test_cctv_tender_category(crawled: dict[str, Any]) -> None:
    assert "videosurveillance" in notice(crawled["url"], "20-100747").categories


def test_flags_carry_rule_field_and_snippet(crawled: dict[str, Any]) -> None:
    flagged = notice(crawled["url"], "20-100747")
    with session_scope(crawled["url"]) as session:
        flags = session.scalars(select(Flag).where(Flag.notice_id == flagged.id)).all()
        assert any(f.field == "title" and "VIDEOPROTECTION" in f.snippet.upper() for f in flags)


def test_school_works_are_not_flagged(crawled: dict[str, Any]) -> None:
    assert not notice(crawled["url"], "BWP061840703432").flagged


def test_raw_payload_is_kept(crawled: dict[str, Any]) -> None:
    assert notice(crawled["url"], "BWP061840703432").raw["idweb"] == "BWP061840703432"


def test_runs_are_two(crawled: dict[str, Any]) -> None:
    assert count(crawled["url"], CrawlRun) == 2
