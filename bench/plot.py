"""A small SVG line chart with no dependencies, for bench/results/scaling.svg.

Each panel plots one figure against one parameter for each target, both
axes logarithmic, with the measured points marked and labelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLOURS = {"qemu": "#d62728", "qmonitor": "#1f77b4"}
WIDTH, HEIGHT = 460, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50


@dataclass
class Panel:
    title: str
    x_label: str
    y_label: str
    #: target name → [(x, y)], x and y > 0
    series: dict[str, list[tuple[float, float]]]


def _ticks(lo: float, hi: float) -> list[float]:
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return [10.0**e for e in range(first, last + 1)]


def _fmt(v: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if v >= scale:
            return f"{v / scale:g}{unit}"
    return f"{v:g}"


def _panel(p: Panel, dx: int) -> list[str]:
    points = [pt for s in p.series.values() for pt in s if pt[0] > 0 and pt[1] > 0]
    if not points:
        return []
    xs = _ticks(min(x for x, _ in points), max(x for x, _ in points))
    ys = _ticks(min(y for _, y in points), max(y for _, y in points))
    x0, x1 = math.log10(xs[0]), math.log10(xs[-1]) or 1
    y0, y1 = math.log10(ys[0]), math.log10(ys[-1]) or 1
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return dx + LEFT + (math.log10(x) - x0) / ((x1 - x0) or 1) * w

    def py(y: float) -> float:
        return TOP + h - (math.log10(y) - y0) / ((y1 - y0) or 1) * h

    out = [
        f'<text x="{dx + WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">'
        f"{escape(p.title)}</text>",
        f'<rect x="{dx + LEFT}" y="{TOP}" width="{w}" height="{h}" fill="none" stroke="#888"/>',
        f'<text x="{dx + LEFT + w / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{escape(p.x_label)}</text>",
        f'<text x="{dx + 14}" y="{TOP + h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 {dx + 14} {TOP + h / 2})">{escape(p.y_label)}</text>',
    ]
    for x in xs:
        out.append(
            f'<line x1="{px(x):.1f}" y1="{TOP}" x2="{px(x):.1f}" y2="{TOP + h}" stroke="#eee"/>'
            f'<text x="{px(x):.1f}" y="{TOP + h + 16}" text-anchor="middle" font-size="11">'
            f"{_fmt(x)}</text>"
        )
    for y in ys:
        out.append(
            f'<line x1="{dx + LEFT}" y1="{py(y):.1f}" x2="{dx + LEFT + w}" y2="{py(y):.1f}" '
            f'stroke="#eee"/><text x="{dx + LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{_fmt(y)}</text>'
        )
    for i, (name, series) in enumerate(sorted(p.series.items())):
        colour = COLOURS.get(name, "#2ca02c")
        pts = [(px(x), py(y)) for x, y in series if x > 0 and y > 0]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in pts]
        out.append(
            f'<text x="{dx + LEFT + 8}" y="{TOP + 16 + 16 * i}" fill="{colour}" '
            f'font-size="12">{escape(name)}</text>'
        )
    return out


def svg(panels: Sequence[Panel]) -> str:
    """The panels side by side, as one SVG document."""
    body: list[str] = []
    for i, p in enumerate(panels):
        body += _panel(p, i * WIDTH)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * len(panels)}" '
        f'height="{HEIGHT}" font-family="sans-serif" font-size="13">'
        '<rect width="100%" height="100%" fill="white"/>' + "".join(body) + "</svg>\n"
    )
