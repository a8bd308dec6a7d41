"""``veilleur db``: schema management."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["db"]


@click.group()
def db() -> None:
    """Database schema: upgrade, show the current revision, write a migration.

    Database schema: upgrade to the newest migration, show the current revision, write a
    new migration.

    \b
    Examples:
      DATABASE_URL=postgresql://veilleur@localhost/veilleur veilleur db upgrade
      veilleur db revision -m "flags keep the matched term"
    """


@db.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def upgrade(database_url: str | None) -> None:
    """Apply every pending migration."""
    from db.migrate import upgrade as do_upgrade
    from db.migrate import upgrade_if_behind

    def say(line: str) -> None:
        click.echo(line, err=True)

    note = upgrade_if_behind(database_url, starting=say)  # a line before a long migration
    if note:
        say(note)
    else:  # up to date: still puts back a search index that is missing
        do_upgrade(database_url)
    click.echo("schema up to date")


@db.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def current(database_url: str | None) -> None:
    """Print the revisions the database is at."""
    from sqlalchemy import text

    from db.session import get_engine

    with get_engine(database_url).connect() as conn:
        for (rev,) in conn.execute(text("SELECT version_num FROM alembic_version")):
            click.echo(rev)


@db.command()
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option(
    "--versions-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the file here instead of db/migrations/versions/.",
)
def revision(message: str, versions_dir: Path | None) -> None:
    """Write a new, empty migration after the newest one (next sequence number).

    \b
    Example:
      veilleur db revision -m "flags keep the matched term"
    """
    from db.migrate import new_revision

    path = new_revision(message, version_path=versions_dir)
    click.echo(f"wrote {path}")
