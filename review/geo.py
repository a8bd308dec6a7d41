"""The map of France drawn on the server as inline SVG: no JavaScript, no image request, so it
works under the desk's CSP (``script-src 'self'``, no inline style) and without scripts at all.

Outlines: ``review/geo/departements.geojson.gz`` (IGN Admin Express COG 2018 via france-geojson,
Licence Ouverte — see its README). They are projected once per process: longitude scaled by
cos 46.5° (at this size a conic projection changes nothing visible), metropolitan France fitted
into the right part of the view box and the five overseas départements drawn in insets on the
left, each to its own scale. Colour comes from CSS classes (``q0`` … ``q5``) in style.css.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

__all__ = ["ATTRIBUTION", "OVERSEAS", "departement_paths", "map_svg", "quantile_class"]

ATTRIBUTION = "Contours : IGN Admin Express COG 2018, via france-geojson — Licence Ouverte"
WIDTH, HEIGHT = 1000, 860
#: overseas départements drawn in insets, top to bottom
OVERSEAS = ("971", "972", "973", "974", "976")
_MAIN = (230.0, 10.0, 990.0, 850.0)  # x0, y0, x1, y1 of metropolitan France
_INSET_W, _INSET_H, _INSET_GAP = 190.0, 150.0, 17.0
_K = math.cos(math.radians(46.5))

Ring = list[tuple[float, float]]


def _rings(geometry: dict[str, Any]) -> list[Ring]:
    polys = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [[(lon * _K, -lat) for lon, lat in ring] for poly in polys for ring in poly]


def _fit(rings: list[Ring], box: tuple[float, float, float, float]) -> list[Ring]:
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    left, top, width, height = min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
    x0, y0, x1, y1 = box
    scale = min((x1 - x0) / width, (y1 - y0) / height)
    dx = x0 + ((x1 - x0) - width * scale) / 2
    dy = y0 + ((y1 - y0) - height * scale) / 2
    return [[((x - left) * scale + dx, (y - top) * scale + dy) for x, y in r] for r in rings]


def _d(rings: list[Ring]) -> str:
    return "".join(
        "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z" for ring in rings if len(ring) > 2
    )


def inset_box(code: str) -> tuple[float, float, float, float]:
    i = OVERSEAS.index(code)
    y0 = 10.0 + i * (_INSET_H + _INSET_GAP)
    return (10.0, y0, 10.0 + _INSET_W, y0 + _INSET_H)


_LOCK = threading.Lock()


def departement_paths() -> dict[str, tuple[str, str]]:
    """Département code -> (name, SVG path data), projected once per process."""
    with _LOCK:
        return _paths()


@lru_cache(maxsize=1)
def _paths() -> dict[str, tuple[str, str]]:
    blob = resources.files("review").joinpath("geo", "departements.geojson.gz").read_bytes()
    features = json.loads(gzip.decompress(blob))["features"]
    main = {f["properties"]["code"]: f for f in features if f["properties"]["code"] not in OVERSEAS}
    rings = {code: _rings(f["geometry"]) for code, f in main.items()}
    flat = [r for rs in rings.values() for r in rs]
    # fit all metropolitan rings together, then cut them back per département
    fitted = iter(_fit(flat, _MAIN))
    out = {
        code: (main[code]["properties"]["nom"], _d([next(fitted) for _ in rs]))
        for code, rs in rings.items()
    }
    for f in features:
        code = f["properties"]["code"]
        if code in OVERSEAS:
            out[code] = (f["properties"]["nom"], _d(_fit(_rings(f["geometry"]), inset_box(code))))
    return out


def quantile_class(value: int, thresholds: list[int]) -> str:
    """``q0`` for nothing, else ``q1`` … ``q5`` by the quintile thresholds."""
    if value <= 0:
        return "q0"
    return f"q{1 + sum(1 for t in thresholds if value > t)}"


def _thresholds(values: list[int]) -> list[int]:
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    return [positive[min(len(positive) - 1, len(positive) * k // 5)] for k in (1, 2, 3, 4)]


def map_svg(
    counts: Mapping[str, int], titles: Mapping[str, str], links: Mapping[str, str], label: str
) -> Markup:
    """The map: each département a link (to ``links[code]``) with a ``<title>`` tooltip, coloured
    by its count's quintile. Every piece of text is escaped here."""
    limits = _thresholds(list(counts.values()))
    parts = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="map-title"'
        f' xmlns="http://www.w3.org/2000/svg"><title id="map-title">{escape(label)}</title>'
    ]
    for code in OVERSEAS:
        x0, y0, x1, y1 = inset_box(code)
        parts.append(
            f'<rect class="inset" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/>'
        )
    for code, (name, d) in departement_paths().items():
        css = quantile_class(counts.get(code, 0), limits)
        title = escape(titles.get(code, f"{name} ({code})"))
        href = escape(links.get(code, ""))
        parts.append(
            f'<a href="{href}" id="dep-{escape(code)}"><path class="dep {css}" d="{d}">'
            f"<title>{title}</title></path></a>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
