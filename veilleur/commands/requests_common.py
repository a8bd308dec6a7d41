"""Options and helpers shared by the ``veilleur requests`` subcommands."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from veilleur.commands.request import parse_day, today

__all__ = ["DB", "SEEN", "day", "report"]

DB = click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
SEEN = click.option("--version", "seen", type=int, help="Fail if the request changed since.")


def day(value: str | None) -> date:
    return parse_day(value) or today()


def report(request: Any, warnings: list[str] | None = None) -> None:
    click.echo(f"request {request.id}: {request.state} (version {request.version})")
    if request.refusal_on and request.state in ("sent", "refused", "answered"):
        click.echo(
            f"  refusal on {request.refusal_on}; refer to the CADA by {request.referral_until}"
        )
    if request.receipt_estimated:
        click.echo("  receipt date estimated: record the acknowledgment with --received-on")
    for w in warnings or ():
        if w == "request.warn.late":
            click.echo("  warning: past the prudent limit (the delay may not be opposable)")
