"""``veilleur picture`` (refresh buyers, vendors and the map's rows) and ``veilleur prices``
(read the price schedules of stored documents)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from veilleur.commands import schema_for_writing

__all__ = ["picture", "prices"]

_KINDS = {".pdf": "pdf", ".xlsx": "xlsx", ".ods": "ods"}
_MEDIA = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}


@click.group()
def picture() -> None:
    """Buyers, vendors and where flagged notices are (the desk's map and party pages).

    \b
    Examples:
      veilleur picture refresh                 # every notice (after an upgrade or a rescan)
      veilleur picture refresh --since 2024-01-01
    """


@picture.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only notices published since.")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def refresh(since: object, database_url: str | None) -> None:
    """Rebuild parties and map rows from stored notices (crawls do it for what they store)."""
    from db.picture import refresh_picture
    from db.session import session_scope

    day = getattr(since, "date", lambda: None)()
    schema_for_writing(database_url)
    with session_scope(database_url) as session:
        count = refresh_picture(session, since=day)
    click.echo(f"refreshed {count} notices")


@click.command()
@click.option("--document", "document_id", type=int, help="Only this stored document id.")
@click.option(
    "--documents-dir",
    envvar="VEILLEUR_DOCUMENTS_DIR",
    default="var/documents",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Where stored documents are.",
)
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def prices(document_id: int | None, documents_dir: Path, database_url: str | None) -> None:
    """Read price schedules (BPU, DQE …) of stored documents: what was bought.

    Read the price schedules (BPU, DQE, DPGF, CCTP tables) of stored documents and keep their
    surveillance lines (cameras, domes, recorders, licences …) for notices and buyer pages.

    \b
    Examples:
      veilleur prices                      # every stored document linked as BPU/DQE/DPGF/CCTP
      veilleur prices --document 42
    """
    from db.prices import save_price_lines, schedule_documents
    from db.session import session_scope
    from extract.prices import read_price_lines

    root = documents_dir.resolve()
    schema_for_writing(database_url)
    with session_scope(database_url) as session:
        docs = schedule_documents(session, document_id)
        if document_id is not None and not docs:
            raise click.ClickException(f"no stored document {document_id}")
        for doc in docs:
            path = (root / (doc.storage_path or "")).resolve()
            kind = _MEDIA.get(doc.media_type or "") or _KINDS.get(path.suffix.lower())
            if not path.is_relative_to(root) or not path.is_file():
                click.echo(f"document {doc.id}: file missing under {root}", err=True)
                continue
            if kind is None:
                click.echo(f"document {doc.id}: {doc.media_type or path.suffix} is not read")
                continue
            result = read_price_lines(path.read_bytes(), kind)
            rows = [
                {
                    **asdict(line.row),
                    "equipment": line.equipment,
                    "action": line.action,
                    "category": line.category,
                }
                for line in result.lines
            ]
            stored = save_price_lines(session, doc.id, rows)
            reason = f" ({result.reason})" if result.reason else ""
            click.echo(
                f"document {doc.id}: {result.status}{reason}; {len(result.rows)} priced rows, "
                f"{stored} surveillance lines"
            )
