"""The Easy Read statement: short sentences, one idea per line, large type, lots of white space.

Rules we follow (from common UK Easy Read practice): 16 point or bigger, left aligned, no words split
across lines, no capitals for whole words, no italics, one idea per line, short everyday words, numbers
written as digits, the important number in bold. No tables for the activities: each one is a short
block of lines that reads top to bottom. Jargon is kept out (see
:data:`ledger.exports.pdf.statement_text.JARGON`); the explanations from the rate card are split into
one idea per line.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from ledger.exports.pdf.statement import StatementRenderer
from ledger.exports.pdf.statement_text import easy_read_status, easy_read_summary, explanation_lines
from ledger.exports.pdf.text import duration, long_date, markup, mode_words, plain_date
from ledger.reports.statement_data import PeriodTotal, StatementActivity


class EasyReadStatementRenderer(StatementRenderer):
    """Easy Read: 18 point body, 26 point headings, generous gaps between ideas."""

    left_margin = 22 * mm
    right_margin = 22 * mm
    body_size = 18
    table_size = 18
    heading_size = 26
    title_size = 30
    footer_size = 14
    leading_ratio = 1.5
    paragraph_space = 5
    heading_space = 24
    bottom_margin = 26 * mm
    block_gap: float = 8 * mm

    def subject(self) -> str:
        return "The money you got for taking part, and how we worked it out"

    def lines(self, texts: list[str]) -> list[Flowable]:
        return [self.para(markup(text)) for text in texts]

    def heading(self, text: str) -> list[Flowable]:
        return [CondPageBreak(self.heading_size * 5), self.para(markup(text), "heading")]

    def title_block(self) -> list[Flowable]:
        s = self.statement
        return [
            self.para("Your money for taking part", "title"),
            *self.lines(
                [
                    f"This letter is from {s.organisation_name}.",
                    f"It is for {s.participant_name}.",
                    f"It is about {plain_date(s.period_from)} to {plain_date(s.period_to)}.",
                    f"We made it on {plain_date(s.generated_on)}.",
                ]
            ),
        ]

    def summary_block(self) -> list[Flowable]:
        return [
            *self.heading("What happened"),
            *self.lines(easy_read_summary(self.statement.summary, self.currency)),
            Spacer(1, self.block_gap),
            *self.heading("Money back for costs"),
            *self.lines(
                [
                    "Sometimes you pay for things so you can take part.",
                    "For example, a bus ticket.",
                    "We pay this money back to you.",
                    "This money is not pay for your time.",
                    "It does not count as earnings for benefits or tax.",
                ]
            ),
        ]

    def activities_block(self) -> list[Flowable]:
        flow = self.heading("Each time you took part")
        if not self.statement.activities:
            return [*flow, *self.lines(["You did not take part in anything in this time."])]
        flow.extend(self.lines(["Here is how we worked out your money each time."]))
        for activity in self.statement.activities:
            flow.append(KeepTogether(self.activity_lines(activity)))
        return flow

    def activity_lines(self, activity: StatementActivity) -> list[Flowable]:
        role = [] if activity.role in ("", "member") else [f"You were the {activity.role}."]
        flow: list[Flowable] = [
            Spacer(1, self.block_gap),
            self.para(long_date(activity.date), "bold"),
            *self.lines(
                [
                    f"{activity.activity_label}.",
                    f"Project: {activity.project_name}.",
                    f"You took part {mode_words(activity.mode)}.",
                    *role,
                    f"Time: {duration(activity.minutes)}.",
                ]
            ),
        ]
        for line in activity.lines:
            flow.extend(self.lines(explanation_lines(line.explanation)))
        if activity.fees and not activity.declined:
            flow.append(self.para(f"Money for your time: <b>{self.money(activity.fees)}</b>"))
        if activity.expenses:
            flow.append(self.para(f"Money back for costs: <b>{self.money(activity.expenses)}</b>"))
        flow.extend(self.lines(easy_read_status(activity, self.currency)))
        return flow

    def payments_block(self) -> list[Flowable]:
        flow = self.heading("Money we sent you")
        if not self.statement.payments:
            return [*flow, *self.lines(["We did not send you any money in this time."])]
        for p in self.statement.payments:
            block: list[Flowable] = [
                Spacer(1, self.block_gap),
                self.para(long_date(p.date), "bold"),
                *self.lines([f"How: {p.method_label}.", f"Look for this reference: {p.reference}."]),
            ]
            if p.fees:
                block.append(self.para(f"For your time: <b>{self.money(p.fees)}</b>"))
            if p.expenses:
                block.append(self.para(f"Back for costs: <b>{self.money(p.expenses)}</b>"))
            block.append(self.para(f"All together: <b>{self.money(p.total)}</b>"))
            flow.append(KeepTogether(block))
        return flow

    def declined_block(self) -> list[Flowable]:
        s = self.statement.summary
        if not s.declined_count:
            return []
        return [
            *self.heading("Time you chose not to be paid for"),
            *self.lines(
                [
                    f"You chose not to be paid for {duration(s.declined_minutes)}.",
                    f"That time was worth {self.money(s.declined_value)}.",
                    "We did not pay this money.",
                    "We do not owe you this money.",
                    "We show it because your time matters.",
                ]
            ),
        ]

    def period_totals_block(self) -> list[Flowable]:
        s = self.statement
        flow: list[Flowable] = []
        if s.watch_limits:
            flow.extend(self.heading("Limits we watch for you"))
            flow.extend(
                self.lines(
                    [
                        "You asked us to watch these limits.",
                        "This can help with your benefits.",
                        "You decide what to do.",
                    ]
                )
            )
            for limit in s.watch_limits:
                per = "each week" if limit.period == "week" else "each tax year"
                flow.append(self.para(f"{markup(limit.label)}: <b>{self.money(limit.amount)}</b> {per}."))
        if s.tax_years:
            flow.extend(self.heading("Totals for each tax year"))
            flow.extend(self.lines(["A tax year starts on 6 April.", "It ends on 5 April the next year."]))
            flow.extend(self.total_blocks(s.tax_years))
        if s.weeks:
            flow.extend(self.heading("Totals for each week"))
            flow.extend(self.lines(["A week starts on a Monday.", "Only money for your time counts for the limit."]))
            flow.extend(self.total_blocks(s.weeks))
        return flow

    def total_blocks(self, totals: tuple[PeriodTotal, ...]) -> list[Flowable]:
        flow: list[Flowable] = []
        for total in totals:
            block: list[Flowable] = [
                Spacer(1, self.block_gap),
                self.para(markup(total.label), "bold"),
                self.para(f"Money for your time: <b>{self.money(total.fees)}</b>"),
                self.para(f"Money back for costs: <b>{self.money(total.expenses)}</b>"),
            ]
            if total.declined:
                block.append(self.para(f"Time you chose not to be paid for was worth {self.money(total.declined)}."))
            if total.limit is not None:
                block.append(self.para(f"{markup(total.limit_label or 'Limit')}: {self.money(total.limit)}."))
                if total.over_limit:
                    block.append(self.para("<b>This is more than the limit.</b>"))
            flow.append(KeepTogether(block))
        return flow

    def sources_block(self) -> list[Flowable]:
        flow: list[Flowable] = []
        if self.statement.rate_card_sources:
            flow.extend(self.heading("Where our rates come from"))
            flow.extend(self.lines([f"{source}" for source in self.statement.rate_card_sources]))
        flow.extend(self.heading("Something wrong?"))
        flow.extend(self.lines(["If something looks wrong, tell us.", "Please tell the person who sent you this."]))
        return flow
