"""Bar charts drawn on the server as SVG data for ``manager/_chart.html``: geometry only, no rule.

Why SVG made here: the Content-Security-Policy refuses inline script and style, and a chart must not
need JavaScript, so the page draws plain ``<rect>``/``<text>`` with presentation attributes. Each bar's
figures are written as text on the chart (colour is never the only key: a second series is hatched and
named in the legend and in every row's words), and the page repeats every figure in a table beside it.

Amounts become whole minor units (ints) before any geometry, so money never turns into a float here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 640  # viewBox units; the SVG scales to its box, so it also fits a 320 px screen
BAR_WIDTH = 600
ROW_HEIGHT = 52
TOP = 44  # room for the legend


@dataclass(frozen=True, slots=True)
class Segment:
    x: int
    width: int
    series: int  # 0: solid, 1: hatched (see the legend)


@dataclass(frozen=True, slots=True)
class Row:
    label: str  # the words drawn above the bar, figures included
    y: int
    segments: tuple[Segment, ...]
    marker_x: int | None = None  # e.g. the budget line


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart: one row per item, up to two series stacked, an optional marker per row."""

    key: str  # unique on the page (pattern ids)
    title: str
    description: str
    series: tuple[str, ...]
    rows: tuple[Row, ...]
    marker_words: str | None = None
    height: int = field(default=0)

    @property
    def empty(self) -> bool:
        return not self.rows


def _scale(value: int, largest: int) -> int:
    if largest <= 0 or value <= 0:
        return 0
    return max(1, value * BAR_WIDTH // largest)


def whole(amount: Decimal | None, places: int = 2) -> int:
    """Whole minor units (or tenths of a day) for drawing; ``None`` and negatives draw as nothing."""
    if amount is None:
        return 0
    return max(0, int(amount.scaleb(places).to_integral_value()))


def bar_chart(key: str, title: str, description: str, series: Sequence[str],
              items: Sequence[tuple[str, Sequence[int], int | None]], *, marker_words: str | None = None) -> BarChart:
    """``items``: (words, values per series in whole units, marker or None), drawn on one shared scale."""
    largest = max((max(sum(values), marker or 0) for _, values, marker in items), default=0)
    rows = []
    for i, (words, values, marker) in enumerate(items):
        y = TOP + i * ROW_HEIGHT
        x = 0
        segments = []
        for series_index, value in enumerate(values):
            width = _scale(value, largest)
            if width:
                segments.append(Segment(x, width, series_index))
            x += width
        rows.append(Row(words, y, tuple(segments), _scale(marker, largest) if marker is not None else None))
    height = TOP + len(rows) * ROW_HEIGHT + 4
    return BarChart(key, title, description, tuple(series), tuple(rows), marker_words, height)
