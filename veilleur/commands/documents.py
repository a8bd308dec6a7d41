"""``veilleur extract`` (read local files) and ``veilleur documents`` (stored documents by status).

``extract`` runs the same worker pool as the crawl, so what an analyst sees for a FOI'd PDF is
exactly what the crawler would record for it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from extract.result import Limits
from vocabulary.documents import DOCUMENT_STATUSES, ExtractionResult

__all__ = ["documents", "extract"]


def _print_text(path: Path, result: ExtractionResult, text: bool) -> None:
    reason = f" ({result.reason})" if result.reason else ""
    click.echo(
        f"== {path}: {result.status}{reason}; {result.page_count or 0} pages; {result.media_type}"
    )
    for warning in result.warnings:
        click.echo(f"   warning: {warning}")
    if not text:
        return
    for page in result.pages:
        where = f" {page.member}" if page.member else ""
        click.echo(f"--- page {page.page_number}{where} ({page.method})")
        click.echo(page.text)


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file on stdout.")
@click.option("--no-text", is_flag=True, help="Status and page count only.")
@click.option(
    "--engine",
    type=click.Choice(["pdfium", "pdfplumber"]),
    default="pdfium",
    show_default=True,
    help="PDF text engine: pdfium (fast) or pdfplumber (reference layout).",
)
@click.option(
    "--no-ocr", is_flag=True, help="Do not OCR scanned pages (they make the status partial)."
)
@click.option(
    "--budget",
    type=click.FloatRange(min=0, min_open=True, max=24 * 3600),
    default=Limits().time_budget_s,
    show_default=True,
    help="Seconds allowed per file.",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    help="Worker processes (default 0: one per core).",
)
def extract(
    files: tuple[Path, ...],
    as_json: bool,
    no_text: bool,
    engine: str,
    no_ocr: bool,
    budget: float,
    workers: int,
) -> None:
    """Print the text, status and page count of local files (PDF, ZIP, DOCX, ODT, XLSX …).

    \b
    Examples:
      veilleur extract cctp.pdf
      veilleur extract --json --no-text dce.zip deliberation.pdf
      veilleur extract --engine pdfplumber --budget 60 scan.pdf
    Files are read as the crawler reads a download: in capped worker processes, a file over
    100 MiB is too_large without being read whole.
    The exit code is 0 when every file was read in full (status ok or ocr), 1 otherwise.
    """
    from extract.worker import WorkerPool

    limits = Limits(time_budget_s=budget, pdf_engine=engine, ocr=not no_ocr)
    all_read = True
    with WorkerPool(workers or min(len(files), _cores()), limits=limits) as pool:
        for path, result in pool.extract_files(files):
            all_read = all_read and result.status in ("ok", "ocr")
            if as_json:
                payload = asdict(result)
                payload["file"] = str(path)
                if no_text:
                    payload.pop("pages")
                click.echo(json.dumps(payload, ensure_ascii=False))
            else:
                _print_text(path, result, not no_text)
    sys.exit(0 if all_read else 1)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


@click.command()
@click.option(
    "--status",
    "status_filter",
    default="needs-attention",
    show_default=True,
    type=click.Choice(["needs-attention", "all", *DOCUMENT_STATUSES, "pending"]),
    help="needs-attention = every status but ok and ocr.",
)
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Default: $DATABASE_URL or var/veilleur.sqlite.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def documents(status_filter: str, database_url: str | None, as_json: bool) -> None:
    """List stored documents with their status, reason and the notices linking them.

    \b
    Examples:
      veilleur documents                       # the ones that could not be read in full
      veilleur documents --status encrypted
      veilleur documents --status all --database-url postgresql://veilleur@localhost/veilleur
    """
    from db.documents import list_documents
    from db.migrate import require_schema
    from db.session import session_scope

    require_schema(database_url)
    with session_scope(database_url) as session:
        listings = list_documents(session, status_filter)
        rows: list[dict[str, Any]] = [
            {
                "sha256": item.document.sha256,
                "status": item.document.status,
                "reason": item.document.status_reason,
                "media_type": item.document.media_type,
                "page_count": item.document.page_count,
                "urls": item.urls,
                "notices": [
                    {"source": s, "source_id": i, "title": t, "url": u}
                    for s, i, t, u in item.notices
                ],
            }
            for item in listings
        ]
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        reason = f" — {row['reason']}" if row["reason"] else ""
        click.echo(
            f"{row['status']:<15} {row['page_count'] or 0:>5} p  {str(row['sha256'])[:12]}  {row['media_type']}{reason}"
        )
        for url in row["urls"]:
            click.echo(f"    url: {url}")
        for notice in row["notices"]:
            click.echo(f"    notice: {notice['source']} {notice['source_id']} {notice['title']}")
    if not as_json:
        click.echo(f"{len(rows)} document(s) with status {status_filter}")
