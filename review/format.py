"""How the desk prints values: codes as French (or English) words, dates and times in the
readers' time zone (``VEILLEUR_TIMEZONE``, Europe/Paris), amounts the French way, CPV codes
with their label and places by name. Registered as template globals by the app factory."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from review import i18n
from vocabulary.cpv import cpv_with_label
from vocabulary.labels import label as _label
from vocabulary.places import place_label

__all__ = ["TEMPLATE_GLOBALS", "amount", "label", "local_dt", "timezone"]


def timezone() -> ZoneInfo:
    try:
        return ZoneInfo(os.environ.get("VEILLEUR_TIMEZONE") or "Europe/Paris")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Paris")


def local_dt(value: datetime | None, empty: str = "—") -> str:
    """``01/12/2026 12:00 (heure de Paris)`` from a UTC time; ``empty`` for None."""
    if value is None:
        return empty
    here = value.astimezone(timezone())
    zone = i18n.translate("time.zone")
    return f"{here:%d/%m/%Y %H:%M} ({zone})"


def amount(value: float | None, currency: str | None = None) -> str:
    """``1 234 567 €``; "" when unknown (DECP's 0 and filler values are not amounts)."""
    if value is None or value <= 0:
        return ""
    digits = f"{value:,.0f}".replace(",", "\u202f")
    unit = "€" if (currency or "EUR").upper() == "EUR" else currency or ""
    return f"{digits} {unit}".strip()


def label(family: str, code: str | None) -> str:
    """A code (kind, category, field, relation, verdict) in the page's language."""
    return _label(family, code, i18n.current_language())


TEMPLATE_GLOBALS: dict[str, Any] = {
    "label": label,
    "local_dt": local_dt,
    "amount": amount,
    "cpv": cpv_with_label,
    "place": place_label,
}
