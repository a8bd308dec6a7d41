"""``veilleur db``: schema management."""

from __future__ import annotations

import click

__all__ = ["db"]


@click.group()
def db() -> None:
    """Database schema: upgrade to the newest migration, show the current revision.

    \b
    Example:
      DATABASE_URL=postgresql://veilleur@localhost/veilleur veilleur db upgrade
    """


@db.command()
@click.option("--database-url", envvar="DATABASE_URL", help="Database (default: SQLite file).")
def upgrade(database_url: str | None) -> None:
    """Apply every pending migration."""
    from db.migrate import upgrade as do_upgrade

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
