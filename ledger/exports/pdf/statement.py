"""Participant statements in the standard and large print styles.

Order of a statement (every style): who and when; a plain summary; each activity with how its money was
worked out; payments received; time the person chose not to be paid for; totals per tax year and, when
the person has weekly limits, per week with the limit beside it; where the rates come from. Money for
time and costs paid back sit in separate columns everywhere and are never added together except in a
payment's total.

Long statements are tables that split across pages with their header row repeated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, TableStyle

from ledger.errors import FieldProblem
from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.recognition_statement import outcomes_flowables
from ledger.exports.pdf.statement_text import (
    DECLINED_NOTE,
    EXPENSES_NOTE,
    WATCH_NOTE,
    over_limit_help,
    short_reason,
    status_text,
    summary_sentences,
)
from ledger.exports.pdf.text import duration, long_date, markup, mode_words, money, plain_date, short_date
from ledger.organisation import SETUP_HINT, Organisation, OrganisationNotSet
from ledger.reports.statement_data import PeriodTotal, Statement, StatementActivity

TIME_HEADING = "For your time"
COSTS_HEADING = "Costs paid back"


class StatementRenderer(PdfRenderer):
    """The standard style: 10.5 point body, 9.5 point tables, a date column in the activity table.

    One table row per activity, its reasons in smaller type in the same cell, so a busy year of fifteen
    to twenty activities fits in two or three pages.
    """

    left_margin = 15 * mm
    right_margin = 15 * mm
    top_margin = 14 * mm
    body_size = 10
    table_size = 9
    heading_size = 14
    title_size = 18
    leading_ratio = 1.25
    heading_space = 10
    cell_padding = 2.5
    date_column: ClassVar[bool] = True
    quick_text = True
    max_unsplit_lines: ClassVar[int] = 20
    combine_payment_cells: ClassVar[bool] = False
    totals_fractions: ClassVar[tuple[float, ...]] = (0.4, 0.2, 0.2, 0.2)

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
        return f"Statement, reference {self.statement.participant_reference}"

    def money(self, amount: Any) -> str:
        return money(amount, self.currency)

    def require_contact(self) -> Organisation:
        """The organisation's contact details; a statement is never sent without someone to ask."""
        if self.statement.contact is None:
            raise OrganisationNotSet(
                f"the statement has no contact person to name; {SETUP_HINT}",
                [FieldProblem("contact", f"missing; {SETUP_HINT}")],
            )
        return self.statement.contact

    # ---- the story -------------------------------------------------------------------------------
    def story(self) -> list[Flowable]:
        flow: list[Flowable] = []
        for block in (
            self.title_block,
            self.summary_block,
            self.activities_block,
            self.payments_block,
            self.declined_block,
            self.outcomes_block,
            self.period_totals_block,
            self.sources_block,
        ):
            flow.extend(block())
        return flow

    def outcomes_block(self) -> list[Flowable]:
        return outcomes_flowables(self, self.statement.outcomes)  # what changed because of you

    def title_block(self) -> list[Flowable]:
        s = self.statement
        contact = self.require_contact()
        return [
            self.para("Your payment statement", "title"),
            self.para(f"From <b>{markup(s.organisation_name)}</b>, {markup(', '.join(contact.address_lines))}"),
            self.para(f"For <b>{markup(s.participant_name)}</b> (reference {markup(s.participant_reference)})"),
            self.para(
                f"Covers {plain_date(s.period_from)} to {plain_date(s.period_to)}. "
                f"Made on {plain_date(s.generated_on)}. Questions? {self.contact_words(contact)}"
            ),
        ]

    def contact_words(self, contact: Organisation) -> str:
        return (f"Ask <b>{markup(contact.contact_name)}</b> on <b>{markup(contact.contact_phone)}</b> "
                f"or email <b>{markup(contact.contact_email)}</b>.")

    def summary_block(self) -> list[Flowable]:
        sentences = summary_sentences(self.statement.summary, self.currency, self.statement.fees_paid_to,
                                      bank_details_needed=self.statement.bank_details_needed)
        return [
            self.para("Summary", "heading"),
            self.para(markup(" ".join(sentences))),
            self.summary_table(),
            Spacer(1, self.paragraph_space),
            self.para(markup(EXPENSES_NOTE)),
            *([self.para(markup(DECLINED_NOTE))] if self.statement.summary.declined_count else []),
        ]

    def summary_table(self) -> Flowable:
        s = self.statement.summary
        rows: list[list[Any]] = [
            self.header_cells(["", TIME_HEADING, COSTS_HEADING], money_from=1),
            self._money_row("Paid to you", s.fees_paid - s.fees_paid_to_organisation, s.expenses_paid),
            self._money_row("Not paid yet", s.fees_owed - s.fees_owed_to_organisation, s.expenses_owed),
        ]
        if s.fees_paid_to_organisation or s.fees_owed_to_organisation:
            to = self.statement.fees_paid_to or "the organisation you chose"
            rows.insert(2, self._money_row(f"Paid to {markup(to)} for you", s.fees_paid_to_organisation, Decimal(0)))
            if s.fees_owed_to_organisation:
                rows.append(self._money_row(f"Not paid to {markup(to)} yet", s.fees_owed_to_organisation,
                                            Decimal(0)))
        if s.declined_count or s.expenses_declined:
            rows.append(
                [
                    self.para("You chose not to be paid (what your time was worth, and your costs)"
                              if s.expenses_declined else "You chose not to be paid (value of your time)", "cell"),
                    self.money(s.declined_value),
                    self.money(s.expenses_declined) if s.expenses_declined else "",
                ]
            )
        return self.table(rows, (0.5, 0.25, 0.25), money_from=1)

    def _money_row(self, label: str, fees: Any, expenses: Any) -> list[Any]:
        return [
            self.para(label, "cell"),
            self.money(fees),
            self.money(expenses),
        ]

    # ---- activities ------------------------------------------------------------------------------
    def activities_block(self) -> list[Flowable]:
        heading = self.para("Your activities and how we worked out the money", "heading")
        if not self.statement.activities:
            return [heading, self.para("There are no activities in this period.")]
        intro = self.para("Each activity is in bold, with how we worked out each amount underneath it.")
        labels = ["What happened and how we worked it out", TIME_HEADING, COSTS_HEADING]
        if self.date_column:
            labels.insert(0, "Date")
        rows: list[list[Any]] = [self.header_cells(labels, money_from=len(labels) - 2)]
        rows.extend(self.activity_row(activity) for activity in self.statement.activities)
        # Only an activity with very many lines (dozens of receipts) may be cut across pages.
        tall = any(len(activity.lines) > self.max_unsplit_lines for activity in self.statement.activities)
        table = self.table(rows, self.activity_fractions, money_from=len(labels) - 2, split_in_row=tall)
        return self.starts_together([heading, intro], table)

    def activity_description(self, activity: StatementActivity) -> str:
        role = "" if activity.role in ("", "member") else f", as {markup(activity.role)}"
        text = (
            f"<b>{markup(activity.activity_label)}</b>, {markup(activity.project_name)}"
            f" ({markup(mode_words(activity.mode))}{role}). Time: {duration(activity.minutes)}. "
            f"{markup(status_text(activity, self.currency, self.statement.fees_paid_to))}"
        )
        if not self.date_column:
            text = f"<b>{long_date(activity.date)}</b><br/>{text}"
        return text

    def activity_row(self, activity: StatementActivity) -> list[Any]:
        """One row per activity: what happened, then each amount's reason in smaller type in the same cell."""
        # A cancelled activity counts nowhere: its reasons would only take room.
        lines = () if activity.status == "reversed" else activity.lines
        reasons = [markup(short_reason(line.explanation, activity.activity_label)) for line in lines]
        cell: list[Flowable] = [self.para(self.activity_description(activity), "cell")]
        if reasons:
            cell.append(self.para("<br/>".join(f"&bull; {reason}" for reason in reasons), "cell_small"))
        cells: list[Any] = [
            cell,
            self.amount_cell(self._amount_text(activity, activity.fees, is_fee=True), bold=True),
            self.amount_cell(self._amount_text(activity, activity.expenses, is_fee=False), bold=True),
        ]
        if self.date_column:
            cells.insert(0, self.para(short_date(activity.date), "cell_bold"))
        return cells

    @property
    def activity_fractions(self) -> tuple[float, ...]:
        return (0.1, 0.64, 0.13, 0.13) if self.date_column else (0.56, 0.22, 0.22)

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
        return [*flow, self.table(rows, (0.13, 0.29, 0.18, 0.14, 0.13, 0.13), money_from=3)]

    def _amounts(self, *amounts: Any) -> list[str]:
        return [self.money(a) for a in amounts]

    # ---- declined time ---------------------------------------------------------------------------
    def declined_block(self) -> list[Flowable]:
        """Declined time is in the summary table, its note under it, and "worth £X" on each activity."""
        return []

    # ---- totals per period -----------------------------------------------------------------------
    def period_totals_block(self) -> list[Flowable]:
        s = self.statement
        flow: list[Flowable] = []
        if s.tax_years:
            flow.extend(self.starts_together(
                [self.para("Totals for each tax year", "heading"),
                 self.para("A tax year runs from 6 April to 5 April the next year.")],
                self.totals_table("Tax year", s.tax_years),
            ))
        if s.watch_limits:
            head: list[Flowable] = [self.para("Limits you asked us to watch", "heading"), self.para(markup(WATCH_NOTE))]
            for limit in s.watch_limits:
                per = "a week" if limit.period == "week" else "in a tax year"
                head.append(self.para(f"&bull; {markup(limit.label)}: {self.money(limit.amount)} {per}"))
            if s.weeks:
                head.append(self.para(
                    "Your totals for each week you took part are below. Weeks start on a Monday. Only money "
                    "for your time counts towards a weekly limit; costs paid back do not."
                ))
                flow.extend(self.starts_together(head, self.weeks_table(s.weeks)))
            else:
                flow.append(KeepTogether(head))
            if any(total.over_limit for total in (*s.tax_years, *s.weeks)):
                contact = self.require_contact()
                flow.append(self.para(markup(over_limit_help(contact.contact_name, contact.contact_phone))))
        return flow

    def totals_table(self, first: str, totals: tuple[PeriodTotal, ...]) -> Flowable:
        """Totals per tax year; a limit column (named, with "Over the limit") when a yearly limit is watched."""
        limits = any(total.limit is not None for total in totals)
        to_organisation = any(total.paid_to_organisation for total in totals)
        labels = [first, TIME_HEADING, COSTS_HEADING, "Chose not to be paid"]
        if to_organisation:
            labels.insert(2, "Paid to an organisation for you")
        if limits:
            labels.append("Limit")
        rows: list[list[Any]] = [self.header_cells(labels, money_from=1)]
        for total in totals:
            row = [self.para(markup(total.label), "cell"), self.money(total.fees), self.money(total.expenses),
                   self.money(total.declined)]
            if to_organisation:
                row.insert(2, self.money(total.paid_to_organisation))
            if limits:
                row.append(self.limit_cell(total))
            rows.append(row)
        if len(labels) == 4:
            return self.table(rows, self.totals_fractions, money_from=1)
        first_width = 0.4 - 0.12 * (len(labels) - 4)
        rest = (1 - first_width) / (len(labels) - 1)
        return self.table(rows, (first_width, *([rest] * (len(labels) - 1))), money_from=1)

    def weeks_table(self, weeks: tuple[PeriodTotal, ...]) -> Flowable:
        """Money for time per week, two weeks to a row (one limit applies to all of them, shown above)."""
        labels = ["Week", TIME_HEADING, "Week", TIME_HEADING]
        rows: list[list[Any]] = [self.header_cells(labels)]
        half = -(-len(weeks) // 2)
        for left, right in zip(weeks[:half], (*weeks[half:], None), strict=False):
            row: list[Any] = []
            for total in (left, right):
                if total is None:
                    row += ["", ""]
                    continue
                over = "<br/><b>Over the limit</b>" if total.over_limit else ""
                row += [self.para(markup(total.label), "cell"),
                        self.para(f"{self.money(total.fees)}{over}", "cell_right")]
            rows.append(row)
        table = self.table(rows, (0.32, 0.18, 0.32, 0.18))
        table.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                                   ("LINEBEFORE", (2, 0), (2, -1), 1, self.rule_colour)]))
        return table

    def limit_cell(self, total: PeriodTotal) -> Any:
        if total.limit is None:
            return ""
        name = markup(total.limit_label or "Limit")
        over = "<br/><b>Over the limit</b>" if total.over_limit else ""
        return self.para(f"{name}: {self.money(total.limit)}{over}", "cell_right")

    # ---- sources and contact ---------------------------------------------------------------------
    def sources_block(self) -> list[Flowable]:
        flow: list[Flowable] = []
        if self.statement.rate_card_sources:
            sources = [self.para("Where our rates come from", "heading")]
            sources.extend(self.para(f"&bull; {markup(source)}", "cell") for source in self.statement.rate_card_sources)
            flow.append(KeepTogether(sources))
        contact = self.require_contact()
        flow.append(KeepTogether([
            self.para("Something wrong?", "heading"),
            self.para(f"If anything here looks wrong, please tell us. {self.contact_words(contact)}"),
        ]))
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
