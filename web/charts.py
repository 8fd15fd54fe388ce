"""Charts as inline SVG built on the server: they show without JavaScript, print, and need no
chart library. Each is an image to assistive technology (`role="img"`, a `<title>` and a
`<desc>` that says the figures in words); the page puts the same figures in a table beside it.

Colours come from classes styled in web/static/darvazeh.css (the CSP allows no inline style);
right-to-left pages get mirrored bars, so a bar grows from where the reader starts reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
_BAR_ROW = 46  # a label line above each bar
_BAR_HEIGHT = 16
_VALUE_ROOM = 76  # room beside the longest bar for its value


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    share: float  # 0..1: how much of the bar is filled
    value: str  # the share (or count) as shown, in the reader's digits


@dataclass(frozen=True, slots=True)
class Point:
    label: str  # the day, as the reader writes it
    share: float  # 0..1
    value: str


def _open(
    chart_id: str, height: int, title: str, description: str, kind: str, width: int = WIDTH
) -> list[str]:
    chart = escape(chart_id)
    return [
        f'<svg class="chart chart-{kind}" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart}-title {chart}-desc" focusable="false">',
        f'<title id="{chart}-title">{escape(title)}</title>',
        f'<desc id="{chart}-desc">{escape(description)}</desc>',
    ]


def _text(x: float, y: float, content: str, *, rtl: bool, end: bool = False, cls: str = "") -> str:
    """Text anchored at x: where it starts in its reading direction, or where it ends."""
    direction = ' direction="rtl"' if rtl else ""
    anchor = "end" if end else "start"
    css = f' class="{cls}"' if cls else ""
    place = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"'
    return f"<text {place}{direction}{css}>{escape(content)}</text>"


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str, rtl: bool
) -> Markup:
    """One horizontal bar per row, its label above it and its value beside it; 0..100% wide."""
    height = max(1, len(bars)) * _BAR_ROW + 8
    scale = WIDTH - _VALUE_ROOM
    parts = _open(chart_id, height, title, description, "bars")
    for index, bar in enumerate(bars):
        top = index * _BAR_ROW
        length = max(0.0, min(1.0, bar.share)) * scale
        base_y = top + 18 + _BAR_HEIGHT
        track_x = _VALUE_ROOM if rtl else 0
        fill_x = WIDTH - length if rtl else 0
        value_x = WIDTH - length - 6 if rtl else length + 6
        label_x = WIDTH if rtl else 0
        parts += [
            _text(label_x, top + 13, bar.label, rtl=rtl, cls="label"),
            f'<rect class="track" x="{track_x}" y="{top + 18}" width="{scale}" '
            f'height="{_BAR_HEIGHT}" rx="3"/>',
            f'<rect class="bar" x="{fill_x:.1f}" y="{top + 18}" width="{length:.1f}" '
            f'height="{_BAR_HEIGHT}" rx="3"/>',
            _text(value_x, base_y - 3, bar.value, rtl=rtl, cls="value"),
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    description: str,
    rtl: bool,
    axis: Sequence[tuple[float, str]],
) -> Markup:
    """The share over time as a line with a dot per day, oldest first (from the reader's side:
    right to left in Persian), against gridlines at `axis` ((share, label) pairs)."""
    height, top, bottom, room = 220, 12, 190, 56
    plot = WIDTH - room - 8
    parts = _open(chart_id, height + 24, title, description, "trend")

    def y_of(share: float) -> float:
        return bottom - max(0.0, min(1.0, share)) * (bottom - top)

    def x_of(index: int) -> float:
        step = plot / max(1, len(points) - 1)
        offset = index * step if len(points) > 1 else plot / 2
        return WIDTH - room - offset if rtl else room + offset

    for share, label in axis:
        y = y_of(share)
        line_from, line_to = (0, plot) if rtl else (room, WIDTH - 8)
        parts.append(
            f'<line class="grid" x1="{line_from}" x2="{line_to}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(_text(WIDTH - 4 if rtl else 4, y + 4, label, rtl=rtl, cls="axis"))
    coordinates = [(x_of(index), y_of(point.share)) for index, point in enumerate(points)]
    if len(coordinates) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for (x, y), point in zip(coordinates, points, strict=True):
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4">'
            f"<title>{escape(point.label)}: {escape(point.value)}</title></circle>"
        )
    if points:
        first, last = points[0], points[-1]
        parts.append(_text(coordinates[0][0], height + 14, first.label, rtl=rtl, cls="axis",
                           end=not rtl and len(points) == 1))  # fmt: skip
        if len(points) > 1:
            parts.append(_text(coordinates[-1][0], height + 14, last.label, rtl=rtl, cls="axis",
                               end=True))  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))


SPARK_WIDTH, SPARK_HEIGHT = 120, 32


def sparkline(
    points: Sequence[Point], *, chart_id: str, title: str, description: str, rtl: bool
) -> Markup:
    """A small line of the share over time, 0 at the bottom and 100% at the top, oldest first
    from the reader's side, the newest day a dot: for a table's row, where its `<desc>` says
    the first and the last figure (the day-by-day table is on the row's own page)."""
    parts = _open(chart_id, SPARK_HEIGHT, title, description, "spark", SPARK_WIDTH)
    room, plot = 4, SPARK_WIDTH - 8
    step = plot / max(1, len(points) - 1)
    coordinates = []
    for index, point in enumerate(points):
        offset = index * step if len(points) > 1 else plot / 2
        x = SPARK_WIDTH - room - offset if rtl else room + offset
        y = SPARK_HEIGHT - room - max(0.0, min(1.0, point.share)) * (SPARK_HEIGHT - 2 * room)
        coordinates.append((x, y))
    parts.append(f'<line class="grid" x1="0" x2="{SPARK_WIDTH}" y1="{SPARK_HEIGHT - room}" '
                 f'y2="{SPARK_HEIGHT - room}"/>')  # fmt: skip
    if len(coordinates) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        parts.append(f'<polyline class="line" points="{path}"/>')
    if coordinates:
        x, y = coordinates[-1]
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
