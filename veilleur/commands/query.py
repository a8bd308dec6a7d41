"""Read-side commands: ``flagged``, ``rescan``, ``export`` (``status`` has its own module)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import click
from sqlalchemy.orm import Session

from db.notice_export import EXPORT_FORMATS, export_chunks
from db.notice_list import NoticeFilters, filter_choices, iter_notices, notice_page
from veilleur.commands import schema_for_writing
from veilleur.commands.status import status
from vocabulary.errors import FilterError

__all__ = [
    "export",
    "filters_from_options",
    "flagged",
    "notice_filter_options",
    "print_flagged",
    "rescan",
    "status",
]


def notice_filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The notice list's filters as options (``flagged`` and ``export`` share them, and they
    mean what the desk's queue filters mean)."""
    options = [
        click.option("--category", help="Only notices a rule flagged for this category."),
        click.option("--departement", help="Only this département code (13, 2A, 974 …)."),
        click.option("--buyer", help="Only buyers whose name contains this."),
        click.option("--source", help="Only this source (boamp, ted …)."),
        click.option("--kind", help="Only this kind (tender, award, contract …)."),
        click.option("--verdict", help="Only this current verdict (new, relevant …)."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Published on or after."),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Published on or before."),
        click.option("--min-score", type=float, help="Only notices scoring at least this."),
        click.option("--query", help="Full-text search in the notice and its documents."),
        click.option(
            "--flagged-only/--all",
            default=True,
            show_default=True,
            help="Only flagged notices, or every notice.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def filters_from_options(options: dict[str, Any]) -> NoticeFilters:
    """NoticeFilters from the options of :func:`notice_filter_options` (a bad value: a
    one-line usage error listing the valid ones)."""
    since, until = options.pop("since"), options.pop("until")
    if options.get("departement") is not None:
        options["departement"] = _departement(options["departement"])
    try:
        return NoticeFilters(
            category=options.pop("category"),
            departement=options.pop("departement"),
            buyer=options.pop("buyer"),
            source=options.pop("source"),
            kind=options.pop("kind"),
            verdict=options.pop("verdict"),
            published_from=since.date() if since else None,
            published_to=until.date() if until else None,
            min_score=options.pop("min_score"),
            query=options.pop("query"),
            include_unflagged=not options.pop("flagged_only"),
        )
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None


def _departement(value: str) -> str:
    """A département code of the COG (``2a`` is ``2A``); a name or an unknown code is refused
    with the valid codes (and the code of the département the name is, when it is one)."""
    import unicodedata

    from vocabulary.places import departement_codes, departement_name

    code = value.strip().upper()
    codes = departement_codes()
    if code in codes:
        return code

    def plain(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text.casefold())
        return "".join(c for c in folded if c.isalnum())

    named = [c for c in codes if plain(departement_name(c) or "") == plain(value)]
    hint = f"{departement_name(named[0])} is {named[0]}; " if named else ""
    raise click.UsageError(
        f"unknown departement {value!r}: {hint}give a département code (valid: {', '.join(codes)})"
    )


def _check_source(session: Session, filters: NoticeFilters) -> None:
    if filters.source is None:
        return
    try:
        # the stored sources, as the desk's queue says (tests/review/test_same_answers.py)
        filters.require_known_source(filter_choices(session)["sources"])
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None


def print_flagged(
    database_url: str | None, filters: NoticeFilters | None = None, limit: int = 50
) -> int:
    """A table on a wide terminal; one block per notice on a narrow one or in a pipe."""
    from rich.console import Console
    from rich.table import Table

    from db.session import session_scope

    filters = filters or NoticeFilters()
    with session_scope(database_url) as session:
        _check_source(session, filters)
        rows = notice_page(session, filters, limit=limit).rows
    console = Console(soft_wrap=False)
    if console.width < 120:
        console.print(f"[bold]Flagged notices ({len(rows)})[/bold]")
        for row in rows:
            day = row["published_at"].isoformat() if row["published_at"] else "????-??-??"
            console.print(
                f"\n[bold]{day}[/bold]  {','.join(row['departements'] or []) or '—'}  "
                f"[magenta]{','.join(row['categories'] or [])}[/magenta]  "
                f"{row['buyer_name'] or ''}",
                highlight=False,
            )
            console.print(f"  {row['title']}", highlight=False, markup=False)
            console.print(f"  {row['url']}", highlight=False, markup=False)
        return len(rows)
    table = Table(title=f"Flagged notices ({len(rows)})", expand=True)
    for name in ("date", "buyer", "dépt", "categories", "title", "link"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(
            row["published_at"].isoformat() if row["published_at"] else "",
            (row["buyer_name"] or "")[:40],
            ",".join(row["departements"] or []),
            ",".join(row["categories"] or []),
            (row["title"] or "")[:160],
            row["url"],
        )
    console.print(table)
    return len(rows)


@click.command()
@notice_filter_options
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def flagged(limit: int, database_url: str | None, **options: Any) -> None:
    """List flagged notices, newest first, as a table (the desk's queue, same filters).

    \b
    Examples:
      veilleur flagged --category videosurveillance --departement 62
      veilleur flagged --since 2024-01-01 --limit 200
    """
    from db.migrate import require_schema

    filters = filters_from_options(options)
    require_schema(database_url)
    print_flagged(database_url, filters, limit=limit)


@click.command()
@click.option("--source", help="Only notices of this source.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def rescan(source: str | None, database_url: str | None) -> None:
    """Re-apply the current rules to every stored notice and its documents (no crawl).

    \b
    Example:
      veilleur rescan --source boamp
    """
    from db.session import sessionmaker_for
    from extract.rules import default_ruleset
    from veilleur.rescan import rescan_notices

    schema_for_writing(database_url)
    result = rescan_notices(
        sessionmaker_for(database_url),
        default_ruleset(),
        source=source,
        progress=lambda n: click.echo(f"{n} notices rescanned", err=True),
    )
    click.echo(
        f"rescanned={result.scanned} changed={result.changed} "
        f"now_flagged={result.flagged} rules={result.rules_version}"
    )


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*EXPORT_FORMATS, "ocds")),
    default="csv",
    show_default=True,
    help="ocds: an OCDS 1.1 release package (VEILLEUR_OCID_PREFIX names your ocid prefix).",
)
@notice_filter_options
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def export(fmt: str, database_url: str | None, **options: Any) -> None:
    """Export notices as CSV, JSON, JSON lines or an OCDS release package.

    Export notices with their decision and verdict to standard output: the columns and
    filters of the desk's exports, newest first. ``--format ocds`` writes the same selection as
    an OCDS 1.1 release package (tender, awards, contracts, parties, documents).

    \b
    Examples:
      veilleur export --format jsonl > flagged.jsonl
      veilleur export --departement 13 --since 2024-01-01 > marseille.csv
      VEILLEUR_OCID_PREFIX=ocds-abc123 veilleur export --format ocds --category lapi > lapi.json
    """
    from db.migrate import require_schema
    from db.session import session_scope

    filters = filters_from_options(options)
    require_schema(database_url)
    with session_scope(database_url) as session:
        _check_source(session, filters)
        chunks = (
            _ocds_chunks(session, filters)
            if fmt == "ocds"
            else export_chunks(fmt, iter_notices(session, filters))
        )
        for chunk in chunks:
            click.echo(chunk, nl=False)


def _ocds_chunks(session: Session, filters: NoticeFilters) -> Iterator[str]:
    """The OCDS package's chunks; nothing matching is a one-line error, not an empty file."""
    from db.ocds import ocds_chunks, ocid_prefix

    prefix, registered = ocid_prefix()
    if not registered:
        click.echo(
            f"OCDS export: no registered ocid prefix (VEILLEUR_OCID_PREFIX); ocids start "
            f"with {prefix!r}, see docs/ocds.md",
            err=True,
        )
    chunks = ocds_chunks(session, filters, uri=f"urn:uuid:{uuid.uuid4()}", prefix=prefix)
    try:
        first = next(chunks)
    except FilterError as exc:
        raise click.ClickException(str(exc)) from None
    yield first
    yield from chunks
