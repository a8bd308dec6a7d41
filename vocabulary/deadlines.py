"""Deadlines of an access request, counted in civil days in Europe/Paris.

The rules (sources in ``docs/requests.md``):

* the administration has **one month from receipt** to answer; its silence then is a refusal
  (CRPA R*311-12, R311-13). The month runs "de quantième à quantième" from the day of receipt,
  is not extended past a weekend or a holiday, and the refusal arises on the same day number a
  month later. When that day does not exist (31 January → "31 February") the administration
  keeps the whole last day of the month and the refusal arises on the next day: a referral made
  too early is inadmissible, so the ambiguous end of month is resolved late;
* from the refusal (implicit, or explicit: the day the answer arrived) the requester has **two
  months to refer to the CADA** (R343-1). Whether that delay is extended past a weekend or a
  holiday was not established, so the last day shown is the *prudent* one, the day before the
  same day number two months later — valid whatever the rule;
* the CADA gives its opinion within **one month** of registering the referral (R343-3), and two
  months of silence after it confirm the refusal (R*343-4).

Receipt: the day the administration received the request — for an e-mail or an online form the
day it was sent; for a letter the date on the acknowledgment, else the sending day, marked as an
estimate (the refusal may then arise a few days later than shown).

Pure functions of dates: no clock is read except in :func:`today_in_paris`, which takes ``now``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "PARIS",
    "Deadlines",
    "add_months",
    "compute",
    "confirmation_day",
    "opinion_due",
    "referral_limit",
    "refusal_day",
    "today_in_paris",
]

PARIS = ZoneInfo("Europe/Paris")


def today_in_paris(now: datetime | None = None) -> date:
    """The civil date in Paris at ``now`` (an aware datetime; naive means UTC)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(PARIS).date()


def _shift(day: date, months: int) -> tuple[date, bool]:
    """``day`` plus ``months`` months, and whether the day number had to be clipped."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last)), day.day > last


def add_months(day: date, months: int) -> date:
    """Same day number ``months`` later, clipped to the end of a shorter month."""
    return _shift(day, months)[0]


def refusal_day(receipt: date) -> date:
    """The day the implicit refusal arises for a request received on ``receipt``."""
    shifted, clipped = _shift(receipt, 1)
    return shifted + timedelta(days=1) if clipped else shifted


def referral_limit(refusal: date) -> date:
    """The prudent last day to refer a refusal of ``refusal`` to the CADA."""
    return add_months(refusal, 2) - timedelta(days=1)


def opinion_due(referred: date) -> date:
    """When the CADA's opinion is due for a referral sent on ``referred``."""
    return add_months(referred, 1)


def confirmation_day(referred: date) -> date:
    """When the administration's silence after the referral confirms its refusal."""
    return add_months(referred, 2)


@dataclass(frozen=True)
class Deadlines:
    """The dates that follow from what was recorded about one request."""

    receipt: date | None = None
    #: True when the receipt date is the sending day of a letter (no acknowledgment recorded)
    receipt_estimated: bool = False
    #: the refusal (implicit or explicit) that opens the referral window
    refusal_on: date | None = None
    implicit: bool = False
    #: the prudent last day to refer to the CADA
    referral_until: date | None = None
    opinion_due: date | None = None
    confirmed_on: date | None = None


def compute(
    *,
    sent_on: date | None,
    mode: str = "email",
    received_on: date | None = None,
    answered_on: date | None = None,
    outcome: str | None = None,
    referred_on: date | None = None,
) -> Deadlines:
    """The deadlines of a request from what a person recorded (dates are civil Paris dates)."""
    if sent_on is None:
        return Deadlines()
    receipt = received_on or sent_on
    estimated = received_on is None and mode == "post"
    refusal: date | None = None
    implicit = False
    if outcome != "full":
        # an answer that came after the silence had already become a refusal does not move
        # the window's start later: the earliest refusal counts
        refusal, implicit = refusal_day(receipt), True
        explicit = outcome in ("refused", "partial") and answered_on is not None
        if explicit and answered_on is not None and answered_on < refusal:
            refusal, implicit = answered_on, False
    return Deadlines(
        receipt=receipt,
        receipt_estimated=estimated,
        refusal_on=refusal,
        implicit=implicit,
        referral_until=referral_limit(refusal) if refusal else None,
        opinion_due=opinion_due(referred_on) if referred_on else None,
        confirmed_on=confirmation_day(referred_on) if referred_on else None,
    )
