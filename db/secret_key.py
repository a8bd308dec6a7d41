"""The installation's secret key: it signs the desk's session cookies and the links digests
carry (a group's read-only link, each recipient's unsubscribe link), so the desk and the digest
job must read the same one.

``VEILLEUR_SECRET_KEY`` when set (set it whenever the desk and the digests run from different
directories or machines); else the key kept in ``var/secret_key`` (mode 0600), created once.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

__all__ = ["load_secret_key"]

log = logging.getLogger(__name__)


def load_secret_key(var_dir: Path = Path("var"), env: Mapping[str, str] | None = None) -> str:
    """``VEILLEUR_SECRET_KEY``, else the key persisted in ``var/secret_key`` (created once)."""
    env = os.environ if env is None else env
    value = env.get("VEILLEUR_SECRET_KEY")
    if value:
        return value
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    log.info("secret_key action=generated path=%s", path)
    return key
