"""Participant statements in the standard and large print styles.

Order of a statement (every style): who and when; a plain summary; each activity with how its money was
worked out; payments received; time the person chose not to be paid for; totals per tax year and, when
the person has weekly limits, per week with the limit beside it; where the rates come from. Money for
time and costs paid back sit in separate columns everywhere and are never added together except in a
payment's total.

Long statements are tables that split across pages with their header row repeated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.statement_text import (
    CHECK_NOTE,
    DECLINED_NOTE,
    EXPENSES_NOTE,
    WATCH_NOTE,
    status_text,
    summary_sentences,
)
from ledger.exports.pdf.text import duration, long_date, markup, mode_words, money, plain_date, short_date
from ledger.reports.statement_data import PeriodTotal, Statement, StatementActivity

TIME_HEADING = "For your time"
COSTS_HEADING = "Costs paid back"


class StatementRenderer(PdfRenderer):
    """The standard style: 11 point body, clear headings, a date column in the activity table."""

    date_column: ClassVar[bool] = True
    combine_payment_cells: ClassVar[bool] = False
    totals_fractions: ClassVar[tuple[float, ...]] = (0.4, 0.2, 0.2, 0.2)
    # An activity with up to this many rows stays on one page; a longer one keeps at least its first
    # reason with it (a whole block taller than a page could not be placed at all).
    unbroken_rows: ClassVar[int] = 8

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self.currency = statement.currency

    # ---- metadata --------------------------------------------------------------------------------
    def title(self) -> str:
        s = self.statement
        return (
            f"Payment statement for {s.participant_reference}, {plain_date(s.period_from)} to {plain_date(s.period_to)}"
        )

    def author(self) -> str:
        return self.statement.organisation_name

    def subject(self) -> str:
        return "What you were paid for taking part, and how each amount was worked out"

    def footer_text(self) -> str:
        return f"Statement for {self.statement.participant_reference}"

    def money(self, amount: Any) -> str:
        return money(amount, self.currency)

    # ---- the story -------------------------------------------------------------------------------
    def story(self) -> list[Flowable]:
        flow: list[Flowable] = []
        for block in (
            self.title_block,
            self.summary_block,
            self.activities_block,
            self.payments_block,
            self.declined_block,
            self.period_totals_block,
            self.sources_block,
        ):
            flow.extend(block())
        return flow

    def title_block(self) -> list[Flowable]:
        s = self.statement
        return [
            self.para("Your payment statement", "title"),
            self.para(f"From <b>{markup(s.organisation_name)}</b>"),
            self.para(f"For <b>{markup(s.participant_name)}</b> (reference {markup(s.participant_reference)})"),
            self.para(
                f"Covers {plain_date(s.period_from)} to {plain_date(s.period_to)}. "
                f"Made on {plain_date(s.generated_on)}."
            ),
        ]

    def summary_block(self) -> list[Flowable]:
        sentences = summary_sentences(self.statement.summary, self.currency)
        return [
            self.para("Summary", "heading"),
            self.para(markup(" ".join(sentences))),
            self.summary_table(),
            Spacer(1, self.paragraph_space),
            self.para(markup(EXPENSES_NOTE)),
        ]

    def summary_table(self) -> Flowable:
        s = self.statement.summary
        rows: list[list[Any]] = [
            self.header_cells(["", TIME_HEADING, COSTS_HEADING], money_from=1),
            self._money_row("Paid to you", s.fees_paid, s.expenses_paid),
            self._money_row("Not paid yet", s.fees_owed, s.expenses_owed),
        ]
        if s.declined_count:
            rows.append(
                [
                    self.para("You chose not to be paid (value of your time)", "cell"),
                    self.money(s.declined_value),
                    "",
                ]
            )
        return self.table(rows, (0.5, 0.25, 0.25), money_from=1)

    def _money_row(self, label: str, fees: Any, expenses: Any) -> list[Paragraph]:
        return [
            self.para(label, "cell"),
            self.money(fees),
            self.money(expenses),
        ]

    # ---- activities ------------------------------------------------------------------------------
    def activities_block(self) -> list[Flowable]:
        flow: list[Flowable] = [self.para("Your activities and how we worked out the money", "heading")]
        if not self.statement.activities:
            return [*flow, self.para("There are no activities in this period.")]
        flow.append(self.para("Each activity is in bold, with the reasons for each amount underneath it."))
        labels = ["What happened and how we worked it out", TIME_HEADING, COSTS_HEADING]
        if self.date_column:
            labels.insert(0, "Date")
        rows: list[list[Any]] = [self.header_cells(labels, money_from=len(labels) - 2)]
        bold_rows: list[int] = []
        unbroken: list[tuple[int, int]] = []
        for activity in self.statement.activities:
            bold_rows.append(len(rows))
            rows.append(self.activity_row(activity))
            rows.extend(self.line_rows(activity))
            first, last = bold_rows[-1], len(rows) - 1
            unbroken.append((first, last if last - first < self.unbroken_rows else first + 1))
        fractions = self.activity_fractions
        return [
            *flow,
            self.table(
                rows,
                fractions,
                money_from=len(labels) - 2,
                bold_rows=bold_rows,
                shaded_rows=bold_rows,
                unbroken=unbroken,
            ),
        ]

    def activity_description(self, activity: StatementActivity) -> str:
        role = "" if activity.role in ("", "member") else f", as {markup(activity.role)}"
        text = (
            f"<b>{markup(activity.activity_label)}</b>, {markup(activity.project_name)}"
            f" ({markup(mode_words(activity.mode))}{role}). Time: {duration(activity.minutes)}. "
            f"{markup(status_text(activity, self.currency))}"
        )
        if not self.date_column:
            text = f"<b>{long_date(activity.date)}</b><br/>{text}"
        return text

    def activity_row(self, activity: StatementActivity) -> list[Paragraph]:
        cells = [
            self.para(self.activity_description(activity), "cell"),
            self.amount_cell(self._amount_text(activity, activity.fees, is_fee=True), bold=True),
            self.amount_cell(self._amount_text(activity, activity.expenses, is_fee=False), bold=True),
        ]
        if self.date_column:
            cells.insert(0, self.para(short_date(activity.date), "cell_bold"))
        return cells

    @property
    def activity_fractions(self) -> tuple[float, ...]:
        return (0.15, 0.55, 0.15, 0.15) if self.date_column else (0.56, 0.22, 0.22)

    def line_rows(self, activity: StatementActivity) -> list[list[Any]]:
        rows = []
        width = self.frame_width * self.activity_fractions[1 if self.date_column else 0] - 2 * self.cell_padding
        for line in activity.lines:
            amount = self.amount_cell(self._amount_text(activity, line.amount, is_fee=line.is_fee))
            blank = ""
            cells = [
                self.text_cell(line.explanation, width),
                *((amount, blank) if line.is_fee else (blank, amount)),
            ]
            if self.date_column:
                cells.insert(0, "")
            rows.append(cells)
        return rows

    def _amount_text(self, activity: StatementActivity, amount: Any, *, is_fee: bool) -> str:
        text = self.money(amount)
        if activity.status == "reversed":
            return f"{text} not counted"
        if is_fee and activity.declined:
            return f"worth {text}"
        return text

    # ---- payments --------------------------------------------------------------------------------
    def payments_block(self) -> list[Flowable]:
        flow: list[Flowable] = [self.para("Payments made to you", "heading")]
        payments = self.statement.payments
        if not payments:
            return [*flow, self.para("No payments were made to you in this period.")]
        flow.append(self.para("The reference is what you will see on your bank statement or voucher."))
        if self.combine_payment_cells:
            rows: list[list[Any]] = [self.header_cells(["Payment", TIME_HEADING, COSTS_HEADING, "Total"], money_from=1)]
            for p in payments:
                rows.append(
                    [
                        self.para(
                            f"{plain_date(p.date)}<br/>{markup(p.method_label)}<br/>Reference: {markup(p.reference)}",
                            "cell",
                        ),
                        *self._amounts(p.fees, p.expenses, p.total),
                    ]
                )
            return [*flow, self.table(rows, (0.34, 0.22, 0.22, 0.22), money_from=1)]
        rows = [self.header_cells(["Date", "How", "Reference", TIME_HEADING, COSTS_HEADING, "Total"], money_from=3)]
        for p in payments:
            rows.append(
                [
                    self.para(short_date(p.date), "cell"),
                    self.para(markup(p.method_label), "cell"),
                    self.para(markup(p.reference), "cell"),
                    *self._amounts(p.fees, p.expenses, p.total),
                ]
            )
        return [*flow, self.table(rows, (0.14, 0.2, 0.2, 0.15, 0.16, 0.15), money_from=3)]

    def _amounts(self, *amounts: Any) -> list[Paragraph]:
        return [self.money(a) for a in amounts]

    # ---- declined time ---------------------------------------------------------------------------
    def declined_block(self) -> list[Flowable]:
        declined = [a for a in self.statement.activities if a.declined and a.counted]
        if not declined:
            return []
        rows: list[list[Any]] = [self.header_cells(["Activity", "Time", "Value of your time"], money_from=2)]
        for a in declined:
            rows.append(
                [
                    self.para(f"{plain_date(a.date)}: {markup(a.activity_label)}, {markup(a.project_name)}", "cell"),
                    self.para(duration(a.minutes), "cell"),
                    self.money(a.fees),
                ]
            )
        s = self.statement.summary
        rows.append(
            [
                self.para("Total", "cell_bold"),
                self.para(duration(s.declined_minutes), "cell_bold"),
                self.money(s.declined_value),
            ]
        )
        return [
            self.para("Time you chose not to be paid for", "heading"),
            self.para(markup(DECLINED_NOTE)),
            self.table(rows, (0.5, 0.25, 0.25), money_from=2, bold_rows=[len(rows) - 1]),
        ]

    # ---- totals per period -----------------------------------------------------------------------
    def period_totals_block(self) -> list[Flowable]:
        s = self.statement
        flow: list[Flowable] = []
        if s.watch_limits:
            flow.append(self.para("Limits you asked us to watch", "heading"))
            flow.append(self.para(markup(WATCH_NOTE)))
            for limit in s.watch_limits:
                per = "a week" if limit.period == "week" else "in a tax year"
                flow.append(self.para(f"&bull; {markup(limit.label)}: {self.money(limit.amount)} {per}"))
        if s.tax_years:
            flow.append(self.para("Totals for each tax year", "heading"))
            flow.append(self.para("A tax year runs from 6 April to 5 April the next year."))
            flow.append(self.totals_table("Tax year", s.tax_years))
        if s.weeks:
            flow.append(self.para("Totals for each week", "heading"))
            flow.append(
                self.para(
                    "Weeks start on a Monday. Only money for your time counts towards a weekly "
                    "limit; costs paid back do not."
                )
            )
            flow.append(self.totals_table("Week", s.weeks))
        return flow

    def totals_table(self, first: str, totals: tuple[PeriodTotal, ...]) -> Flowable:
        labels = [first, TIME_HEADING, COSTS_HEADING, "Chose not to be paid"]
        rows: list[list[Any]] = [self.header_cells(labels, money_from=1)]
        for total in totals:
            rows.append(
                [
                    self.para(self.period_label(total), "cell"),
                    *self._amounts(total.fees, total.expenses, total.declined),
                ]
            )
        return self.table(rows, self.totals_fractions, money_from=1)

    def period_label(self, total: PeriodTotal) -> str:
        text = f"<b>{markup(total.label)}</b>"
        if total.limit is not None:
            text += f"<br/>{markup(total.limit_label or 'Limit')}: {self.money(total.limit)}"
            if total.over_limit:
                text += "<br/><b>Money for your time is more than this limit.</b>"
        return text

    # ---- sources ---------------------------------------------------------------------------------
    def sources_block(self) -> list[Flowable]:
        flow: list[Flowable] = []
        if self.statement.rate_card_sources:
            flow.append(self.para("Where our rates come from", "heading"))
            flow.extend(self.para(f"&bull; {markup(source)}") for source in self.statement.rate_card_sources)
        flow.append(Spacer(1, self.paragraph_space * 2))
        flow.append(self.para(markup(CHECK_NOTE)))
        return flow


class LargePrintStatementRenderer(StatementRenderer):
    """Large print: 16 point body, 22 point headings, wider spacing, fewer and wider table columns."""

    left_margin = 15 * mm
    right_margin = 15 * mm
    body_size = 16
    table_size = 16
    heading_size = 22
    title_size = 28
    footer_size = 14
    leading_ratio = 1.45
    paragraph_space = 10
    heading_space = 22
    cell_padding = 7
    bottom_margin = 26 * mm
    date_column = False
    combine_payment_cells = True
    totals_fractions = (0.34, 0.22, 0.22, 0.22)
    unbroken_rows = 5
