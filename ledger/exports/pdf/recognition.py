"""The record of involvement as PDF, in the person's statement style (standard, large print, Easy Read).

Order (every style): who it is for and who issued it; the time given in total, then by year, by project and
by role; how the time was paid (paid, paid to an organisation, given without pay: all of it counts);
training; what changed because of their input (outcomes); the activities; money only when the person
asked for it; the verification code and where to check it; signed off with the organisation's name and
contact. Built on the statement renderers' page settings, fonts and plain-word helpers.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.pictures import picture
from ledger.exports.pdf.plain_words import activity_sentence, spell_out
from ledger.exports.pdf.statement import LargePrintStatementRenderer, StatementRenderer
from ledger.exports.pdf.statement_easy_read import EasyReadStatementRenderer
from ledger.exports.pdf.text import duration, markup, money, plain_date, plural, short_date
from ledger.recognition.data import InvolvementSummary, RecordOfInvolvement

PAID_HOW_WORDS = {
    "paid": "Paid",
    "organisation": "Paid to an organisation they chose",
    "declined": "Given without pay (their choice)",
}
CHECK_WORDS = ("Anyone can check that this record is real: open {address}, or go to {page} and type the code "
               "{code}. They will see the same summary, and nothing else about {name}.")
#: Without ``LEDGER_WEB_ADDRESS`` the ledger knows only the path, which means nothing on paper: say what it is.
CHECK_WORDS_NO_SITE = ("Anyone can check that this record is real. Go to the page /verify on our website and type "
                       "the code {code}, or ask us. They will see the same summary and nothing else about {name}.")


def check_places(record: RecordOfInvolvement) -> tuple[str, str] | None:
    """(the address that opens this record's check, the checking page) when the site's address is known."""
    address = record.check_address or ""
    if not address.startswith(("http://", "https://")):
        return None
    return address, address.rsplit("/", 1)[0]


def _span(summary: InvolvementSummary) -> str:
    if summary.first_date is None or summary.last_date is None:
        return "No involvement is recorded yet."
    if summary.first_date == summary.last_date:
        return f"On {plain_date(summary.first_date)}."
    return f"From {plain_date(summary.first_date)} to {plain_date(summary.last_date)}."


class RecordRenderer(PdfRenderer):
    """The standard style: the statement's standard page settings and tables."""

    left_margin = StatementRenderer.left_margin
    right_margin = StatementRenderer.right_margin
    top_margin = StatementRenderer.top_margin
    body_size = StatementRenderer.body_size
    table_size = StatementRenderer.table_size
    heading_size = StatementRenderer.heading_size
    title_size = StatementRenderer.title_size
    leading_ratio = StatementRenderer.leading_ratio
    heading_space = StatementRenderer.heading_space
    cell_padding = StatementRenderer.cell_padding
    date_column = True

    def __init__(self, record: RecordOfInvolvement) -> None:
        self.record = record
        self.summary = record.summary

    def title(self) -> str:
        return f"Record of involvement for {self.summary.participant_reference}"

    def author(self) -> str:
        return self.summary.organisation_name

    def subject(self) -> str:
        return "The time this person gave to help shape our services, and what changed because of it"

    def footer_text(self) -> str:
        return f"Record of involvement, reference {self.summary.participant_reference}"

    def story(self) -> list[Flowable]:
        flow: list[Flowable] = []
        for block in (self.title_block, self.time_block, self.how_block, self.training_block, self.outcomes_block,
                      self.activities_block, self.amounts_block, self.check_block, self.sign_off_block):
            flow.extend(block())
        return flow

    # ---- blocks ------------------------------------------------------------------------------------
    def title_block(self) -> list[Flowable]:
        s = self.summary
        return [
            self.para("Record of involvement", "title"),
            self.para(f"<b>{markup(s.participant_name)}</b> (reference {markup(s.participant_reference)}) gave time "
                      f"to help shape the work of <b>{markup(s.organisation_name)}</b>."),
            self.para(f"{_span(s)} Issued on {plain_date(s.issued_on)}."),
        ]

    def totals_table(self, heading: str, items: Any) -> Flowable:
        rows: list[list[Any]] = [self.header_cells([heading, "Activities", "Time given"], money_from=1)]
        width = self.frame_width * 0.55
        for item in items:
            rows.append([self.text_cell(item.label, width), str(item.activities), duration(item.minutes)])
        return self.table(rows, (0.55, 0.15, 0.30), money_from=1)

    def time_block(self) -> list[Flowable]:
        s = self.summary
        flow: list[Flowable] = [
            self.para("Time given", "heading"),
            self.para(f"In all: <b>{duration(s.total_minutes)}</b> over "
                      f"{plural(s.activity_count, 'activity', 'activities')}."),
        ]
        for heading, items in (("Year", s.by_year), ("Project", s.by_project), ("Role", s.by_role)):
            if items:
                flow.extend([self.totals_table(heading, items), Spacer(1, self.paragraph_space)])
        return flow

    def how_block(self) -> list[Flowable]:
        s = self.summary
        rows: list[list[Any]] = [self.header_cells(["Paid or not", "Time given"], money_from=1)]
        for how, minutes in (("paid", s.minutes_paid), ("organisation", s.minutes_paid_to_organisation),
                             ("declined", s.minutes_declined)):
            rows.append([PAID_HOW_WORDS[how], duration(minutes)])
        return [
            self.para("How the time was paid", "heading"),
            self.para("All of this time counts, however it was paid."),
            self.table(rows, (0.65, 0.35), money_from=1),
        ]

    def training_block(self) -> list[Flowable]:
        if not self.summary.training:
            return []
        return [self.para("Training", "heading"),
                *[self.para(f"• {markup(item)}") for item in self.summary.training]]

    def outcomes_block(self) -> list[Flowable]:
        if not self.record.outcomes:
            return []
        flow: list[Flowable] = [self.para("What changed because of this work", "heading")]
        for outcome in self.record.outcomes:
            source = (f"{outcome.activity_label}, {plain_date(outcome.activity_date)}"
                      if outcome.activity_label and outcome.activity_date else f"the {outcome.project_name} project")
            flow.append(self.para(f"<b>{plain_date(outcome.outcome_date)}</b> ({markup(outcome.project_name)}, "
                                  f"from {markup(source)}): {markup(outcome.text)}"))
        return flow

    def activities_block(self) -> list[Flowable]:
        if not self.record.activities:
            return []
        rows: list[list[Any]] = [self.header_cells(["Date", "Activity", "Role", "Time"], money_from=3)]
        width = self.frame_width * 0.42
        for item in self.record.activities:
            what = f"{item.activity_label} ({item.project_name})"
            rows.append([short_date(item.date), self.text_cell(what, width), self.text_cell(item.role_label, 200),
                         duration(item.minutes)])
        return [self.para("Activities", "heading"), self.table(rows, (0.17, 0.42, 0.2, 0.21), money_from=3)]

    def amounts_block(self) -> list[Flowable]:
        amounts = self.record.amounts
        if amounts is None:
            return []
        cur = amounts.currency
        rows: list[list[Any]] = [
            self.header_cells(["Money for their time (they asked for this to be shown)", "Amount"], money_from=1),
            ["Paid to them", money(amounts.paid_to_them, cur)],
            ["Paid to an organisation they chose", money(amounts.paid_to_organisation, cur)],
            ["Value of time given without pay", money(amounts.declined_value, cur)],
        ]
        return [self.para("Money", "heading"), self.table(rows, (0.65, 0.35), money_from=1)]

    def check_block(self) -> list[Flowable]:
        if not self.record.code:
            return []
        places = check_places(self.record)
        name = self.summary.participant_name
        words = (CHECK_WORDS.format(address=places[0], page=places[1], code=self.record.code, name=name) if places
                 else CHECK_WORDS_NO_SITE.format(code=self.record.code, name=name))
        return [self.para("Check this record", "heading"), self.para(markup(words)),
                self.para(f"Code: <b>{markup(self.record.code)}</b>")]

    def sign_off_block(self) -> list[Flowable]:
        contact = self.record.contact
        return [
            self.para("Signed off", "heading"),
            self.para(f"Issued by <b>{markup(contact.name)}</b>, {markup(', '.join(contact.address_lines))}."),
            self.para(f"Contact: <b>{markup(contact.contact_name)}</b>, phone {markup(contact.contact_phone)}, "
                      f"email {markup(contact.contact_email)}."),
        ]


class LargePrintRecordRenderer(RecordRenderer):
    """Large print: the large print statement's sizes and spacing."""

    left_margin = LargePrintStatementRenderer.left_margin
    right_margin = LargePrintStatementRenderer.right_margin
    body_size = LargePrintStatementRenderer.body_size
    table_size = LargePrintStatementRenderer.table_size
    heading_size = LargePrintStatementRenderer.heading_size
    title_size = LargePrintStatementRenderer.title_size
    footer_size = LargePrintStatementRenderer.footer_size
    leading_ratio = LargePrintStatementRenderer.leading_ratio
    paragraph_space = LargePrintStatementRenderer.paragraph_space
    heading_space = LargePrintStatementRenderer.heading_space
    cell_padding = LargePrintStatementRenderer.cell_padding
    bottom_margin = LargePrintStatementRenderer.bottom_margin

    def totals_table(self, heading: str, items: Any) -> Flowable:
        """Wider number columns than standard, so "Activities" is not broken in two at large print size."""
        rows: list[list[Any]] = [self.header_cells([heading, "Activities", "Time given"], money_from=1)]
        width = self.frame_width * 0.42
        for item in items:
            rows.append([self.text_cell(item.label, width), str(item.activities), duration(item.minutes)])
        return self.table(rows, (0.42, 0.22, 0.36), money_from=1)

    def activities_block(self) -> list[Flowable]:
        """No narrow date column in large print: one line of words per activity."""
        if not self.record.activities:
            return []
        flow: list[Flowable] = [self.para("Activities", "heading")]
        for item in self.record.activities:
            flow.append(self.para(f"<b>{plain_date(item.date)}</b>: {markup(item.activity_label)} "
                                  f"({markup(item.project_name)}), {markup(item.role_label.lower())}, "
                                  f"{duration(item.minutes)}"))
        return flow


class EasyReadRecordRenderer(RecordRenderer):
    """Easy Read: short sentences, a picture beside each main idea, no tables of figures (the Easy Read
    statement's sizes, pictures and plain words)."""

    left_margin = EasyReadStatementRenderer.left_margin
    right_margin = EasyReadStatementRenderer.right_margin
    top_margin = EasyReadStatementRenderer.top_margin
    bottom_margin = EasyReadStatementRenderer.bottom_margin
    body_size = EasyReadStatementRenderer.body_size
    table_size = EasyReadStatementRenderer.table_size
    heading_size = EasyReadStatementRenderer.heading_size
    title_size = EasyReadStatementRenderer.title_size
    footer_size = EasyReadStatementRenderer.footer_size
    leading_ratio = EasyReadStatementRenderer.leading_ratio
    paragraph_space = EasyReadStatementRenderer.paragraph_space
    heading_space = EasyReadStatementRenderer.heading_space
    picture_size = EasyReadStatementRenderer.picture_size
    picture_column = EasyReadStatementRenderer.picture_column

    def with_picture(self, rows: list[tuple[str | None, list[str]]]) -> Table:
        """Rows of (picture name or None, sentences of markup): the picture on the left, as on the statement."""
        data: list[list[Any]] = [
            [picture(name, self.picture_size) if name else "", [self.para(text, "tight") for text in sentences]]
            for name, sentences in rows
        ]
        table = Table(data, colWidths=[self.picture_column, self.frame_width - self.picture_column], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]))
        return table

    def section(self, title: str, first: Flowable, *rest: Flowable) -> list[Flowable]:
        """A heading kept on the same page as the first thing under it."""
        return [CondPageBreak(self.heading_size * 6), KeepTogether([self.para(markup(title), "heading"), first]),
                *rest, Spacer(1, self.paragraph_space * 2)]

    def subject(self) -> str:
        return "The time you gave to help us, and what changed because of you"

    def footer_text(self) -> str:
        return "Your record of taking part"

    def story(self) -> list[Flowable]:
        flow: list[Flowable] = []
        for block in (self.title_block, self.time_block, self.how_block, self.training_block, self.outcomes_block,
                      self.activities_block, self.amounts_block, self.check_block, self.sign_off_block):
            flow.extend(block())
        return flow

    def title_block(self) -> list[Flowable]:
        s = self.summary
        return [
            self.para("Your record of taking part", "title"),
            self.para(markup(f"This record is from {s.organisation_name}.")),
            self.para(markup(f"It is for {s.participant_name}.")),
            self.para("It shows the time you gave to help us."),
            self.para(f"We made it on {plain_date(s.issued_on)}."),
        ]

    def time_block(self) -> list[Flowable]:
        s = self.summary
        rows: list[tuple[str | None, list[str]]] = [("clock", [
            f"You gave <b>{duration(s.total_minutes)}</b> of your time.",
            f"You took part <b>{s.activity_count}</b> {'time' if s.activity_count == 1 else 'times'}.",
        ])]
        rows.append(("calendar", [f"In {markup(t.label)} you gave <b>{duration(t.minutes)}</b>." for t in s.by_year]
                     or ["You have not taken part yet."]))
        rows.append((None, [f"For {markup(t.label)}: <b>{duration(t.minutes)}</b>." for t in s.by_project]))
        rows.append(("hand", [f"As {markup(_article(t.label))}: <b>{duration(t.minutes)}</b>." for t in s.by_role]))
        return self.section("Your time", self.with_picture(rows[:1]), self.with_picture(rows[1:]))

    def how_block(self) -> list[Flowable]:
        s = self.summary
        lines = []
        if s.minutes_paid:
            lines.append(f"We paid you for <b>{duration(s.minutes_paid)}</b>.")
        if s.minutes_paid_to_organisation:
            lines.append(f"We paid an organisation you chose for <b>{duration(s.minutes_paid_to_organisation)}</b>.")
        if s.minutes_declined:
            lines.append(f"You chose not to be paid for <b>{duration(s.minutes_declined)}</b>.")
        lines.append("All of this time counts.")
        return self.section("Paid or not paid", self.with_picture([("coin", lines)]))

    def training_block(self) -> list[Flowable]:
        if not self.summary.training:
            return []
        return self.section("Training", self.with_picture([("hand", [markup(spell_out(item))
                                                                      for item in self.summary.training])]))

    def outcomes_block(self) -> list[Flowable]:
        if not self.record.outcomes:
            return []
        rows: list[tuple[str | None, list[str]]] = []
        for outcome in self.record.outcomes:
            source = (f"It came from what you did on {plain_date(outcome.activity_date)}."
                      if outcome.activity_date else f"It came from your work for {markup(outcome.project_name)}.")
            rows.append(("question" if not rows else None, [
                f"On <b>{plain_date(outcome.outcome_date)}</b>:", markup(outcome.text), source]))
        return self.section("What changed because of you", self.with_picture(rows))

    def activities_block(self) -> list[Flowable]:
        if not self.record.activities:
            return []
        rows: list[tuple[str | None, list[str]]] = [
            ("calendar" if i == 0 else None,
             [f"{activity_sentence(item.activity_label, plain_date(item.date))} "
              f"It took {duration(item.minutes)}."])
            for i, item in enumerate(self.record.activities)
        ]
        return self.section("What you did", self.with_picture(rows))

    def amounts_block(self) -> list[Flowable]:
        amounts = self.record.amounts
        if amounts is None:
            return []
        cur = amounts.currency
        lines = ["You asked us to show the money.",
                 f"We paid you <b>{money(amounts.paid_to_them, cur)}</b>."]
        if amounts.paid_to_organisation:
            lines.append(f"We paid <b>{money(amounts.paid_to_organisation, cur)}</b> to an organisation you chose.")
        if amounts.declined_value:
            worth = money(amounts.declined_value, cur)
            lines.append(f"The time you chose not to be paid for was worth <b>{worth}</b>.")
        return self.section("Money", self.with_picture([("bank", lines)]))

    def check_block(self) -> list[Flowable]:
        if not self.record.code:
            return []
        places = check_places(self.record)
        where = ([f"They go to <b>{markup(places[0])}</b>."] if places
                 else ["They go to our website.", "They open the page called <b>/verify</b>."])
        return self.section("Checking this record", self.with_picture([("question", [
            "Other people can check this record is real.",
            *where,
            f"The code is <b>{markup(self.record.code)}</b>.",
            "Or they can ask us.",
        ])]))

    def sign_off_block(self) -> list[Flowable]:
        contact = self.record.contact
        return self.section("From us", self.with_picture([("phone", [
            f"This record is from <b>{markup(contact.name)}</b>.",
            f"Questions? Ask {markup(contact.contact_name)}.",
            f"Phone: <b>{markup(contact.contact_phone)}</b>",
            f"Email: <b>{markup(contact.contact_email)}</b>",
        ])]))


def _article(label: str) -> str:
    lowered = label[:1].lower() + label[1:]
    return f"an {lowered}" if lowered[:1] in "aeiou" else f"a {lowered}"


RECORD_RENDERERS: dict[str, type[RecordRenderer]] = {
    "standard": RecordRenderer,
    "large_print": LargePrintRecordRenderer,
    "easy_read": EasyReadRecordRenderer,
}


def render_record(record: RecordOfInvolvement) -> bytes:
    """A record of involvement as PDF bytes, in the style it asks for."""
    return RECORD_RENDERERS[record.style](record).render()
