"""``veilleur parse SOURCE FILE``: what a source makes of one response body, without crawling.

SOURCE is a family (``boamp``, ``ted``, ``decp``, ``scdl``, ``listing``, ``opendatasoft``) or
the name of a configured source (its family and its config: a listing's selectors, a city
export's column map). FILE is a body as the portal serves it; ``-`` reads standard input. One
JSON object per notice goes to standard output, one line per problem to standard error; a file
that cannot be read at all is a one-line error (exit status 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["parse"]


def _context(source: str, url: str) -> tuple[str, object]:
    """(family, ParseContext) for a family name or a registered source's name."""
    from crawler.registry import spider_class
    from spiders.families import FAMILIES, ParseContext, family_of

    if source in FAMILIES:
        return source, ParseContext(url=url, source=source)
    spider = spider_class(source)  # UnknownSourceError names the known sources
    family = family_of(spider)
    if family is None:
        raise click.ClickException(f"source {source!r} has no family that reads single files")
    return family, ParseContext(url=url, source=source, config=spider)


@click.command("parse")
@click.argument("source")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--url",
    default=None,
    help="The URL the body was served from (resolves relative links). Default: the file's URI.",
)
def parse(source: str, file: str, url: str | None) -> None:
    """Print the notices SOURCE makes of one response body FILE, as JSON lines.

    \b
    Examples:
      veilleur parse boamp records-page.json
      veilleur parse ted search-answer.json
      veilleur parse decp decp-2024-02.json          # a DECP file or an ODS records page
      veilleur parse scdl deliberations.csv
      veilleur parse demo_deliberations page1.html   # a listing needs its configured source
      curl -s URL | veilleur parse boamp -
    """
    import orjson

    from spiders.families import FAMILIES, ParseError, ParseProblem, notice_json
    from vocabulary.errors import VeilleurError

    try:
        body = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from exc
    base = url or (Path(file).resolve().as_uri() if file != "-" else "file:///dev/stdin")
    try:
        family, ctx = _context(source, base)
        out = sys.stdout.buffer
        notices, whole_file = 0, ""
        for item in FAMILIES[family](body, ctx):  # type: ignore[arg-type]
            if isinstance(item, ParseProblem):
                whole_file = whole_file or ("" if item.where else item.message)
                ident = f" ({item.record_id})" if item.record_id else ""
                click.echo(f"{file}{item.where}: {item.kind}: {item.message}{ident}", err=True)
                continue
            notices += 1
            out.write(orjson.dumps(notice_json(item)) + b"\n")
        out.flush()
        if not notices and whole_file:
            raise ParseError(whole_file)
    except (ParseError, VeilleurError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
