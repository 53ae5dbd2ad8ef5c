"""What each message says, as plain data, so the e-mail (text and HTML) and the printed letter say the same.

Why one place for the words: a person who gets a letter and a person who gets an e-mail must be told
the same thing, and the e-mail must say what the attached PDF says. The statement's own summary
(``statement_text.summary_sentences`` / ``easy_read_summary``) is reused word for word (only "shown
below" becomes "on the statement", as the statement is attached, not below). A payment is said once:
the lead sentence (amount, what for, when) then the table; the advice's own summary sentence would
repeat the same figures, so it is not copied in.

Style follows the person's statement style: ``standard`` and ``large_print`` read the same (large print
only changes the type size), ``easy_read`` says one idea per line in short sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ledger.exports.pdf.remittance import reference_label
from ledger.exports.pdf.statement_text import EXPENSES_NOTE, easy_read_summary, summary_sentences
from ledger.exports.pdf.text import money, plain_date, short_date
from ledger.organisation import Organisation
from ledger.reports.remittance_data import Remittance
from ledger.reports.statement_data import METHOD_LABELS, Statement

UK = ZoneInfo("Europe/London")
EMAIL = "email"
LETTER = "letter"


@dataclass(frozen=True, slots=True)
class Words:
    """One message's words: a greeting, paragraphs, key facts and an optional table, then the contact."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    organisation: Organisation
    style: str = "standard"
    facts: tuple[tuple[str, str], ...] = ()
    facts_caption: str = ""
    table_caption: str = ""
    table_head: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()
    table_money_from: int = 99
    after: tuple[str, ...] = field(default_factory=tuple)

    @property
    def easy_read(self) -> bool:
        return self.style == "easy_read"

    @property
    def contact_lines(self) -> tuple[str, ...]:
        o = self.organisation
        if self.easy_read:
            return ("Questions?", f"Ask {o.contact_name}.", f"Phone {o.contact_phone}.", f"Email {o.contact_email}.")
        return (f"Questions? If anything here looks wrong, please tell us. {o.contact_sentence}",)

    @property
    def sender_lines(self) -> tuple[str, ...]:
        return (self.organisation.name, *self.organisation.address_lines)


def greeting(name: str, style: str) -> str:
    return f"Hello {name}," if style == "easy_read" else f"Dear {name},"


def _dates(days: Sequence[date]) -> str:
    """``9 October 2025``; ``9 and 14 October 2025``-style lists are kept simple: up to three dates, else a span."""
    unique = sorted(set(days))
    if len(unique) == 1:
        return f"on {plain_date(unique[0])}"
    if len(unique) <= 3:
        return "on " + ", ".join(plain_date(d) for d in unique[:-1]) + f" and {plain_date(unique[-1])}"
    return f"from {plain_date(unique[0])} to {plain_date(unique[-1])}"


def _by_bank(r: Remittance) -> bool:
    """Money sent to the person's own bank account: only then is the reference on *their* bank statement."""
    return r.for_person is None and r.method_label == METHOD_LABELS["bank_transfer"]


def _covering(sentence: str) -> str:
    """The statement's own summary said in a covering e-mail or letter, where the statement is not "below"."""
    return sentence.replace("shown below but not counted", "on the statement but not counted")


