"""Charts drawn as SVG on the server (no JavaScript, no CDN): bars and lines."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    width: int = 640,
    bar_height: int = 22,
    maximum: float | None = None,
    unit: str = "",
) -> SafeString:
    """Horizontal bars, one per label, with the value written after the bar."""
    top = maximum or max([v or 0 for v in values] + [1])
    label_w, gap = 180, 6
    height = len(labels) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    span = width - label_w - 70
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = gap + i * (bar_height + gap)
        w = 0 if value is None else max(1, int(span * value / top))
        text = "–" if value is None else f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.0f}" text-anchor="end" '
            f'font-size="12">{escape(label[:18])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_height}" fill="#3b7dd8"/>'
            f'<text x="{label_w + w + 4}" y="{y + bar_height * 0.7:.0f}" font-size="12">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(
    labels: Sequence[str], values: Sequence[float], *, width: int = 640, height: int = 200
) -> SafeString:
    """A line with dots and the first/last labels on the x axis."""
    pad = 30
    top = max([*values, 1])
    n = max(len(values) - 1, 1)
    points = [
        (pad + (width - 2 * pad) * i / n, height - pad - (height - 2 * pad) * v / top)
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#999"/>',
        f'<polyline fill="none" stroke="#d8553b" stroke-width="2" points="{path}"/>',
    ]
    for (x, y), value, label in zip(points, values, labels, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#d8553b"><title>{escape(label)}: '
            f"{value:g}</title></circle>"
        )
    if labels:
        parts.append(
            f'<text x="{pad}" y="{height - 8}" font-size="11">{escape(labels[0])}</text>'
            f'<text x="{width - pad}" y="{height - 8}" font-size="11" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
