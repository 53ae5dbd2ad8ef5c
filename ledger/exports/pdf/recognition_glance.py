"""The "Involvement at a glance" section of the spend report PDF (a block the spend renderer adds).

One table, a row per project (and one across them): people involved, time given, the share of it paid,
paid to organisations or given without pay, median days from activity to payment, and the share of
activities with an outcome reported back. A sentence names the projects where nothing was reported back
for more than half of the activities, so slipping is seen, not hidden in a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.platypus import Flowable

from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.text import duration, markup
from ledger.reports.involvement_glance_data import ProjectGlance

HEADINGS = ("Project", "People", "Time given", "Paid", "Paid to organisations", "Declined",
            "Median days to payment", "Outcome reported back")
FRACTIONS = (0.24, 0.07, 0.13, 0.08, 0.12, 0.09, 0.13, 0.14)
EXPLAINED = ("Time given counts every approved minute, paid or not. Paid, paid to organisations and declined "
             "are shares of that time. Days to payment run from the activity to the day the payment was made. "
             "Outcome reported back is the share of activities with an outcome added by a lead (on the "
             "activity, or on the whole project after it): what changed because of people's input.")


def _percent(value: Decimal | None) -> str:
    return "none yet" if value is None else f"{value}%"


def _days(value: Decimal | None) -> str:
    return "none paid yet" if value is None else f"{value}"


def glance_flowables(renderer: PdfRenderer, glance: Sequence[ProjectGlance]) -> list[Flowable]:
    """The heading, a short explanation, the table and, when any, the projects slipping on reporting back."""
    if not glance:
        return []
    rows: list[list[Any]] = [renderer.header_cells(list(HEADINGS), money_from=1)]
    width = renderer.frame_width * FRACTIONS[0]
    for item in glance:
        rows.append([renderer.text_cell(item.name, width), str(item.people), duration(item.minutes),
                     _percent(item.share_paid), _percent(item.share_paid_to_organisation),
                     _percent(item.share_declined), _days(item.days_to_payment_median),
                     f"{_percent(item.share_reported_back)} of {item.activities}"])
    totals = [len(rows) - 1] if len(glance) > 1 and glance[-1].code == "ALL" else []
    slipping = [g.name for g in glance if g.code != "ALL" and g.activities and
                (g.share_reported_back or Decimal(0)) < 50]
    flow: list[Flowable] = [
        renderer.para("Involvement at a glance", "heading"),
        renderer.para(markup(EXPLAINED)),
        renderer.table(rows, FRACTIONS, money_from=1, bold_rows=totals),
    ]
    if slipping:
        flow.append(renderer.para(markup("Nothing reported back yet for most activities of: " + ", ".join(slipping)
                                         + ". See `ledger outcomes overdue`.")))
    return flow
