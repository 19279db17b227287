"""Charts of the Bilan document: inline SVG drawn from query results (no script, no network).

Each function takes the points as (label, value) pairs read from the warehouse and a function
that writes a value the French way (formatting.py), and returns the SVG as Markup for the
template. A missing value (hidden or not covered) has no bar and is labelled "—".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from orchestration.bilan_document.formatting import MISSING, is_missing

Point = tuple[str, float | None]
Formatter = Callable[[float], str]

WIDTH = 640
COLOUR = "#2a7f8f"  # the teal of the Bilan's cover
HIGHLIGHT = "#c0562f"
MUTED = "#5f6b73"
FONT = 'font-family="DejaVu Sans, sans-serif"'


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, **attrs) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" {FONT}'
        f"{extra}>{escape(text)}</text>"
    )


def _svg(height: float, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _maximum(points: Sequence[Point]) -> float:
    values = [value for _, value in points if not is_missing(value)]
    return max([*values, 0.0]) or 1.0


def bar_chart(
    points: Sequence[Point], fmt: Formatter, title: str, highlight: str | None = None
) -> Markup:
    """Vertical bars, one per label (school years): the value above each bar."""
    height, top, bottom, side = 220.0, 24.0, 36.0, 16.0
    plot = height - top - bottom
    slot = (WIDTH - 2 * side) / max(len(points), 1)
    bar = min(slot * 0.6, 90.0)
    peak = _maximum(points)
    body = [
        f'<line x1="{side}" x2="{WIDTH - side}" y1="{top + plot}" y2="{top + plot}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    ]
    for index, (label, value) in enumerate(points):
        centre = side + slot * (index + 0.5)
        body.append(_text(centre, height - bottom + 18, label, fill=MUTED))
        if is_missing(value):
            body.append(_text(centre, top + plot - 6, MISSING))
            continue
        size = plot * max(float(value), 0.0) / peak
        colour = HIGHLIGHT if label == highlight else COLOUR
        body.append(
            f'<rect x="{centre - bar / 2:.1f}" y="{top + plot - size:.1f}" width="{bar:.1f}" '
            f'height="{size:.1f}" fill="{colour}"/>'
        )
        body.append(_text(centre, top + plot - size - 6, fmt(float(value)), font_weight="bold"))
    return _svg(height, title, body)


def horizontal_bar_chart(
    points: Sequence[Point], fmt: Formatter, title: str, label_width: float = 230.0
) -> Markup:
    """Horizontal bars, one row per label (categories, services): the value after each bar."""
    row, top = 24.0, 8.0
    height = top * 2 + row * max(len(points), 1)
    span = WIDTH - label_width - 110.0
    peak = _maximum(points)
    body = []
    for index, (label, value) in enumerate(points):
        y = top + row * index
        body.append(_text(label_width - 8, y + 16, label, anchor="end"))
        if is_missing(value):
            body.append(_text(label_width + 4, y + 16, MISSING, anchor="start"))
            continue
        size = span * max(float(value), 0.0) / peak
        body.append(
            f'<rect x="{label_width:.1f}" y="{y + 4:.1f}" width="{size:.1f}" '
            f'height="{row - 8:.1f}" fill="{COLOUR}"/>'
        )
        body.append(_text(label_width + size + 6, y + 16, fmt(float(value)), anchor="start"))
    return _svg(height, title, body)


def line_chart(points: Sequence[Point], fmt: Formatter, title: str) -> Markup:
    """A line through the points (months), the axis marked at zero and at the largest value."""
    height, top, bottom, left, right = 230.0, 20.0, 40.0, 96.0, 20.0
    plot, span = height - top - bottom, WIDTH - left - right
    peak = _maximum(points)
    step = span / max(len(points) - 1, 1)
    body = []
    for level in (0.0, peak):
        y = top + plot - plot * level / peak
        body.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d5dadd" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, fmt(level), anchor="end", fill=MUTED))
    coordinates = []
    for index, (label, value) in enumerate(points):
        x = left + step * index
        body.append(_text(x, height - bottom + 16, label, size=9, fill=MUTED))
        if not is_missing(value):
            coordinates.append((x, top + plot - plot * max(float(value), 0.0) / peak))
    if coordinates:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        body.append(f'<polyline points="{path}" fill="none" stroke="{COLOUR}" stroke-width="2.5"/>')
        body += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOUR}"/>' for x, y in coordinates
        ]
    return _svg(height, title, body)
