"""Deadline arithmetic of access requests: calendar days, Europe/Paris, month ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vocabulary.deadlines import (
    add_months,
    compute,
    confirmation_day,
    opinion_due,
    referral_limit,
    refusal_day,
    today_in_paris,
)


@pytest.mark.parametrize(
    ("receipt", "refusal"),
    [
        # the worked example of a lawyer's Q&A: received 11 January, refusal born 11 February
        (date(2024, 1, 11), date(2024, 2, 11)),
        (date(2024, 4, 23), date(2024, 5, 23)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2024, 2, 29), date(2024, 3, 29)),
        # no 31 February: the administration keeps the whole last day of February
        (date(2025, 1, 31), date(2025, 3, 1)),
        (date(2024, 1, 31), date(2024, 3, 1)),
        # no 31 April
        (date(2025, 3, 31), date(2025, 5, 1)),
    ],
)
def test_refusal_arises_a_month_after_receipt(receipt: date, refusal: date) -> None:
    assert refusal_day(receipt) == refusal


def test_refusal_is_not_moved_off_a_saturday() -> None:
    assert refusal_day(date(2025, 2, 1)) == date(2025, 3, 1)  # a Saturday


@pytest.mark.parametrize(
    ("refusal", "limit"),
    [
        (date(2024, 2, 11), date(2024, 4, 10)),
        (date(2024, 5, 23), date(2024, 7, 22)),
        (date(2025, 3, 1), date(2025, 4, 30)),
        (date(2026, 1, 15), date(2026, 3, 14)),
        # 31 December + 2 months clips to 28 February; the prudent day is the 27th
        (date(2025, 12, 31), date(2026, 2, 27)),
    ],
)
def test_prudent_referral_limit_is_the_day_before_two_months(refusal: date, limit: date) -> None:
    assert referral_limit(refusal) == limit


def test_add_months_clips_to_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_add_months_crosses_the_year() -> None:
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_cada_opinion_is_due_a_month_after_the_referral() -> None:
    assert opinion_due(date(2025, 4, 2)) == date(2025, 5, 2)


def test_silence_after_referral_confirms_two_months_later() -> None:
    assert confirmation_day(date(2025, 4, 2)) == date(2025, 6, 2)


def test_today_is_the_paris_date_not_the_utc_one() -> None:
    # 23:30 UTC on 31 March 2024 is 01:30 on 1 April in Paris (summer time began that night)
    assert today_in_paris(datetime(2024, 3, 31, 23, 30, tzinfo=UTC)) == date(2024, 4, 1)


def test_today_in_winter_is_one_hour_ahead() -> None:
    assert today_in_paris(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == date(2025, 1, 1)


def test_today_before_midnight_paris_stays_the_same_day() -> None:
    assert today_in_paris(datetime(2024, 6, 30, 21, 59, tzinfo=UTC)) == date(2024, 6, 30)


def test_an_email_is_received_the_day_it_is_sent() -> None:
    d = compute(sent_on=date(2025, 3, 3), mode="email")
    assert (d.receipt, d.receipt_estimated, d.refusal_on) == (
        date(2025, 3, 3),
        False,
        date(2025, 4, 3),
    )


def test_a_letter_without_acknowledgment_is_an_estimate() -> None:
    assert compute(sent_on=date(2025, 3, 3), mode="post").receipt_estimated


def test_the_acknowledgment_date_moves_the_refusal() -> None:
    d = compute(sent_on=date(2025, 3, 3), mode="post", received_on=date(2025, 3, 6))
    assert (d.receipt_estimated, d.refusal_on, d.referral_until) == (
        False,
        date(2025, 4, 6),
        date(2025, 6, 5),
    )


def test_an_explicit_refusal_opens_the_window_on_its_day() -> None:
    d = compute(sent_on=date(2025, 3, 3), answered_on=date(2025, 3, 20), outcome="refused")
    assert (d.refusal_on, d.implicit, d.referral_until) == (
        date(2025, 3, 20),
        False,
        date(2025, 5, 19),
    )


def test_a_late_answer_does_not_delay_the_window() -> None:
    d = compute(sent_on=date(2025, 3, 3), answered_on=date(2025, 4, 20), outcome="partial")
    assert (d.refusal_on, d.implicit) == (date(2025, 4, 3), True)


def test_a_full_answer_leaves_nothing_to_refer() -> None:
    d = compute(sent_on=date(2025, 3, 3), answered_on=date(2025, 3, 20), outcome="full")
    assert (d.refusal_on, d.referral_until) == (None, None)


def test_a_draft_has_no_deadline() -> None:
    assert compute(sent_on=None).refusal_on is None


def test_a_referral_sets_the_opinion_date() -> None:
    d = compute(sent_on=date(2025, 1, 10), referred_on=date(2025, 2, 20))
    assert (d.opinion_due, d.confirmed_on) == (date(2025, 3, 20), date(2025, 4, 20))
