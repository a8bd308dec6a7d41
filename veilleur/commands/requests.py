"""``veilleur requests``: follow access requests from sending to the documents."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from sqlalchemy.orm import Session

from veilleur.commands.request import (
    ALL_FORMATS,
    in_session,
    one_line,
    parse_day,
    today,
    write_letters,
)
from veilleur.commands.requests_after import close, opinion, process, referred, reopen
from veilleur.commands.requests_common import DB, SEEN, day, report
from vocabulary.requests import OUTCOMES, SEND_MODES

__all__ = ["requests"]


@click.group()
def requests() -> None:
    """Follow access requests (CADA) from sending to the CADA's opinion.

    Follow access requests (CADA): record sending, answer, received files, referral, the
    CADA's opinion; list them; write their letters.

    \b
    Examples:
      veilleur requests list --state actionable
      veilleur requests sent 12 --on 2025-03-03
      veilleur requests attach 12 reponse-mairie.pdf
      veilleur requests letter 12 --referral --format odt
    """


@requests.command("list")
@click.option("--state", help="draft, sent, answered, refused, referred, closed, open, actionable")
@click.option("--group", help="Only this group's requests.")
@click.option("--buyer", help="Buyer name contains (accents and case ignored).")
@click.option("--older-than", type=int, help="Sent (or drafted) at least this many days ago.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines on stdout.")
@DB
def list_command(
    state: str | None,
    group: str | None,
    buyer: str | None,
    older_than: int | None,
    as_csv: bool,
    as_json: bool,
    database_url: str | None,
) -> None:
    """List requests by state (silence past the month counts as refused).

    \b
    Example:
      veilleur requests list --state refused --group lille
    """
    from db.request_list import CSV_COLUMNS, RequestFilters, list_requests

    args = {"state": state or "", "group": group or "", "buyer": buyer or ""}
    args["older_than"] = "" if older_than is None else str(older_than)
    with one_line():
        filters = RequestFilters.from_args(args)
    rows = in_session(database_url, lambda s: list_requests(s, filters, today()))
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(CSV_COLUMNS)
        writer.writerows([getattr(r, c) for c in CSV_COLUMNS] for r in rows)
        return
    if as_json:
        for r in rows:
            click.echo(json.dumps(asdict(r), default=str, ensure_ascii=False))
        return
    for r in rows:
        implicit = " (silence)" if r.effective_state == "refused" and r.state == "sent" else ""
        click.echo(
            f"{r.id:>5} {r.effective_state}{implicit:<10} sent={r.sent_on or '-'} "
            f"refer-by={r.referral_until or '-'} [{r.group or '-'}] {r.buyer[:40]} — "
            f"{r.notice_title[:60]}"
        )
    click.echo(f"({len(rows)})")


@requests.command()
@click.argument("request_id", type=int)
@DB
def show(request_id: int, database_url: str | None) -> None:
    """A request: its state, dates, documents, files received and trail.

    \b
    Example:
      veilleur requests show 12
    """
    from db.received import received_of
    from db.requests import effective_state, events_of, get_request

    def run(s: Session) -> None:
        r = get_request(s, request_id)
        click.echo(f"request {r.id} (version {r.version}) about notice {r.notice_id}")
        click.echo(f"  state: {effective_state(r, today())} (recorded: {r.state}), mode {r.mode}")
        for label, value in (
            ("sent", r.sent_on),
            ("received", r.received_on),
            ("refusal", r.refusal_on),
            ("refer to the CADA by", r.referral_until),
            ("answered", r.answered_on),
            ("outcome", r.outcome),
            ("referred", r.referred_on),
            ("opinion due", r.opinion_due),
            ("opinion", r.opinion),
        ):
            if value:
                click.echo(f"  {label}: {value}")
        for d in r.documents:
            click.echo(f"  - {d['key']}: {d['label']}")
        for f in received_of(s, r.id):
            pages = ", ".join(map(str, f.flagged_pages)) or "none"
            click.echo(
                f"  file {f.filename}: {f.status}, {f.page_count or 0} pages, flagged {pages}"
            )
        for e in events_of(s, r.id):
            click.echo(
                f"  {e.at:%Y-%m-%d %H:%M} {e.action} {json.dumps(e.data, ensure_ascii=False)}"
            )

    in_session(database_url, run)


@requests.command()
@click.argument("request_id", type=int)
@click.option("--referral", is_flag=True, help="The referral to the CADA instead of the request.")
@click.option("--format", "formats", multiple=True, type=click.Choice(ALL_FORMATS))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("var/letters")
)
@DB
def letter(
    request_id: int, referral: bool, formats: tuple[str, ...], out: Path, database_url: str | None
) -> None:
    """Write a request's letter, or its referral to the CADA, as .txt/.odt/.docx.

    \b
    Example:
      veilleur requests letter 12 --referral --format odt
    """
    kind = "referral" if referral else "request"
    for path in in_session(
        database_url, lambda s: write_letters(s, request_id, kind, formats, out)
    ):
        click.echo(f"wrote {path}")


@requests.command()
@click.argument("request_id", type=int)
@click.option("--on", "on", required=True, help="The day it was sent (YYYY-MM-DD).")
@click.option("--received-on", help="The day it was received (acknowledgment of a letter).")
@click.option("--mode", type=click.Choice(SEND_MODES))
@SEEN
@DB
def sent(
    request_id: int,
    on: str,
    received_on: str | None,
    mode: str | None,
    seen: int | None,
    database_url: str | None,
) -> None:
    """Record that a request was sent (and when it was received).

    \b
    Example:
      veilleur requests sent 12 --on 2025-03-03 --mode post --received-on 2025-03-05
    """
    from db.requests import mark_sent
    from review.request_flow import follow_verdict

    def run(s: Session) -> None:
        r = mark_sent(
            s,
            request_id,
            seen,
            None,
            day(on),
            mode=mode,
            received_on=parse_day(received_on),
            today=today(),
        )
        follow_verdict(s, r.notice_id, None, "foi_requested", f"demande n° {r.id} envoyée")
        report(r)

    in_session(database_url, run)


@requests.command()
@click.argument("request_id", type=int)
@click.option("--on", "on", required=True, help="The day the answer arrived.")
@click.option("--outcome", type=click.Choice(OUTCOMES), required=True)
@click.option("--missing", multiple=True, help="A document key still withheld (partial).")
@click.option("--note", default="")
@SEEN
@DB
def answered(
    request_id: int,
    on: str,
    outcome: str,
    missing: tuple[str, ...],
    note: str,
    seen: int | None,
    database_url: str | None,
) -> None:
    """Record the administration's answer: full, partial or refused.

    \b
    Example:
      veilleur requests answered 12 --on 2025-03-20 --outcome partial --missing offre_technique
    """
    from db.requests import record_answer

    in_session(
        database_url,
        lambda s: report(
            record_answer(s, request_id, seen, None, day(on), outcome, missing=missing, note=note)
        ),
    )


@requests.command()
@click.argument("request_id", type=int)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--received-on", help="The day the files arrived (default today).")
@click.option(
    "--documents-dir", envvar="VEILLEUR_DOCUMENTS_DIR", default="var/documents", show_default=True
)
@DB
def attach(
    request_id: int,
    files: tuple[str, ...],
    received_on: str | None,
    documents_dir: str,
    database_url: str | None,
) -> None:
    """Attach files the administration sent; they are read now (text, OCR, rules) and their
    flagged pages show on the notice.

    \b
    Example:
      veilleur requests attach 12 marche-signe.pdf cctp.pdf --received-on 2025-03-20
    """
    from db.received import attach_received
    from review.request_flow import store_upload
    from veilleur.requests import read_received

    def run(s: Session) -> None:
        for name in files:
            body = Path(name).read_bytes()
            sha, rel = store_upload(Path(documents_dir), body)
            attach_received(
                s,
                request_id,
                sha256=sha,
                filename=Path(name).name,
                storage_path=rel,
                size_bytes=len(body),
                received_on=parse_day(received_on) or today(),
            )

    in_session(database_url, run)
    for o in read_received(database_url, documents_dir):
        click.echo(
            f"{o.filename}: {o.status}, {o.pages} pages{'' if not o.reason else ' — ' + o.reason}"
        )
    in_session(database_url, lambda s: _flagged(s, request_id))


def _flagged(s: Session, request_id: int) -> None:
    from db.received import received_of

    for f in received_of(s, request_id):
        if f.flagged_pages:
            click.echo(f"  {f.filename}: flagged pages {', '.join(map(str, f.flagged_pages))}")


for _command in (process, referred, opinion, close, reopen):
    requests.add_command(_command)
