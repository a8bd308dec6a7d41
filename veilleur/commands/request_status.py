"""The access-request part of ``veilleur status``: requests per state and those needing a
person now (a refusal to refer to the CADA, a referral window closing, an opinion overdue)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

__all__ = ["print_requests", "requests_status"]


def requests_status(session: Session) -> dict[str, Any]:
    from db.request_list import RequestFilters, list_requests, state_counts
    from vocabulary.deadlines import today_in_paris

    today = today_in_paris()
    actionable = list_requests(session, RequestFilters(state="actionable"), today, limit=50)
    return {
        "today": today,
        "counts": state_counts(session, today),
        "actionable": [asdict(r) for r in actionable],
    }


def print_requests(status: dict[str, Any]) -> None:
    counts = status["counts"]
    if not any(counts.values()):
        return
    parts = ", ".join(f"{state} {n}" for state, n in counts.items() if n and state != "actionable")
    Console().print(f"Access requests: {parts}; needing action: {counts.get('actionable', 0)}")
    if not status["actionable"]:
        return
    table = Table(title="Access requests needing action (veilleur requests show ID)")
    for name in ("id", "state", "refused on", "refer by", "opinion due", "buyer", "notice"):
        table.add_column(name, overflow="fold")
    for r in status["actionable"]:
        table.add_row(
            str(r["id"]),
            r["effective_state"],
            str(r["refusal_on"] or ""),
            str(r["referral_until"] or ""),
            str(r["opinion_due"] or ""),
            r["buyer"][:40],
            r["notice_title"][:60],
        )
    Console().print(table)
