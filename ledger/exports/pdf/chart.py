"""Bar charts of spend for the spend report, drawn with ``reportlab.graphics``.

Why integer minor units: bar heights are a drawing matter, but the house rule is that money never
becomes a float in our code. Amounts go to the chart as whole pence (ints) and the axis ticks are
chosen here as whole "nice" steps, so each axis label is looked up from an int we made, never printed
from a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from ledger.exports.pdf.text import money
from ledger.exports.pdf.typefaces import MAIN, string_font
from ledger.money import minor_units

FEES_COLOUR = colors.HexColor("#1F5A96")
EXPENSES_COLOUR = colors.HexColor("#E8A33D")
TICKS = 5


def to_minor(amount: Decimal, currency: str) -> int:
    """Whole minor units (pence) for drawing."""
    return int(amount.scaleb(minor_units(currency)).to_integral_value())


def nice_steps(largest: int, ticks: int = TICKS) -> list[int]:
    """Axis ticks 0, s, 2s, ... covering ``largest`` with s = 1, 2 or 5 times a power of ten."""
    if largest <= 0:
        return [0, 1]
    power = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * power
            if step * ticks >= largest:
                top = -(-largest // step) * step
                return list(range(0, top + step, step))
        power *= 10


def _axis_labels(steps: Sequence[int], currency: str) -> dict[int, str]:
    places = minor_units(currency)
    return {step: money(Decimal(step).scaleb(-places), currency) for step in steps}


def stacked_bar_chart(
    title: str,
    categories: Sequence[str],
    fees: Sequence[Decimal],
    expenses: Sequence[Decimal],
    currency: str,
    *,
    width: float,
    height: float,
    horizontal: bool = False,
) -> Drawing:
    """Fees and expenses stacked per category (a month or a project), with a legend and money axis."""
    fee_units = [to_minor(a, currency) for a in fees]
    expense_units = [to_minor(a, currency) for a in expenses]
    steps = nice_steps(max((f + e for f, e in zip(fee_units, expense_units, strict=True)), default=0))
    labels = _axis_labels(steps, currency)
    drawing = Drawing(width, height)
    title_font, title = string_font(title, bold=True)
    # One face for all category labels: the fallback when any label needs it (it has Latin letters too).
    label_font, _ = string_font("".join(categories))
    categories = [string_font(name)[1] for name in categories]
    drawing.add(String(0, height - 14, title, fontName=title_font, fontSize=12))
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    left = 150 if horizontal else 70
    chart.x, chart.y = left, 40
    chart.width, chart.height = width - left - 20, height - 90
    chart.data = [fee_units, expense_units]
    chart.categoryAxis.categoryNames = list(categories)
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = label_font
    chart.categoryAxis.labels.fontSize = 9
    if not horizontal and len(categories) > 8:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = steps[0]
    chart.valueAxis.valueMax = steps[-1]
    chart.valueAxis.valueSteps = steps
    chart.valueAxis.labelTextFormat = lambda value: labels.get(int(value), "")
    chart.valueAxis.labels.fontName = MAIN
    chart.valueAxis.labels.fontSize = 9
    chart.bars[0].fillColor = FEES_COLOUR
    chart.bars[1].fillColor = EXPENSES_COLOUR
    chart.bars.strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = left, height - 28
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 170
    legend.fontName = MAIN
    legend.fontSize = 10
    legend.colorNamePairs = [(FEES_COLOUR, "Fees (time)"), (EXPENSES_COLOUR, "Expenses (costs paid back)")]
    drawing.add(legend)
    return drawing
