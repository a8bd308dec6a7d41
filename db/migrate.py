"""Bring a database to the newest schema with Alembic (``veilleur db upgrade`` and start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from db.session import _normalize, database_url, get_engine

__all__ = ["alembic_config", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' is an interpolation character in configparser values
    cfg.set_main_option("sqlalchemy.url", _normalize(database_url(url)).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (all branch heads by default); idempotent."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        # SQLite batch ALTERs rebuild tables and drop the search triggers: put them back
        from db.fulltext import ensure_fulltext

        ensure_fulltext(connection)
