"""``veilleur request NOTICE_ID``: draft an access request (CADA) and write its letter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from vocabulary.requests import SEND_MODES

__all__ = ["ALL_FORMATS", "one_line", "parse_day", "request", "today", "write_letters"]

T = TypeVar("T")
ALL_FORMATS = ("txt", "odt", "docx")


def today() -> date:
    from vocabulary.deadlines import today_in_paris

    return today_in_paris()


def parse_day(value: str | None) -> date | None:
    """``2025-03-03`` or ``03/03/2025``; a bad value is a one-line error."""
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


@contextmanager
def one_line() -> Iterator[None]:
    """Our own errors (bad state, unknown id, bad filter) become one line, exit code 1."""
    from vocabulary.errors import VeilleurError

    try:
        yield
    except VeilleurError as exc:
        raise click.ClickException(str(exc)) from exc


def in_session(database_url: str | None, fn: Callable[[Session], T]) -> T:
    from db.session import session_scope
    from veilleur.commands import schema_for_writing

    schema_for_writing(database_url)
    with one_line(), session_scope(database_url) as session:
        return fn(session)


def write_letters(
    session: Session, request_id: int, kind: str, formats: tuple[str, ...], out: Path
) -> list[Path]:
    from review.request_flow import letter_file

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats or ALL_FORMATS:
        found = letter_file(session, request_id, kind, fmt, today())
        path = out / found.name
        path.write_bytes(found.body)
        written.append(path)
    return written


def _signer(
    name: str | None,
    address: str | None,
    email: str | None,
    organisation: str | None,
    legal_form: str | None,
) -> dict[str, str] | None:
    if not any((name, address, email, organisation)):
        return None
    lines = (address or "").replace("|", "\n")
    if organisation:
        return {
            "kind": "organisation",
            "name": organisation,
            "legal_form": legal_form or "",
            "representative": name or "",
            "address": lines,
            "email": email or "",
        }
    return {"kind": "person", "name": name or "", "address": lines, "email": email or ""}


@click.command()
@click.argument("notice_id", type=int)
@click.option("--group", help="The local group the request is made for (its digest reminds).")
@click.option("--mode", type=click.Choice(SEND_MODES), default="email", show_default=True)
@click.option(
    "--document",
    "documents",
    multiple=True,
    help="A catalogue key (repeat); replaces the defaults.",
)
@click.option("--list-documents", is_flag=True, help="Show the documents offered, draft nothing.")
@click.option("--signer", help="Who signs (a person, or an organisation's representative).")
@click.option("--address", help="The signer's address; separate lines with '|'.")
@click.option("--email", help="Where the documents should be sent.")
@click.option("--organisation", help="Sign for this organisation (name).")
@click.option("--legal-form", help="The organisation's legal form (e.g. association loi 1901).")
@click.option("--place", default="", help="Where the letter is written (its place and date line).")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("var/letters")
)
@click.option("--format", "formats", multiple=True, type=click.Choice(ALL_FORMATS))
@click.option("--print", "show", is_flag=True, help="Also print the letter's text.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def request(
    notice_id: int,
    group: str | None,
    mode: str,
    documents: tuple[str, ...],
    list_documents: bool,
    signer: str | None,
    address: str | None,
    email: str | None,
    organisation: str | None,
    legal_form: str | None,
    place: str,
    out: Path,
    formats: tuple[str, ...],
    show: bool,
    database_url: str | None,
) -> None:
    """Draft an access request (CADA) for a notice, as letters to edit and send.

    Draft an access request (CADA) for a notice: the documents to ask for (by the notice's
    kind and flagged categories), the buyer as the notice gives it, the letter in French as
    .txt, .odt and .docx to edit and send. Then record its sending with `veilleur requests sent`.

    \b
    Examples:
      veilleur request 42 --list-documents
      veilleur request 42 --group lille --signer "Camille Martin" \\
          --address "12 rue des Lilas|62170 Montreuil" --email c@example.org --place Montreuil
      veilleur request 42 --document cctp --document aipd --format odt --print
    """
    from sqlalchemy import select

    from db.models.digest import Group
    from db.models.notices import Notice
    from letters.catalogue import offered
    from review.request_flow import draft_request
    from vocabulary.errors import FilterError

    def run(s: Session) -> Any:
        notice = s.get(Notice, notice_id)
        if notice is None:
            raise FilterError(f"no notice {notice_id}")
        if list_documents:
            for e in offered(notice.kind, [str(c) for c in notice.categories or ()]):
                mark = "x" if e.default else " "
                click.echo(f"[{mark}] {e.key:24} {e.label}\n    {e.why}")
            return None
        group_id = None
        if group:
            found = s.scalar(select(Group).where(Group.name == group))
            if found is None:
                raise FilterError(f"no group {group!r} (see `veilleur groups list`)")
            group_id = found.id
        req = draft_request(
            s,
            notice_id,
            user_id=None,
            group_id=group_id,
            keys=list(documents) or None,
            requester=_signer(signer, address, email, organisation, legal_form),
            mode=mode,
            place=place,
        )
        paths = write_letters(s, req.id, "request", formats, out)
        click.echo(f"request {req.id}: draft, {len(req.documents)} documents asked")
        recipient = req.recipient or {}
        if not recipient.get("address"):
            click.echo("  the notice gives no postal address: complete it in the letter")
        for path in paths:
            click.echo(f"  wrote {path}")
        if show:
            from letters.render import to_text
            from review.request_flow import letter_of

            click.echo(to_text(letter_of(s, req.id, "request", today())))
        click.echo(f"next: veilleur requests sent {req.id} --on YYYY-MM-DD")
        return None

    in_session(database_url, run)
