"""Numbers read from environment variables: a value that is not one is a
:class:`~vocabulary.errors.ConfigError` naming the variable (one line for the user), not a
``ValueError`` traceback from deep inside a crawl or a digest."""

from __future__ import annotations

import os
from collections.abc import Mapping

from vocabulary.errors import ConfigError

__all__ = ["env_int"]


def env_int(name: str, default: int, env: Mapping[str, str] | None = None) -> int:
    """``int(env[name])`` when set and not empty, else ``default``."""
    env = os.environ if env is None else env
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number: fix or unset it") from None
