"""How PostgreSQL stores large values (TOAST): which compression the server offers."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text

__all__ = ["lz4_offered"]

log = logging.getLogger(__name__)


def lz4_offered(bind: Connection) -> bool:
    """The server compresses with lz4: PostgreSQL 14 or later built with it (Debian's packages
    and the official images are). Older servers have no ``default_toast_compression`` at all."""
    offered = bind.execute(
        text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    if offered and "lz4" in offered:
        return True
    log.warning("compression lz4=unavailable methods=%s", offered or "none")
    return False
