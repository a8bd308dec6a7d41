"""``veilleur requests``, continued: read waiting files, the referral to the CADA, its opinion,
closing and reopening."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from veilleur.commands.request import in_session
from veilleur.commands.requests_common import DB, SEEN, day, report
from vocabulary.requests import CADA_OPINIONS

__all__ = ["close", "opinion", "process", "referred", "reopen"]


@click.command()
@DB
@click.option(
    "--documents-dir", envvar="VEILLEUR_DOCUMENTS_DIR", default="var/documents", show_default=True
)
def process(database_url: str | None, documents_dir: str) -> None:
    """Read received files still waiting (the nightly job does it too).

    \b
    Example:
      veilleur requests process
    """
    from veilleur.commands import schema_for_writing
    from veilleur.requests import read_received

    schema_for_writing(database_url)
    outcomes = read_received(database_url, documents_dir)
    for o in outcomes:
        click.echo(f"request {o.request_id} {o.filename}: {o.status}, {o.pages} pages")
    click.echo(f"read={len(outcomes)}")


@click.command()
@click.argument("request_id", type=int)
@click.option("--on", "on", required=True, help="The day the referral was sent to the CADA.")
@SEEN
@DB
def referred(request_id: int, on: str, seen: int | None, database_url: str | None) -> None:
    """Record the referral to the CADA (from the refusal day on; warns when late).

    \b
    Example:
      veilleur requests referred 12 --on 2025-04-10
    """
    from db.requests import mark_referred

    def run(s: Session) -> None:
        r, warnings = mark_referred(s, request_id, seen, None, day(on))
        report(r, warnings)
        click.echo(f"  the CADA's opinion is due by {r.opinion_due}")

    in_session(database_url, run)


@click.command()
@click.argument("request_id", type=int)
@click.option("--on", "on", required=True)
@click.option("--opinion", type=click.Choice(CADA_OPINIONS), required=True)
@click.option("--note", default="")
@SEEN
@DB
def opinion(
    request_id: int, on: str, opinion: str, note: str, seen: int | None, database_url: str | None
) -> None:
    """Record the CADA's opinion.

    \b
    Example:
      veilleur requests opinion 12 --on 2025-05-02 --opinion favourable
    """
    from db.requests import record_opinion

    in_session(
        database_url,
        lambda s: report(record_opinion(s, request_id, seen, None, day(on), opinion, note=note)),
    )


@click.command()
@click.argument("request_id", type=int)
@click.option("--on", "on", help="Default: today.")
@click.option("--reason", default="")
@SEEN
@DB
def close(
    request_id: int, on: str | None, reason: str, seen: int | None, database_url: str | None
) -> None:
    """Close a request (documents obtained, given up, gone to court …).

    \b
    Example:
      veilleur requests close 12 --reason "documents reçus"
    """
    from db.requests import close_request

    in_session(
        database_url,
        lambda s: report(close_request(s, request_id, seen, None, day(on), reason)),
    )


@click.command()
@click.argument("request_id", type=int)
@SEEN
@DB
def reopen(request_id: int, seen: int | None, database_url: str | None) -> None:
    """Reopen a closed request in the state it was closed from.

    \b
    Example:
      veilleur requests reopen 12
    """
    from db.requests import reopen_request

    in_session(database_url, lambda s: report(reopen_request(s, request_id, seen, None)))
