"""``veilleur show NOTICE``: one notice and the whole story of its purchase, with reasons.

The story is every notice reachable through ``notice_links`` (corrections, awards, TED twin,
DECP contract, council deliberation), oldest first; each edge says why it was drawn.
"""

from __future__ import annotations

from typing import Any

import click

__all__ = ["find_notice", "flag_lines", "quote", "render_story", "show"]


def find_notice(session: Any, ref: str) -> Any:
    """A stored notice from ``123`` (row id) or ``source:source_id`` (``ted:334815-2021``)."""
    from sqlalchemy import select

    from db.models.notices import Notice
    from vocabulary.items import normalize_source_id

    if ref.isdigit():
        return session.get(Notice, int(ref))
    source, sep, source_id = ref.partition(":")
    if not sep:
        return None
    return session.scalar(
        select(Notice).where(
            Notice.source == source, Notice.source_key == normalize_source_id(source_id)
        )
    )


def _money(value: float | None, currency: str | None) -> str:
    return f"{value:,.2f} {currency or 'EUR'}".replace(",", " ") if value else "—"


def _label(notice: Any) -> str:
    return f"#{notice.id} {notice.source}:{notice.source_id}"


def quote(term: str | None, snippet: str, start: int | None, end: int | None) -> str:
    """The snippet with the matched term between »« marks: ``…de »caméras« de vidéo…``."""
    if start is not None and end is not None and 0 <= start < end <= len(snippet):
        return f"{snippet[:start]}»{snippet[start:end]}«{snippet[end:]}"
    return snippet


def flag_lines(flags: Any) -> list[str]:
    """One line per flag: rule, category, field (and page), the matched term, in context."""
    from vocabulary.cpv import cpv_with_label

    lines = []
    for f in flags:
        where = f.field + (f" p.{f.page}" if f.page else "")
        term = cpv_with_label(f.term) if f.field == "cpv" and f.term else f.term
        shown = quote(f.term, f.snippet, f.snippet_start, f.snippet_end)
        lines.append(f"why: {f.rule_id} [{f.category}] {where}: «{term or '?'}» in: {shown}")
    return lines


def render_story(session: Any, notice: Any) -> list[str]:
    """The lines ``veilleur show`` prints (pure text, testable)."""
    from db.linking import story

    notices, edges = story(session, notice.id)
    by_id = {n.id: n for n in notices}
    lines = [
        f"{_label(notice)}  [{notice.kind}]",
        f"  {notice.title}",
        f"  buyer: {notice.buyer_name or '—'}  SIRET: {notice.buyer_siret or '—'}  "
        f"départements: {', '.join(notice.departements or []) or '—'}",
        f"  CPV: {', '.join(notice.cpv_codes or []) or '—'}  value: {_money(notice.estimated_value, notice.currency)}",
        f"  published: {notice.published_at or '—'}  deadline: {notice.deadline_at or '—'}",
    ]
    if notice.awardees:
        names = "; ".join(
            f"{a.get('name') or a.get('id')}"
            + (f" ({_money(a.get('value'), a.get('currency'))})" if a.get("value") else "")
            for a in notice.awardees
        )
        lines.append(f"  awarded to: {names}")
    if notice.categories:
        lines.append(f"  flagged: {', '.join(notice.categories)}")
    lines += [f"  {line}" for line in flag_lines(notice.flags)]
    if notice.url:
        lines.append(f"  {notice.url}")
    lines += ["", f"Story of the purchase ({len(notices)} notices):"]
    for item in notices:
        marker = "→" if item.id == notice.id else " "
        lines.append(
            f" {marker} {item.published_at or '????-??-??'}  {item.kind:<17} {_label(item)}  {item.title[:90]}"
        )
        for edge in edges:
            if edge.from_id != item.id:
                continue
            target = by_id.get(edge.to_id) if edge.to_id else None
            where = _label(target) if target else f"{edge.to_label} (not stored yet)"
            lines.append(
                f"        {edge.relation} {where} — {edge.reason} (confidence {edge.confidence:.2f})"
            )
        if item.extra_text and item.kind == "contract":
            lines += [f"        {line}" for line in item.extra_text.splitlines()[:10]]
    return lines


@click.command()
@click.argument("notice")
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
@click.option("--relink", is_flag=True, help="Recompute the links of every notice first.")
def show(notice: str, database_url: str | None, relink: bool) -> None:
    """Print a notice and the whole timeline of its purchase, each link with its reason.

    NOTICE is a row id or SOURCE:SOURCE_ID.

    \b
    Examples:
      veilleur show ted:334815-2021
      veilleur show 42 --relink
    """
    from db.linking import link_all
    from db.migrate import require_schema
    from db.session import session_scope

    require_schema(database_url)  # reads (--relink writes links, never the schema)
    with session_scope(database_url) as session:
        if relink:
            stats = link_all(session)
            click.echo(f"links added or refreshed: {stats.total}", err=True)
        found = find_notice(session, notice)
        if found is None:
            raise click.ClickException(f"no notice {notice!r} (use a row id or source:source_id)")
        for line in render_story(session, found):
            click.echo(line)
