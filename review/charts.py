"""Bar charts drawn on the server as inline SVG (CSP-safe, readable without JavaScript): a
``<rect>`` per period with a ``<title>`` tooltip, the first and last period and the maximum as
text. The table under each chart carries the same numbers."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart"]

_W, _H, _PAD = 900, 220, 28


def bar_chart(
    points: Sequence[tuple[str, float]], label: str, unit: str = "", css: str = "bars"
) -> Markup:
    """``points``: (period label, value) in order. An empty series draws an empty frame."""
    peak = max((v for _, v in points), default=0) or 1
    n = max(len(points), 1)
    step = (_W - 2 * _PAD) / n
    parts = [
        f'<svg class="chart {escape(css)}" viewBox="0 0 {_W} {_H}" role="img"'
        f' aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}"/>',
    ]
    for i, (period, value) in enumerate(points):
        h = (_H - 2 * _PAD) * (value / peak)
        x = _PAD + i * step
        text = f"{period} : {value:,.0f}{unit}".replace(",", " ")
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{_H - _PAD - h:.1f}" width="{max(step - 1, 1):.1f}"'
            f' height="{h:.1f}"><title>{escape(text)}</title></rect>'
        )
    if points:
        parts.append(f'<text x="{_PAD}" y="{_H - 8}">{escape(points[0][0])}</text>')
        parts.append(
            f'<text x="{_W - _PAD}" y="{_H - 8}" text-anchor="end">{escape(points[-1][0])}</text>'
        )
        top = f"{peak:,.0f}{unit}".replace(",", " ")
        parts.append(f'<text x="{_PAD}" y="{_PAD - 8}">max {escape(top)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
