"""The subcommands of ``veilleur`` (one module per area), and what they share."""

from __future__ import annotations

import click

__all__ = ["schema_for_writing"]


def schema_for_writing(database_url: str | None) -> None:
    """A command that writes brings the schema up to date first, and says so when it did (a
    read-only command on a database without schema says to run ``veilleur db upgrade``)."""
    from db.migrate import upgrade_if_behind

    def say(line: str) -> None:
        click.echo(f"veilleur: {line}", err=True)

    note = upgrade_if_behind(database_url, starting=say)
    if note:
        say(note)
