"""``veilleur verdict NOTICE VERDICT``: record an analyst's verdict from the command line, for
scripts and for importing earlier triage — the desk's rules and trail exactly
(:func:`review.verdicts.record_verdict`)."""

from __future__ import annotations

import click
from sqlalchemy import select

from vocabulary.terms import VERDICTS

__all__ = ["verdict"]


@click.command()
@click.argument("notice")
@click.argument("verdict_name", metavar="VERDICT", type=click.Choice(VERDICTS))
@click.option("--rule", help="With not_relevant: the rule that misfired (one that flagged it).")
@click.option("--note", default="", help="Why (kept among analysts; required for not_relevant).")
@click.option("--public-note", help="A note shown to the groups (default: keep the current one).")
@click.option("--user", "username", help="The analyst's account (default: none, 'command line').")
@click.option(
    "--seen",
    help="The review id the decision was based on ('none' for a notice never reviewed): "
    "refused if someone decided since. Default: the notice's latest review.",
)
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def verdict(
    notice: str,
    verdict_name: str,
    rule: str | None,
    note: str,
    public_note: str | None,
    username: str | None,
    seen: str | None,
    database_url: str | None,
) -> None:
    """Record a verdict on a notice, with the desk's rules and trail.

    Record a verdict on NOTICE (a row id or SOURCE:SOURCE_ID), with the same rules and
    trail as the desk's form: not_relevant needs --rule (one that flagged the notice) and
    --note; a verdict recorded by someone else since --seen is refused.

    \b
    Examples:
      veilleur verdict 42 relevant --user alice --public-note "Marché de caméras LAPI"
      veilleur verdict boamp:20-100747 not_relevant --rule videosurveillance.cpv_broad \\
          --note "alarme incendie, pas de vidéo" --user bob
      veilleur verdict 42 follow_up --seen 17      # refused if 17 is no longer the latest
    """
    from db.models.review import ReviewHead, User
    from db.session import session_scope
    from review.i18n import translate
    from review.verdicts import ReviewConflict, VerdictError, record_verdict
    from veilleur.commands import schema_for_writing
    from veilleur.commands.show import find_notice

    schema_for_writing(database_url)
    try:
        with session_scope(database_url) as s:
            found = find_notice(s, notice)
            if found is None:
                raise click.UsageError(f"no notice {notice!r} (use a row id or source:source_id)")
            user_id = None
            if username:
                user_id = s.scalar(select(User.id).where(User.username == username, User.active))
                if user_id is None:
                    raise click.UsageError(f"no active user {username!r} (see veilleur users list)")
            if seen is None:
                head = s.get(ReviewHead, found.id)
                seen_id = head.review_id if head else None
            elif seen == "none" or seen.isdigit():
                seen_id = None if seen == "none" else int(seen)
            else:
                raise click.UsageError(f"--seen wants a review id or 'none', not {seen!r}")
            review = record_verdict(
                s, found.id, user_id, verdict_name, seen_id,
                note=note, reason_rule=rule, public_note=public_note,
            )  # fmt: skip
            label = f"{found.source}:{found.source_id}"
            review_id = review.id
    except VerdictError as exc:
        raise click.UsageError(translate(str(exc), "en")) from None
    except ReviewConflict as exc:
        other = exc.current
        who = (
            f"{other.verdict} by {other.username or 'command line'} (review {other.id})"
            if other
            else "a reset"
        )
        raise click.ClickException(
            f"not saved: someone recorded {who} since review {seen_id}"
        ) from None
    click.echo(f"#{found.id} {label}: {verdict_name} (review {review_id})")