def remittance_words(r: Remittance, name: str, style: str, channel: str = EMAIL) -> Words:
    """The payment advice as an e-mail or a letter: the lead sentence, the PDF's own summary, the facts."""
    assert r.contact is not None  # build_remittances always names the contact (get_organisation)
    amount = money(r.amount, r.currency)
    when = _dates([item.date for item in r.items])
    pdf_where = "attached to this email" if channel == EMAIL else "on the next pages"
    if r.for_person:
        subject = f"We have paid {amount} for your time"
        lead = f"We have paid {amount} to {r.payee_name} for your time {when}, as you asked."
    else:
        subject = f"We have paid you {amount}"
        if r.fees and r.expenses:
            lead = (f"We have paid you {amount}: {money(r.fees, r.currency)} for your time {when} and "
                    f"{money(r.expenses, r.currency)} back for travel and other costs.")
        elif r.fees:
            lead = f"We have paid you {amount} for your time {when}."
        else:
            lead = f"We have paid you {amount} back for travel and other costs {when}."
    paid_on = r.paid_on or r.expected_on
    if style == "easy_read":
        first = f"We have paid {amount} to {r.payee_name}." if r.for_person else f"We have paid you {amount}."
        paragraphs = [first]
        if r.fees:
            paragraphs.append(f"{money(r.fees, r.currency)} is for your time.")
        if r.expenses:
            paragraphs.append(f"{money(r.expenses, r.currency)} is money back for travel and other costs.")
        if paid_on is not None:
            paragraphs.append(f"We paid it on {plain_date(paid_on)}.")
        if _by_bank(r):
            paragraphs.append(f"Your bank statement will show: {r.payment_reference}.")
        # No "payment advice" in Easy Read: say what the pages are for.
        if channel == EMAIL:
            paragraphs += ["We have sent a list with this email.", "It shows what the money is for."]
        else:
            paragraphs.append("The next pages show what the money is for.")
    else:
        # The lead already says the amount and what it is for; the PDF's own summary would say it all again,
        # so only its last sentence (when it was paid, or when it should arrive) follows.
        when = (f"We paid this on {plain_date(r.paid_on)}." if r.paid_on is not None
                else f"We expect it to arrive by {plain_date(r.expected_on)}." if r.expected_on is not None else "")
        paragraphs = [f"{lead} {when}".strip(),
                      f"The payment advice is {pdf_where}. It lists each activity this pays for."]
    facts = (
        ("Amount", amount),
        ("Paid to", r.paid_to),
        ("Date paid" if r.paid_on is not None else "Expected by", plain_date(paid_on) if paid_on else ""),
        (reference_label(r), r.payment_reference),  # the attached advice's own label
    )
    rows = tuple(
        (short_date(item.date), item.project_name, item.activity_label, money(item.fees, r.currency),
         money(item.expenses, r.currency))
        for item in r.items
    )
    after = (EXPENSES_NOTE,) if r.expenses and not r.for_person and style != "easy_read" else ()
    return Words(
        subject=subject, greeting=greeting(name, style), paragraphs=tuple(paragraphs), organisation=r.contact,
        style=style, facts=facts, facts_caption="The payment", table_caption="What this payment is for",
        table_head=("Date", "Project", "Activity", "For your time", "Travel and other costs"), table=rows,
        table_money_from=3, after=after,
    )


def statement_words(s: Statement, name: str, channel: str = EMAIL) -> Words:
    """A statement's covering words: the period, then the statement's own summary sentences."""
    assert s.contact is not None  # build_statement always names the contact (get_organisation)
    period = f"{plain_date(s.period_from)} to {plain_date(s.period_to)}"
    pdf_where = "attached to this email" if channel == EMAIL else "on the next pages"
    if s.style == "easy_read":
        paragraphs = [f"This is your statement for {period}.", f"The statement is {pdf_where}.",
                      *(_covering(line) for line in easy_read_summary(s.summary, s.currency,
                                                                      bank_details_needed=s.bank_details_needed))]
    else:
        summary = summary_sentences(s.summary, s.currency, s.fees_paid_to, bank_details_needed=s.bank_details_needed)
        paragraphs = [f"Here is your statement for {period}. It is {pdf_where}. It shows what you took part in, "
                      "what we paid you and how each amount was worked out.", _covering(" ".join(summary))]
    return Words(subject=f"Your statement for {period}", greeting=greeting(name, s.style),
                 paragraphs=tuple(paragraphs), organisation=s.contact, style=s.style)


def _until(expires_at: datetime) -> str:
    local = expires_at.astimezone(UK)
    return f"{local:%H:%M} on {plain_date(local.date())} (UK time)"


def invitation_words(organisation: Organisation, name: str, link: str, expires_at: datetime) -> Words:
    """A member of staff's invitation: open the link and choose a password."""
    paragraphs = (
        f"You have been given an account on {organisation.name}'s involvement ledger.",
        f"To start, open this link and choose a password: {link}",
        f"The link works once, until {_until(expires_at)}. If it has run out, ask your administrator for a new one.",
        "If you were not expecting this, you do not need to do anything.",
    )
    return Words(subject=f"You have been invited to {organisation.name}'s involvement ledger",
                 greeting=f"Hello {name}," if name else "Hello,", paragraphs=paragraphs, organisation=organisation)


def sign_in_words(organisation: Organisation, link: str | None, code: str | None, expires_at: datetime,
                  style: str = "standard") -> Words:
    """A sign-in link and/or code: what it is, until when it works, and what to do if it was not you."""
    until = _until(expires_at)
    paragraphs: list[str] = [f"You asked to sign in to {organisation.name}'s involvement website."]
    if code:
        paragraphs.append(f"Your sign-in code is: {code}")
    if link:
        paragraphs.append(f"{'Or' if code else 'To sign in,'} open this link: {link}")
    paragraphs.append(f"It works until {until}. It works only once.")
    paragraphs.append("If you did not ask for this, you do not need to do anything. Nobody can sign in without it.")
    return Words(subject=f"Your sign-in code for {organisation.name}" if code else f"Sign in to {organisation.name}",
                 greeting="Hello,", paragraphs=tuple(paragraphs), organisation=organisation, style=style)
