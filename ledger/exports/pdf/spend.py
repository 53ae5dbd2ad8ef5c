"""The project spend report PDF: spend against budget, time recognised, how fast people were paid.

Landscape, because the per-project table has a dozen columns a manager wants side by side. A chart
of spend by month (and by project, when there is more than one) shows the shape at a glance; the
tables under it carry the exact figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.chart import stacked_bar_chart
from ledger.exports.pdf.recognition_glance import glance_flowables
from ledger.exports.pdf.text import duration, markup, money, month_label, plain_date, plural
from ledger.reports.spend_data import ProjectSpend, SpendReport

PROJECT_COLUMNS = (
    "Project",
    "Budget",
    "Committed",
    "Paid",
    "Remaining",
    "Fees",
    "Expenses",
    "Time paid for",
    "Time declined",
    "Declined value",
    "People",
    "Days to payment",
)
PROJECT_FRACTIONS = (0.14, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.08, 0.05, 0.09)


def _days(value: Decimal | None) -> str:
    return "none yet" if value is None else f"{value.normalize():f}"


class SpendReportRenderer(PdfRenderer):
    """Spend per project for a period, with charts."""

    pagesize = landscape(A4)
    left_margin = 15 * mm
    right_margin = 15 * mm
    table_size = 9
    chart_height: float = 230

    def __init__(self, report: SpendReport) -> None:
        self.report = report

    def title(self) -> str:
        r = self.report
        return f"{r.title}, {plain_date(r.period_from)} to {plain_date(r.period_to)}"

    def author(self) -> str:
        return self.report.title

    def subject(self) -> str:
        return "Spend on involvement against budget, time recognised, and days to payment"

    def footer_text(self) -> str:
        return f"{self.report.title}: made on {plain_date(self.report.generated_on)}"

    def money(self, amount: Decimal | None) -> str:
        return "no budget" if amount is None else money(amount, self.report.currency)

    def story(self) -> list[Flowable]:
        r = self.report
        flow: list[Flowable] = [
            self.para(markup(r.title), "title"),
            self.para(
                f"Covers {plain_date(r.period_from)} to {plain_date(r.period_to)}. "
                f"Made on {plain_date(r.generated_on)}."
            ),
            self.para(markup(self.summary_text())),
            self.para(
                "Committed is money approved but not paid yet; remaining is the budget less committed and paid. "
                "Declined value is time people "
                "chose not to be paid for: recognised here, but neither paid nor owed. Days to payment "
                "run from the activity to the day the payment was made."
            ),
            self.projects_table(),
        ]
        flow.extend(self.charts())
        flow.extend(glance_flowables(self, r.involvement))  # involvement at a glance (recognition_glance)
        for project in r.projects:
            flow.extend(self.project_detail(project))
        return flow

    def summary_text(self) -> str:
        """The opening paragraph: each number is named for exactly what it is.

        Approved = fees + expenses = paid + committed (``ledger.reports.spend``); the sentence says so, so a
        reader can add it up (before, "£1,409.23 was committed (£10,101.46 in fees and £792.30 in
        expenses)" put the approved total's parts beside the committed figure).
        """
        t, cur = self.report.totals, self.report.currency
        approved = t.fees + t.expenses
        text = (
            f"Across {plural(len(self.report.projects), 'project')}, {money(approved, cur)} was approved for "
            f"activities in this period: {money(t.fees, cur)} in fees and {money(t.expenses, cur)} in expenses. "
            f"Of that, {money(t.paid, cur)} has been paid and {money(t.committed, cur)} is committed "
            f"(approved but not paid yet). People gave {duration(t.minutes_paid)} of involvement that is paid "
            f"for, and {duration(t.minutes_declined)} without pay, worth {money(t.declined_value, cur)}. "
        )
        if t.declined_expenses:
            text += (f"People also chose not to be paid back {money(t.declined_expenses, cur)} of travel and "
                     "other costs. ")
        text += f"{plural(t.participants, 'person', 'people')} took part."
        if t.days_to_payment_median is not None:
            text += f" Half of the payments were made within {_days(t.days_to_payment_median)} days of the activity"
            text += (
                f" and 90% within {_days(t.days_to_payment_p90)} days." if t.days_to_payment_p90 is not None else "."
            )
        return text

    def project_row(self, project: ProjectSpend, label: str, *, bold: bool = False) -> list[Any]:
        cell, right = ("cell_bold", "cell_right_bold") if bold else ("cell", "cell_right")
        days = _days(project.days_to_payment_median)
        if project.days_to_payment_p90 is not None:
            days += f" (90%: {_days(project.days_to_payment_p90)})"
        values = [
            self.money(project.budget),
            self.money(project.committed),
            self.money(project.paid),
            self.money(project.remaining),
            self.money(project.fees),
            self.money(project.expenses),
            duration(project.minutes_paid),
            duration(project.minutes_declined),
            self.money(project.declined_value),
            str(project.participants),
            days,
        ]
        return [self.para(label, cell), *(self.para(markup(v), right) for v in values)]

    def projects_table(self) -> Flowable:
        rows: list[list[Any]] = [self.header_cells(PROJECT_COLUMNS, money_from=1)]
        for p in self.report.projects:
            rows.append(self.project_row(p, f"<b>{markup(p.code)}</b> {markup(p.name)}"))
        rows.append(self.project_row(self.report.totals, markup(self.report.totals.name), bold=True))
        return self.table(rows, PROJECT_FRACTIONS, money_from=1, bold_rows=[len(rows) - 1])

    def charts(self) -> list[Flowable]:
        r = self.report
        flow: list[Flowable] = []
        months = r.months()
        if months:
            flow.append(CondPageBreak(self.chart_height + 40))
            flow.append(Spacer(1, 12))
            flow.append(
                stacked_bar_chart(
                    "Spend by month, all projects",
                    [month_label(m.month) for m in months],
                    [m.fees for m in months],
                    [m.expenses for m in months],
                    r.currency,
                    width=self.frame_width,
                    height=self.chart_height,
                )
            )
        else:
            flow.append(self.para("There was no spend by month to chart in this period."))
        if len(r.projects) > 1:
            flow.append(CondPageBreak(self.chart_height + 40))
            flow.append(Spacer(1, 12))
            flow.append(
                stacked_bar_chart(
                    "Spend by project",
                    [p.code for p in r.projects],
                    [p.fees for p in r.projects],
                    [p.expenses for p in r.projects],
                    r.currency,
                    width=self.frame_width,
                    height=self.chart_height,
                    horizontal=True,
                )
            )
        return flow

    def project_detail(self, project: ProjectSpend) -> list[Flowable]:
        flow: list[Flowable] = [self.para(f"{markup(project.code)}: {markup(project.name)}", "heading")]
        if project.by_activity:
            rows: list[list[Any]] = [self.header_cells(["Activity", "Fees", "Expenses", "Time"], money_from=1)]
            for a in project.by_activity:
                rows.append(
                    [
                        self.para(markup(a.label), "cell"),
                        self.money(a.fees),
                        self.money(a.expenses),
                        self.para(duration(a.minutes), "cell_right"),
                    ]
                )
            flow.append(self.table(rows, (0.4, 0.2, 0.2, 0.2), money_from=1))
        if project.by_month:
            flow.append(Spacer(1, 8))
            rows = [self.header_cells(["Month", "Fees", "Expenses", "Total"], money_from=1)]
            for m in project.by_month:
                rows.append(
                    [
                        self.para(month_label(m.month), "cell"),
                        self.money(m.fees),
                        self.money(m.expenses),
                        self.money(m.fees + m.expenses),
                    ]
                )
            flow.append(self.table(rows, (0.4, 0.2, 0.2, 0.2), money_from=1))
        if not project.by_activity and not project.by_month:
            flow.append(self.para("No spend recorded for this project in this period."))
        return [KeepTogether(flow[:2]), *flow[2:]]


def render_spend_report(report: SpendReport) -> bytes:
    """The spend report as PDF bytes."""
    return SpendReportRenderer(report).render()
