"""The Easy Read statement: short sentences, a picture beside each main idea, one block per activity.

Rules we follow (common UK Easy Read practice): 16 point or bigger, left aligned, short everyday words,
one idea per sentence, numbers as digits with the important one in bold, a simple picture on the left of
each main idea (``ledger.exports.pdf.pictures``), no tables of figures, no "=", "x", abbreviations, ISO
dates, rate-card versions or sources. How money was worked out is said in plain words
(``ledger.exports.pdf.plain_words``) from the same lines the standard statement itemises.

Length: a year of about fifteen activities fits in a few pages (the test allows 8): each activity is
one short block of up to four picture rows kept together on a page, weekly totals are one line a week,
and the notes that the standard statement writes out in full are two short lines here. Headings are
kept with what follows them, so none sits alone at the bottom of a page.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from ledger.exports.pdf.pictures import picture
from ledger.exports.pdf.plain_words import activity_sentence, cost_items, fee_reasons, spell_out, time_sentence
from ledger.exports.pdf.recognition_statement import easy_read_outcomes
from ledger.exports.pdf.statement import StatementRenderer
from ledger.exports.pdf.text import duration, markup, plain_date
from ledger.reports.statement_data import PeriodTotal, StatementActivity

#: A week's label from the statement builder: "Week 6 October 2025 to 12 October 2025".
_WEEK = re.compile(r"^Week (\d{1,2} [A-Z][a-z]+ \d{4}) to ")


class _Picture(Drawing):
    """A picture whose drawing commands are worked out once per document and then repeated.

    An Easy Read statement has a picture beside every main idea (about sixty in a busy year), and drawing
    one through ReportLab's graphics renderer cost more than laying out the words beside it. The commands
    do not depend on where the picture stands (the page position is set before they run), so the first
    drawing of each picture in a document is kept and the rest of the document repeats it: the same bytes
    as drawing each afresh. Kept per canvas, because a picture with a letter in it ("£", "?") names that
    document's font subset. The shapes are built once per thread: ReportLab's renderer marks the shapes
    it is drawing, and two documents may be drawn at once in two threads (the web server).
    """

    def __init__(self, name: str, size: float) -> None:
        super().__init__(size, size)
        self._key = (name, size)

    def draw(self, showBoundary: Any = None) -> None:
        canvas = self.canv
        kept: dict[tuple[str, float], list[str]] = canvas.__dict__.setdefault("_ledger_pictures", {})
        code = kept.get(self._key)
        if code is None:
            shapes = _SHAPES.__dict__.setdefault("pictures", {})
            drawn = shapes.get(self._key)
            if drawn is None:
                drawn = shapes[self._key] = picture(*self._key)
            start = len(canvas._code)
            renderPDF.draw(drawn, canvas, 0, 0)
            kept[self._key] = canvas._code[start:]
        else:
            canvas._code.extend(code)


_SHAPES = threading.local()


def _picture(name: str, size: float) -> Drawing:
    """The picture called ``name``, ``size`` points square (see :class:`_Picture`)."""
    return _Picture(name, size)


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


class EasyReadStatementRenderer(StatementRenderer):
    """Easy Read: 16 point body, 22 point headings, a picture column beside the words."""

    left_margin = 18 * mm
    right_margin = 18 * mm
    top_margin = 16 * mm
    bottom_margin = 22 * mm
    body_size = 16
    table_size = 16
    heading_size = 22
    title_size = 26
    footer_size = 14
    leading_ratio = 1.3
    paragraph_space = 3
    heading_space = 14
    picture_size: float = 11 * mm
    picture_column: float = 15 * mm
    block_gap: float = 4 * mm

    def subject(self) -> str:
        return "The money you got for taking part, and how we worked it out"

    def footer_text(self) -> str:
        # A reference number means little to the reader; their number is on page 1 for when they call us.
        return "Your money statement"

    # ---- building blocks -----------------------------------------------------------------------
    def lines(self, texts: list[str]) -> list[Flowable]:
        return [self.para(markup(text)) for text in texts]

    def heading(self, text: str) -> list[Flowable]:
        return [CondPageBreak(self.heading_size * 6), self.para(markup(text), "heading")]

    def section(self, title: str, first: Flowable, *rest: Flowable) -> list[Flowable]:
        """A heading kept on the same page as the first thing under it (never alone at a page foot)."""
        return [CondPageBreak(self.heading_size * 6),
                KeepTogether([self.para(markup(title), "heading"), first]), *rest]

    def with_picture(self, rows: list[tuple[str | None, list[str]]]) -> Table:
        """Rows of (picture name or None, sentences of markup): the picture on the left, words beside it."""
        text_width = self.frame_width - self.picture_column
        data: list[list[Any]] = []
        for name, sentences in rows:
            cell = [self.para(sentence, "tight") for sentence in sentences]
            data.append([_picture(name, self.picture_size) if name else "", cell])
        table = Table(data, colWidths=[self.picture_column, text_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]))
        return table

    def bold_money(self, amount: Any) -> str:
        return f"<b>{self.money(amount)}</b>"

    def outcomes_block(self) -> list[Flowable]:
        return easy_read_outcomes(self, self.statement.outcomes)  # what changed because of you

    # ---- the story -----------------------------------------------------------------------------
    def title_block(self) -> list[Flowable]:
        s = self.statement
        contact = self.require_contact()
        return [
            self.para("Your money for taking part", "title"),
            *self.lines([
                f"This letter is from {s.organisation_name}.",
                f"It is for {s.participant_name}.",
                f"It is about the time from {plain_date(s.period_from)} to {plain_date(s.period_to)}.",
            ]),
            Spacer(1, self.paragraph_space),
            self.with_picture([("phone", [
                f"Questions? Ask {markup(contact.contact_name)}.",
                f"Phone: <b>{markup(contact.contact_phone)}</b>",
                f"Email: <b>{markup(contact.contact_email)}</b>",
                f"When you ask, tell us your number: <b>{markup(s.participant_reference)}</b>",
            ])]),
        ]

    def summary_block(self) -> list[Flowable]:
        s = self.statement.summary
        rows: list[tuple[str | None, list[str]]] = []
        if s.activity_count == 0:
            rows.append(("calendar", ["You did not take part in anything in this time."]))
        else:
            rows.append(("calendar", [f"You took part {_times(s.activity_count)}."]))
            rows.append(("clock", [f"You gave {duration(s.total_minutes)} of your time."]))
        money_lines = []
        own_paid = s.fees_paid - s.fees_paid_to_organisation
        own_owed = s.fees_owed - s.fees_owed_to_organisation
        if own_paid:
            money_lines.append(f"We paid you {self.bold_money(own_paid)} for your time.")
        to = markup(self.statement.fees_paid_to or "the organisation you chose")
        if s.fees_paid_to_organisation:
            money_lines.append(f"We paid {self.bold_money(s.fees_paid_to_organisation)} for your time to {to}.")
        if own_owed:
            money_lines.append(f"We still owe you {self.bold_money(own_owed)} for your time.")
            money_lines.append("We need your bank details to pay you." if self.statement.bank_details_needed
                               else "We will pay you this later.")
        if s.fees_owed_to_organisation:
            money_lines.append(f"We will pay {self.bold_money(s.fees_owed_to_organisation)} for your time to {to}.")
        if s.fees_paid_to_organisation or s.fees_owed_to_organisation:
            money_lines.append("You asked us to pay them.")
        if money_lines:
            rows.append(("coin", money_lines))
        cost_lines = []
        if s.expenses_paid:
            cost_lines.append(f"We paid you back {self.bold_money(s.expenses_paid)} for travel and other costs.")
        if s.expenses_owed:
            cost_lines.append(f"We still owe you {self.bold_money(s.expenses_owed)} for travel and other costs.")
            if self.statement.bank_details_needed:
                cost_lines.append("We need your bank details to pay you.")
        if cost_lines:
            cost_lines += ["This money is not pay.", "It does not count for benefits or tax."]
        if s.expenses_declined:
            cost_lines.append(f"You chose not to get back {self.bold_money(s.expenses_declined)} for costs.")
        if cost_lines:
            rows.append(("bus", cost_lines))
        if s.declined_count:
            rows.append(("hand", [
                f"You chose not to be paid for {duration(s.declined_minutes)}.",
                f"That time was worth {self.bold_money(s.declined_value)}. Thank you.",
            ]))
        if s.reversed_count:
            mistakes = "a mistake" if s.reversed_count == 1 else f"{s.reversed_count} mistakes"
            rows.append(("question", [f"We made {mistakes} and took {'it' if s.reversed_count == 1 else 'them'} off.",
                                      "Mistakes are not counted."]))
        return self.section("What happened", self.with_picture(rows))

    def activities_block(self) -> list[Flowable]:
        title = "Each time you took part"
        if not self.statement.activities:
            return self.section(title, self.para("You did not take part in anything in this time."))
        blocks = [self.activity_block(activity) for activity in self.statement.activities]
        return self.section(title, blocks[0], *(KeepTogether([Spacer(1, self.block_gap), b]) for b in blocks[1:]))

    def activity_block(self, activity: StatementActivity) -> Table:
        first = [activity_sentence(markup(activity.activity_label), f"<b>{plain_date(activity.date)}</b>"),
                 f"It was for {markup(activity.project_name)}."]
        if activity.mode == "online":
            first.append("You took part online.")
        elif activity.mode == "phone":
            first.append("You took part by phone.")
        rows: list[tuple[str | None, list[str]]] = [("calendar", first)]
        if activity.status == "reversed":
            rows.append(("question", ["This was a mistake. We took it off. It is not counted."]))
            return self.with_picture(rows)
        if activity.minutes:
            rows.append(("clock", [time_sentence(activity)]))
        if activity.declined:
            rows.append(("hand", ["You chose not to be paid for this time.",
                                  f"It was worth {self.bold_money(activity.fees)}."]))
        elif activity.fees:
            if activity.own_earnings:
                paid = "We will pay you later." if activity.owed_fees else "We have paid you."
            else:
                to = markup(self.statement.fees_paid_to or "the organisation you chose")
                paid = f"It goes to {to}." if activity.owed_fees else f"We paid it to {to}."
            rows.append(("coin", [f"Money for your time: {self.bold_money(activity.fees)}. {paid}",
                                  *fee_reasons(activity, self.currency)]))
        if activity.expenses:
            items = cost_items(activity)
            sentence = f"Money back for costs: {self.bold_money(activity.expenses)}."
            if items:
                sentence += f" This was for {markup(items)}."
            if activity.expenses_declined == activity.expenses:
                sentence += " You chose not to get this back."
            elif activity.declined or not activity.own_earnings:
                sentence += " We will pay this later." if activity.owed_expenses else " We have paid this."
            rows.append(("bus", [sentence]))
        return self.with_picture(rows)

    def payments_block(self) -> list[Flowable]:
        title = "Money we sent you"
        if not self.statement.payments:
            return self.section(title, self.para("We did not send you any money in this time."))
        rows: list[tuple[str | None, list[str]]] = []
        for p in self.statement.payments:
            if "organisation" in p.method_label.lower():  # "Paid to an organisation for you"
                # The money went to the organisation they chose: nothing shows on their own bank statement.
                rows.append(("bank", [
                    f"On <b>{plain_date(p.date)}</b> we sent {self.bold_money(p.total)} to "
                    f"{markup(self.statement.fees_paid_to or 'the group you asked us to pay')}.",
                ]))
                continue
            if p.method_label.lower().startswith("bank"):
                rows.append(("bank", [
                    f"On <b>{plain_date(p.date)}</b> we sent {self.bold_money(p.total)} to your bank.",
                    f"Look for this name on your bank statement: {markup(p.reference)}",
                ]))
            else:
                rows.append(("bank", [
                    f"On <b>{plain_date(p.date)}</b> we sent you {self.bold_money(p.total)}.",
                    f"How: {markup(p.method_label)}.",
                ]))
        return self.section(title, self.with_picture(rows))

    def declined_block(self) -> list[Flowable]:
        return []  # said in "What happened" and beside each activity

    def period_totals_block(self) -> list[Flowable]:
        s = self.statement
        flow: list[Flowable] = []
        if s.tax_years:
            rows: list[tuple[str | None, list[str]]] = [("coin", self.total_sentences(t)) for t in s.tax_years]
            flow.extend(self.section("Totals for the year", self.with_picture(rows)))
        if s.watch_limits:
            limit_lines = ["You asked us to watch these limits. You decide what to do."]
            for limit in s.watch_limits:
                per = "each week" if limit.period == "week" else "each tax year"
                limit_lines.append(f"{markup(spell_out(limit.label))}: {self.bold_money(limit.amount)} {per}.")
            limit_lines.append("Only money for your time counts. Money back for costs does not.")
            flow.extend(self.section("Limits we watch for you", self.with_picture([("scales", limit_lines)])))
        if s.weeks:
            flow.extend(self.lines(["Here is the money for your time in each week you took part.",
                                    "A week starts on a Monday."]))
            flow.extend(self.week_line(total) for total in s.weeks)
        if any(total.over_limit for total in (*s.tax_years, *s.weeks)):
            contact = self.require_contact()
            flow.extend(self.section("Worried about a limit?", self.with_picture([("phone", [
                "Please talk to us about it.",
                f"Ask {markup(contact.contact_name)}. Phone <b>{markup(contact.contact_phone)}</b>.",
                "Or ask a benefits adviser, like Citizens Advice.",
            ])])))
        return flow

    def total_sentences(self, total: PeriodTotal) -> list[str]:
        out = [f"<b>{markup(total.label)}</b>",
               f"Money for your time: {self.bold_money(total.fees)}."]
        if total.paid_to_organisation:
            to = markup(self.statement.fees_paid_to or "the group you chose")
            out.append(f"Money for your time that we paid to {to}: {self.bold_money(total.paid_to_organisation)}.")
        out.append(f"Money back for costs: {self.bold_money(total.expenses)}.")
        if total.limit is not None and total.over_limit:
            out.append("<b>This is more than the limit.</b>")
        return out

    def week_line(self, total: PeriodTotal) -> Flowable:
        """One week: what they got on one line, and how that compares with the limit on the next."""
        starts = _WEEK.match(total.label)
        week = f"In the week from {starts.group(1)}" if starts else markup(total.label)
        lines = [self.para(f"{week} you got {self.bold_money(total.fees)}.", "tight")]
        if total.limit is not None:
            lines.append(self.para("<b>That is more than the limit.</b>" if total.over_limit
                                   else "That is under the limit.", "tight"))
        return KeepTogether([*lines, Spacer(1, self.paragraph_space)])

    def sources_block(self) -> list[Flowable]:
        contact = self.require_contact()
        address = ", ".join(contact.address_lines)
        return self.section(
            "Is something wrong?",
            self.with_picture([("question", [
                "If something looks wrong, please tell us.",
                f"Ask {markup(contact.contact_name)}. Phone <b>{markup(contact.contact_phone)}</b>.",
                f"Email <b>{markup(contact.contact_email)}</b>.",
                f"Or write to us at {markup(address)}.",
            ])]),
        )
