"""Linking one crawl's window (``link_all(since=…)``): the window's notices find what they
concern among notices published before it, which are read by key, not all at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import models
from db.linking import link_all, linker
from tests import factories
from tests.factories import boamp_ted_twins as twins
from tests.factories import lyon_contract as _lyon
from tests.factories import lyon_deliberation
from tests.factories import lyon_tender as _tender
from tests.factories import ted_item as ted
from vocabulary.items import NoticeItem


def store(session: Session, item: NoticeItem) -> models.Notice:
    return factories.store(session, item, declared_links=False)


def edges(session: Session) -> list[tuple[int, int | None, str]]:
    return [
        (link.notice_id, link.target_notice_id, link.relation)
        for link in session.scalars(select(models.NoticeLink))
    ]


def test_a_correction_in_the_window_points_at_the_notice_it_corrects(session: Session) -> None:
    correction = ted("r2.0.9__form_number_F14__100541-2021.xml")
    corrected = replace(
        ted("r2.0.9__form_number_F05__334815-2021.xml"),
        source_id="86481-2021",
        published_at=correction.published_at - timedelta(days=90),
    )
    target, notice = store(session, corrected), store(session, correction)
    link_all(session, since=correction.published_at)
    assert (notice.id, target.id) in {(n, t) for n, t, _ in edges(session)}


def test_a_contract_in_the_window_finds_its_earlier_tender(session: Session) -> None:
    contract = _lyon()
    tender = store(session, _tender(published_at=contract.published_at - timedelta(days=60)))
    stored = store(session, contract)
    link_all(session, since=contract.published_at)
    assert edges(session) == [(stored.id, tender.id, "contract_of")]


def test_a_deliberation_in_the_window_finds_the_earlier_purchase(session: Session) -> None:
    contract = store(session, _lyon())
    delib = store(session, lyon_deliberation())
    link_all(session, since=delib.published_at)
    assert edges(session) == [(delib.id, contract.id, "deliberation_of")]


def _boamp_quoting_an_earlier_ted(session: Session) -> tuple[models.Notice, models.Notice]:
    """The real twins, the BOAMP notice quoting its TED twin's OJS number (as BOAMP notices
    of an EU-wide procedure do), the TED notice published a month before the window."""
    boamp, ted_notice = twins()
    number, year = ted_notice.source_id.split("-")
    quoting = replace(boamp, extra_text=f"Avis publié au JOUE {year}/S 150-{number}")
    earlier = replace(ted_notice, published_at=boamp.published_at - timedelta(days=30))
    return store(session, quoting), store(session, earlier)


def test_a_ted_notice_before_the_window_is_twinned_with_the_boamp_notice_quoting_it(
    session: Session,
) -> None:
    boamp, ted_notice = _boamp_quoting_an_earlier_ted(session)
    link_all(session, since=boamp.published_at)
    assert edges(session) == [(ted_notice.id, boamp.id, "twin")]


def test_linking_the_window_again_adds_nothing_to_a_notice_before_it(session: Session) -> None:
    boamp, _ = _boamp_quoting_an_earlier_ted(session)
    link_all(session, since=boamp.published_at)
    assert link_all(session, since=boamp.published_at).total == 0


def _twin_pairs(session: Session, count: int, days_apart: int) -> list[tuple[int, int, str]]:
    """``count`` copies of the real twins, each pair ``days_apart`` after the last and in a
    département of its own (so each TED copy has one BOAMP match), the BOAMP copy published
    as many days before its TED copy as the real one was, or, every other pair, after it;
    the expected edges."""
    boamp, ted_notice = twins()
    gap = ted_notice.published_at - boamp.published_at
    expected = []
    for i in range(count):
        ted_day = ted_notice.published_at + timedelta(days=days_apart * i)
        where = [f"{i + 1:02d}"]
        copy_b = replace(boamp, source_id=f"20-{100200 + i}", departements=where)
        copy_t = replace(ted_notice, source_id=f"{378700 + i}-2020", departements=where)
        boamp_day = ted_day + gap if i % 2 else ted_day - gap
        stored_b = store(session, replace(copy_b, published_at=boamp_day))
        stored_t = store(session, replace(copy_t, published_at=ted_day))
        expected.append((stored_t.id, stored_b.id, "twin"))
    return expected


def test_twins_weeks_apart_each_find_their_own(session: Session) -> None:
    # TED notices are twinned a week at a time: some of these BOAMP twins lie in the week
    # before their TED notice's, some in the week after
    expected = _twin_pairs(session, count=6, days_apart=9)
    link_all(session)
    assert sorted(edges(session)) == sorted(expected)


def test_boamp_notices_quoting_ted_are_all_read_a_chunk_at_a_time(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linker, "_TEXT_CHUNK", 2)
    boamp, ted_notice = twins()
    number, year = ted_notice.source_id.split("-")
    quoting = replace(boamp, extra_text=f"Avis publié au JOUE {year}/S 150-{number}")
    stored_ted = store(session, replace(ted_notice, departements=["01"]))
    copies = [
        store(session, replace(quoting, source_id=f"20-{100300 + i}", departements=["02"]))
        for i in range(5)
    ]
    link_all(session)
    assert sorted(edges(session)) == sorted((stored_ted.id, c.id, "twin") for c in copies)
