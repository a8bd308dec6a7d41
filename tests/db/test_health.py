"""Source health: zero items and fields emptied by a layout change, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session

from db.health import evaluate_run, failing_sources, field_fill
from db.models import CrawlRun
from db.runs import ensure_source, finish_run, start_run
from db.store import upsert_notices
from tests.factories import decp_contracts
from vocabulary.items import NoticeItem

pytestmark = pytest.mark.pg_reuse


def _contracts() -> list[NoticeItem]:
    return decp_contracts()[:32]


def _run(session: Session, items: list[NoticeItem]) -> CrawlRun:
    source = ensure_source(session, "decp", kind="dataset")
    run = start_run(session, source, {})
    upsert_notices(session, [(item, None) for item in items])
    finish_run(
        session,
        run.id,
        status="ok" if items else "failing",
        seen=len(items),
        new=len(items),
        changed=0,
        unchanged=0,
        message=None,
    )
    session.flush()
    session.refresh(run)
    return run


def _history(session: Session) -> list[NoticeItem]:
    items = _contracts()
    for chunk in (items[0:8], items[8:16], items[16:24]):
        evaluate_run(session, _run(session, chunk).id)
    return items


def test_fill_rates_count_the_notices_the_run_wrote(session: Session) -> None:
    total, fill = field_fill(session, _run(session, _contracts()[:8]))
    assert (total, fill["buyer_name"]) == (8, 1.0)


def test_healthy_runs_raise_nothing(session: Session) -> None:
    items = _history(session)
    assert evaluate_run(session, _run(session, items[24:32]).id) == []


def test_field_emptied_by_a_layout_change_is_failing(session: Session) -> None:
    items = _history(session)
    emptied = [dataclasses.replace(i, buyer_name=None) for i in items[24:32]]
    issues = evaluate_run(session, _run(session, emptied).id)
    assert [(i.kind, i.field) for i in issues] == [("field_emptied", "buyer_name")]


def test_emptied_field_marks_the_run_failing(session: Session) -> None:
    items = _history(session)
    run = _run(session, [dataclasses.replace(i, buyer_name=None) for i in items[24:32]])
    evaluate_run(session, run.id)
    assert session.get(CrawlRun, run.id).status == "failing"


def test_zero_items_after_items_is_failing(session: Session) -> None:
    _history(session)
    issues = evaluate_run(session, _run(session, []).id)
    assert [i.kind for i in issues] == ["zero_items"]


def test_failing_sources_lists_the_source(session: Session) -> None:
    _history(session)
    evaluate_run(session, _run(session, []).id)
    assert failing_sources(session) == ["decp"]


def test_an_empty_text_counts_as_not_filled(session: Session) -> None:
    items = [dataclasses.replace(i, buyer_name="") for i in _contracts()[:8]]
    total, fill = field_fill(session, _run(session, items))
    assert (total, fill["buyer_name"], fill["title"]) == (8, 0.0, 1.0)


def test_an_empty_list_counts_as_not_filled(session: Session) -> None:
    items = _contracts()[:8]
    items = [
        dataclasses.replace(i, cpv_codes=[], departements=[], estimated_value=None)
        if n % 2
        else dataclasses.replace(i, cpv_codes=["32323500"], departements=["13"])
        for n, i in enumerate(items)
    ]
    total, fill = field_fill(session, _run(session, items))
    assert (total, fill["cpv_codes"], fill["departements"]) == (8, 0.5, 0.5)
    assert fill["estimated_value"] == sum(i.estimated_value is not None for i in items) / 8
