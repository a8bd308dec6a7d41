"""``veilleur groups``, ``veilleur digest`` and ``veilleur feeds``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import delete

from db.migrate import require_schema
from db.models.digest import GROUP_SELECTIONS, Delivery, DigestSend, Group, ReadLink
from db.session import database_url, session_scope
from digest import queries as q
from veilleur.commands import schema_for_writing
from vocabulary.terms import CATEGORIES

__all__ = ["digest", "feeds", "groups"]

CADENCES = ("daily", "weekly")
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
_DEPT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$", re.IGNORECASE)


def _db_option(f: Any) -> Any:
    return click.option(
        "--database-url", "db_url", envvar="DATABASE_URL", help="Database (default: DATABASE_URL)."
    )(f)


def _check(values: tuple[str, ...], pattern: re.Pattern[str], what: str) -> list[str]:
    out = []
    for v in values:
        v = v.strip().upper() if what != "recipient" else v.strip()
        if not pattern.match(v):
            raise click.BadParameter(f"not a valid {what}: {v!r}")
        out.append(v)
    return out


def _epcis(values: tuple[str, ...]) -> list[dict[str, Any]]:
    """``NAME=INSEE,INSEE,…`` -> [{"name": NAME, "communes": [...]}]."""
    out = []
    for v in values:
        name, sep, codes = v.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"--epci wants NAME=INSEE,INSEE… not {v!r}")
        communes = _check(tuple(c for c in codes.split(",") if c.strip()), _INSEE, "INSEE code")
        if not communes:
            raise click.BadParameter(f"--epci {name!r} lists no commune")
        out.append({"name": name.strip(), "communes": communes})
    return out


def _territory_options(f: Any) -> Any:
    for opt in reversed([
        click.option("--departement", "departements", multiple=True, help="Département code (repeatable): 69, 2A, 974."),
        click.option("--commune", "communes", multiple=True, help="Commune INSEE code (repeatable): 69123."),
        click.option("--epci", "epcis", multiple=True, help="EPCI as NAME=INSEE,INSEE,… (repeatable)."),
        click.option("--all-territory", is_flag=True, help="Every territory (no geographic filter)."),
        click.option("--category", "categories", multiple=True, type=click.Choice(CATEGORIES), help="Category to include (repeatable; none = all)."),
        click.option("--selection", type=click.Choice(GROUP_SELECTIONS), help="flagged: flagged and not rejected, plus confirmed (default); confirmed: only what analysts confirmed."),
        click.option("--contact", help="How readers reach the group (address or page), printed in digests."),
        click.option("--min-score", type=float, help="Minimum rules score of a notice."),
        click.option("--cadence", type=click.Choice(CADENCES), help="How often the digest is sent."),
        click.option("--recipient", "recipients", multiple=True, help="E-mail address (repeatable)."),
    ]):  # fmt: skip
        f = opt(f)
    return f


@click.group()
def groups() -> None:
    """Manage local groups: who receives what, for which territory, how often.

    \b
    Examples:
      veilleur groups add lyon --departement 69 --recipient veille@example.org
      veilleur groups add plaine-vallee --epci "CA Plaine Vallée=95427,95563" --cadence weekly \\
          --category videosurveillance --recipient a@example.org
      veilleur groups edit lyon --min-score 2 --recipient b@example.org
      veilleur groups edit lyon --selection confirmed --contact veille-lyon@example.org
      veilleur groups list
      veilleur groups link lyon             # the group's read-only link (--revoke ends it)
      veilleur groups remove lyon
    """


@groups.command("add")
@click.argument("name")
@_territory_options
@_db_option
def groups_add(name: str, db_url: str | None, all_territory: bool, **kw: Any) -> None:
    """Create a group. A territory (or --all-territory) and a recipient are required."""
    depts = _check(kw["departements"], _DEPT, "département")
    communes = _check(kw["communes"], _INSEE, "INSEE code")
    epcis = _epcis(kw["epcis"])
    if not (depts or communes or epcis or all_territory):
        raise click.UsageError("give --departement, --commune, --epci or --all-territory")
    if (depts or communes or epcis) and all_territory:
        raise click.UsageError("--all-territory excludes the other territory options")
    recipients = _check(kw["recipients"], _EMAIL, "recipient")
    if not recipients:
        raise click.UsageError("give at least one --recipient")
    schema_for_writing(database_url(db_url))
    with session_scope(database_url(db_url)) as s:
        if q.get_group(s, name):
            raise click.UsageError(f"group {name!r} exists; use 'veilleur groups edit'")
        s.add(Group(
            name=name, recipients=recipients, departements=depts, communes=communes, epcis=epcis,
            categories=list(kw["categories"]), min_score=kw["min_score"] or 0.0,
            cadence=kw["cadence"] or "daily", selection=kw["selection"] or "flagged",
            contact=(kw["contact"] or "").strip(),
        ))  # fmt: skip
    click.echo(f"group {name!r} added")


@groups.command("edit")
@click.argument("name")
@_territory_options
@click.option(
    "--remove-recipient", "removed", multiple=True, help="Drop this address (repeatable)."
)
@click.option(
    "--clear-territory", is_flag=True, help="Forget départements, communes and EPCIs first."
)
@click.option("--clear-categories", is_flag=True, help="Forget the category filter first.")
@click.option("--active/--inactive", default=None, help="Pause or resume the group's digests.")
@_db_option
def groups_edit(name: str, db_url: str | None, all_territory: bool, **kw: Any) -> None:
    """Change a group: options add to its lists; --clear-* and --remove-recipient take away."""
    schema_for_writing(database_url(db_url))
    with session_scope(database_url(db_url)) as s:
        g = q.get_group(s, name)
        if g is None:
            raise click.UsageError(f"no group {name!r}")
        if kw["clear_territory"] or all_territory:
            g.departements, g.communes, g.epcis = [], [], []
        if kw["clear_categories"]:
            g.categories = []
        g.departements = sorted(
            {*g.departements, *_check(kw["departements"], _DEPT, "département")}
        )
        g.communes = sorted({*g.communes, *_check(kw["communes"], _INSEE, "INSEE code")})
        new_epcis = _epcis(kw["epcis"])
        g.epcis = [
            e for e in g.epcis if e.get("name") not in {n["name"] for n in new_epcis}
        ] + new_epcis
        g.categories = sorted({*g.categories, *kw["categories"]})
        recipients = [r for r in g.recipients if r not in kw["removed"]]
        recipients += [
            r for r in _check(kw["recipients"], _EMAIL, "recipient") if r not in recipients
        ]
        g.recipients = recipients
        if kw["min_score"] is not None:
            g.min_score = kw["min_score"]
        if kw["cadence"]:
            g.cadence = kw["cadence"]
        if kw["selection"]:
            g.selection = kw["selection"]
        if kw["contact"] is not None:
            g.contact = kw["contact"].strip()
        if kw["active"] is not None:
            g.active = kw["active"]
    click.echo(f"group {name!r} updated")


@groups.command("list")
@_db_option
def groups_list(db_url: str | None) -> None:
    """Show every group with its filters and last digest."""
    require_schema(database_url(db_url))
    with session_scope(database_url(db_url)) as s:
        rows = q.list_groups(s)
        if not rows:
            click.echo("no groups; add one with 'veilleur groups add'")
        for g in rows:
            territory = (
                ", ".join(
                    [f"dép. {d}" for d in g.departements]
                    + [f"commune {c}" for c in g.communes]
                    + [
                        f"EPCI {e.get('name')} ({len(e.get('communes', []))} communes)"
                        for e in g.epcis
                    ]
                )
                or "tout le territoire"
            )
            last = f"{g.last_digest_at:%Y-%m-%d %H:%M} UTC" if g.last_digest_at else "jamais"
            click.echo(
                f"{g.name}{'' if g.active else ' (inactive)'}: {territory}; "
                f"catégories: {', '.join(g.categories) or 'toutes'}; score ≥ {g.min_score:g}; "
                f"{g.cadence}; avis: {g.selection}; {len(g.recipients)} destinataire(s); "
                f"dernier envoi: {last}" + (f"; contact: {g.contact}" if g.contact else "")
            )


@groups.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_db_option
def groups_remove(name: str, yes: bool, db_url: str | None) -> None:
    """Delete a group and its delivery history."""
    schema_for_writing(database_url(db_url))
    with session_scope(database_url(db_url)) as s:
        g = q.get_group(s, name)
        if g is None:
            raise click.UsageError(f"no group {name!r}")
        if not yes:
            click.confirm(f"delete group {name!r} and its delivery history?", abort=True)
        s.execute(delete(Delivery).where(Delivery.group_id == g.id))
        s.execute(delete(DigestSend).where(DigestSend.group_id == g.id))
        s.execute(delete(ReadLink).where(ReadLink.group_id == g.id))
        s.delete(g)
    click.echo(f"group {name!r} removed")


@groups.command("link")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke the group's links (a new one comes next).")
@_db_option
def groups_link(name: str, revoke: bool, db_url: str | None) -> None:
    """Print the group's read-only link (made if it has none), or revoke every link it has.

    Anyone holding the link reads the notices shown to groups, their hits, documents and story
    (never the analysts' private notes). After --revoke the old links open nothing; the next
    digest (or this command) makes a new one. Needs VEILLEUR_BASE_URL.

    \b
    Examples:
      veilleur groups link lyon
      veilleur groups link lyon --revoke
    """
    import os

    from db.read_links import current_read_link, read_link_token, revoke_read_links
    from db.secret_key import load_secret_key

    schema_for_writing(database_url(db_url))
    with session_scope(database_url(db_url)) as s:
        g = q.get_group(s, name)
        if g is None:
            raise click.UsageError(f"no group {name!r}")
        if revoke:
            click.echo(f"{revoke_read_links(s, g.id)} link(s) of group {name!r} revoked")
            return
        base = (os.environ.get("VEILLEUR_BASE_URL") or "").rstrip("/")
        if not base:
            raise click.UsageError("set VEILLEUR_BASE_URL (the desk's public address) first")
        token = read_link_token(load_secret_key(), current_read_link(s, g.id))
        click.echo(f"{base}/p/{token}/notices/<id>")


@click.command("digest")
@click.option(
    "--group",
    "group_names",
    multiple=True,
    help="Only this group (repeatable); sent even if not due.",
)
@click.option("--dry-run", is_flag=True, help="Render without sending or recording anything.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write <group>.html and <group>.txt per group into DIR; send and record nothing.",
)
@click.option(
    "--html",
    "as_html",
    is_flag=True,
    help="With --dry-run: show the HTML part instead of the text part.",
)
@_db_option
def digest(
    group_names: tuple[str, ...], dry_run: bool, out: Path | None, as_html: bool, db_url: str | None
) -> None:
    """Build and send the digests of due groups (or preview them with --dry-run or --out).

    \b
    Examples:
      veilleur digest --group lyon --dry-run
      veilleur digest --group lyon --out /tmp/digests     # lyon.html + lyon.txt
      veilleur digest                        # send every due group (SMTP from VEILLEUR_SMTP_*)
    """
    from db.models.base import utcnow
    from digest.send import SendError
    from digest.service import prepare_digests, send_digests

    url = database_url(db_url)
    schema_for_writing(url)
    try:
        if dry_run or out:
            prepared, _ = prepare_digests(url, utcnow(), group_names or None)
            if out:
                for path in _write_previews(prepared, out):
                    click.echo(str(path))
                if not prepared:
                    click.echo("nothing to write: every digest is empty or not due")
                return
            parts = []
            for pm in prepared:
                shown = pm.personal(pm.recipients[0])
                body = shown.html if as_html else shown.text
                parts.append(f"To: {', '.join(pm.recipients)}\nSubject: {shown.subject}\n\n{body}")
            click.echo("\n\n".join(parts) or "nothing to send: every digest is empty or not due\n")
            return
        results = send_digests(url, group_names=group_names or None)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from exc
    except SendError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = False
    for r in results:
        state = "empty, not sent" if r.empty else f"sent to {len(r.accepted)}"
        if r.refused:
            state += f", refused/failed for {len(r.refused)} (retried next run)"
            failed = True
        click.echo(f"{r.group}: {state}" + (f" — {r.error}" if r.error else ""))
    if not results:
        click.echo("no group due")
    sys.exit(1 if failed else 0)


def _write_previews(prepared: list[Any], out: Path) -> list[Path]:
    """One HTML file and its text part per group (a group whose recipients got different
    digests: one pair per variant, numbered); no personal unsubscribe link in them."""
    from digest.feeds import slugify
    from digest.render import render_digest

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    seen: dict[str, int] = {}
    for pm in prepared:
        slug = slugify(pm.group.name)
        seen[slug] = seen.get(slug, 0) + 1
        name = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"
        rendered = render_digest(pm.digest)
        for suffix, body in ((".html", rendered.html), (".txt", rendered.text)):
            path = out / f"{name}{suffix}"
            path.write_text(body, encoding="utf-8")
            written.append(path)
    return written


@click.command("feeds")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for the .atom files.",
)
@_db_option
def feeds(out_dir: Path, db_url: str | None) -> None:
    """Write Atom feeds: all.atom and one <group>.atom per active group.

    \b
    Example:
      veilleur feeds --out /var/www/veilleur/feeds
    Links point to VEILLEUR_BASE_URL/notices/<id> when it is set, else to the source.
    """
    import os

    from db.secret_key import load_secret_key
    from digest.feeds import write_feeds

    base = os.environ.get("VEILLEUR_BASE_URL") or None
    require_schema(database_url(db_url))
    with session_scope(database_url(db_url)) as s:
        paths = write_feeds(s, out_dir, base, key=load_secret_key() if base else None)
    for p in paths:
        click.echo(str(p))
