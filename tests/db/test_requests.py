"""Access requests in the database: the life of a request, its list and filters, the files
received, the reminders due — on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from db.models.digest import Group
from db.models.notices import Notice
from db.received import attach_received, pending_received, received_keys, received_of
from db.request_list import RequestFilters, list_requests, state_counts
from db.request_reminders import delivered_reminders, record_reminders, reminders_due
from db.requests import (
    RequestConflict,
    RequestError,
    close_request,
    create_request,
    events_of,
    mark_referred,
    mark_sent,
    record_answer,
    record_opinion,
    reopen_request,
    update_draft,
)
from tests.factories import add_group, boamp_items, decision, store
from vocabulary.decision import Hit
from vocabulary.errors import FilterError

pytestmark = pytest.mark.pg_reuse

DOCS = [{"key": "cctp", "label": "le CCTP"}, {"key": "aipd", "label": "l'AIPD"}]


def notice(session: Session, index: int = 0, buyer: str | None = None) -> Notice:
    item = boamp_items()[index]
    if buyer:
        item = replace(item, buyer_name=buyer)
    hit = Hit("cctv", "r@1", "videosurveillance", "title", item.title[:40], 2.0)
    return store(session, item, decision(hit))


def draft(session: Session, n: Notice, group: Group | None = None, **kw: object):
    return create_request(
        session,
        n.id,
        documents=DOCS,
        recipient={"name": n.buyer_name or ""},
        group_id=group.id if group else None,
        **kw,  # type: ignore[arg-type]
    )


def sent(session: Session, n: Notice, on: date = date(2025, 1, 6), **kw: object):
    r = draft(session, n, **kw)
    return mark_sent(session, r.id, r.version, None, on)


def test_a_draft_is_recorded_with_its_documents(session: Session) -> None:
    r = draft(session, notice(session))
    assert (r.state, [d["key"] for d in r.documents], r.refusal_on) == (
        "draft",
        ["cctp", "aipd"],
        None,
    )


def test_a_request_without_documents_is_refused(session: Session) -> None:
    with pytest.raises(RequestError, match="must ask for a document"):
        create_request(session, notice(session).id, documents=[], recipient={})


def test_sending_sets_the_refusal_and_referral_dates(session: Session) -> None:
    r = sent(session, notice(session))
    assert (r.state, r.refusal_on, r.referral_until) == (
        "sent",
        date(2025, 2, 6),
        date(2025, 4, 5),
    )


def test_a_letter_without_receipt_date_is_marked_estimated(session: Session) -> None:
    r = draft(session, notice(session), mode="post")
    r = mark_sent(session, r.id, r.version, None, date(2025, 1, 6))
    assert r.receipt_estimated


def test_a_draft_edit_from_a_stale_form_is_a_conflict(session: Session) -> None:
    r = draft(session, notice(session))
    seen = r.version
    update_draft(session, r.id, seen, None, place="Lille")
    with pytest.raises(RequestConflict):
        update_draft(session, r.id, seen, None, place="Douai")


def test_a_sent_request_is_no_longer_editable(session: Session) -> None:
    r = sent(session, notice(session))
    with pytest.raises(RequestError, match="only a draft"):
        update_draft(session, r.id, r.version, None, place="Lille")


def test_referring_before_the_month_is_out_is_refused_with_the_day(session: Session) -> None:
    r = sent(session, notice(session))
    with pytest.raises(RequestError, match="from 2025-02-06"):
        mark_referred(session, r.id, r.version, None, date(2025, 2, 5))


def test_referring_after_the_prudent_limit_warns(session: Session) -> None:
    r = sent(session, notice(session))
    r, warnings = mark_referred(session, r.id, r.version, None, date(2025, 4, 6))
    assert (r.state, r.opinion_due, warnings) == (
        "referred",
        date(2025, 5, 6),
        ["request.warn.late"],
    )


def test_an_explicit_refusal_moves_the_window(session: Session) -> None:
    r = sent(session, notice(session))
    r = record_answer(session, r.id, r.version, None, date(2025, 1, 20), "refused")
    assert (r.state, r.refusal_on, r.implicit) == ("refused", date(2025, 1, 20), False)


def test_a_partial_answer_keeps_the_withheld_documents(session: Session) -> None:
    r = sent(session, notice(session))
    r = record_answer(
        session, r.id, r.version, None, date(2025, 1, 20), "partial", missing=["aipd", "x"]
    )
    assert (r.state, r.missing, r.referral_until) == ("answered", ["aipd"], date(2025, 3, 19))


def test_a_full_answer_closes_the_referral_window(session: Session) -> None:
    r = sent(session, notice(session))
    r = record_answer(session, r.id, r.version, None, date(2025, 1, 20), "full")
    assert (r.state, r.refusal_on, r.referral_until) == ("answered", None, None)


def test_an_opinion_needs_a_referral(session: Session) -> None:
    r = sent(session, notice(session))
    with pytest.raises(RequestError, match="only a referred request"):
        record_opinion(session, r.id, r.version, None, date(2025, 3, 1), "favourable")


def test_closing_and_reopening_returns_to_the_state_it_was_in(session: Session) -> None:
    r = sent(session, notice(session))
    r = close_request(session, r.id, r.version, None, date(2025, 3, 1), "abandon")
    r = reopen_request(session, r.id, r.version, None)
    assert r.state == "sent"


def test_every_change_is_in_the_trail(session: Session) -> None:
    r = sent(session, notice(session))
    r, _ = mark_referred(session, r.id, r.version, None, date(2025, 2, 10))
    assert [e.action for e in events_of(session, r.id)] == ["created", "sent", "referred"]


# -- the list -------------------------------------------------------------------------------


def test_silence_past_the_month_lists_as_refused(session: Session) -> None:
    r = sent(session, notice(session))
    rows = list_requests(session, RequestFilters(state="refused"), date(2025, 2, 6))
    assert [(x.id, x.state, x.effective_state) for x in rows] == [(r.id, "sent", "refused")]


def test_the_day_before_it_is_still_sent(session: Session) -> None:
    sent(session, notice(session))
    assert list_requests(session, RequestFilters(state="refused"), date(2025, 2, 5)) == []


def test_group_filter_keeps_the_groups_requests(session: Session) -> None:
    lille = add_group(session, "lille", ["a@example.org"])
    n = notice(session)
    mine = draft(session, n, lille)
    draft(session, n)
    rows = list_requests(session, RequestFilters(group="lille"), date(2025, 1, 1))
    assert [r.id for r in rows] == [mine.id]


def test_buyer_filter_ignores_accents_and_case(session: Session) -> None:
    r = draft(session, notice(session, buyer="Ville de Chenôve"))
    draft(session, notice(session, 1, buyer="Commune de Biaudos"))
    rows = list_requests(session, RequestFilters(buyer="CHENOVE"), date(2025, 1, 1))
    assert [x.id for x in rows] == [r.id]


def test_age_filter_counts_from_the_sending_day(session: Session) -> None:
    old = sent(session, notice(session), date(2024, 10, 1))
    sent(session, notice(session, 1), date(2025, 1, 2))
    rows = list_requests(session, RequestFilters(older_than=60), date(2025, 1, 10))
    assert [r.id for r in rows] == [old.id]


def test_actionable_lists_refusals_not_referred(session: Session) -> None:
    waiting = sent(session, notice(session), date(2025, 1, 6))
    sent(session, notice(session, 1), date(2025, 2, 1))
    rows = list_requests(session, RequestFilters(state="actionable"), date(2025, 2, 10))
    assert [r.id for r in rows] == [waiting.id]


def test_state_counts_use_the_effective_state(session: Session) -> None:
    sent(session, notice(session), date(2025, 1, 6))
    draft(session, notice(session, 1))
    counts = state_counts(session, date(2025, 2, 10))
    assert (counts["refused"], counts["sent"], counts["draft"], counts["actionable"]) == (
        1,
        0,
        1,
        1,
    )


def test_a_bad_filter_is_one_line() -> None:
    with pytest.raises(FilterError, match="unknown state 'lost'"):
        RequestFilters.from_args({"state": "lost"})


# -- received files and reminders ---------------------------------------------------------


def test_a_received_file_is_pending_until_read(session: Session) -> None:
    r = sent(session, notice(session))
    attach_received(
        session,
        r.id,
        sha256="c" * 64,
        filename="cctp.pdf",
        storage_path="cc/x",
        size_bytes=10,
        received_on=date(2025, 1, 30),
    )
    assert [(x.filename, x.status) for x in pending_received(session)] == [("cctp.pdf", "pending")]


def test_the_same_file_attached_twice_is_one_document(session: Session) -> None:
    r = sent(session, notice(session))
    for _ in range(2):
        attach_received(
            session,
            r.id,
            sha256="c" * 64,
            filename="cctp.pdf",
            storage_path="cc/x",
            size_bytes=10,
            received_on=None,
        )
    assert len(received_of(session, r.id)) == 1


def test_a_draft_receives_nothing(session: Session) -> None:
    r = draft(session, notice(session))
    with pytest.raises(RequestError, match="draft request receives nothing"):
        attach_received(
            session,
            r.id,
            sha256="c" * 64,
            filename="a.pdf",
            storage_path="x",
            size_bytes=1,
            received_on=None,
        )


def test_notices_with_received_files_are_known_to_the_crawler(session: Session) -> None:
    n = notice(session)
    r = sent(session, n)
    attach_received(
        session,
        r.id,
        sha256="c" * 64,
        filename="a.pdf",
        storage_path="x",
        size_bytes=1,
        received_on=None,
    )
    assert received_keys(session) == {(n.source, n.source_key)}


def test_reminders_due_after_the_refusal(session: Session) -> None:
    r = sent(session, notice(session), date(2025, 1, 6))
    due = reminders_due(session, date(2025, 3, 25))
    assert [(d.request_id, d.key) for d in due] == [
        (r.id, "refusal:2025-02-06"),
        (r.id, "closing:2025-04-05"),
    ]


def test_no_reminder_before_the_refusal(session: Session) -> None:
    sent(session, notice(session), date(2025, 1, 6))
    assert reminders_due(session, date(2025, 2, 5)) == []


def test_a_recorded_reminder_is_recorded_once(session: Session) -> None:
    group = add_group(session, "lille", ["a@example.org"])
    r = sent(session, notice(session))
    now = datetime(2025, 3, 1, tzinfo=UTC)
    for _ in range(2):
        record_reminders(session, group.id, "a@example.org", [(r.id, "refusal:2025-02-06")], now)
    assert delivered_reminders(session, group.id) == {
        "a@example.org": {(r.id, "refusal:2025-02-06")}
    }
