"""The sentences a statement is made of, apart from layout, so every style says the same true thing.

Why here and not in the renderer: the words are the product. Keeping them in one small module lets us
read them together, check them for jargon, and keep the standard and Easy Read versions in step. The
standard wording joins ideas into a few sentences; the Easy Read wording puts one idea on each line.
Words we never use with participants: payable, accrued, posting, remittance, batch, ledger, debit,
credit.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ledger.exports.pdf.text import duration, money, plural
from ledger.reports.statement_data import StatementActivity, StatementSummary

JARGON = ("payable", "accrued", "posting", "remittance", "batch", "ledger", "debit", "credit")

EXPENSES_NOTE = (
    "Costs paid back (expenses) are money we gave back to you for things you paid for so that you could "
    "take part, such as travel, parking or someone to care for a relative. They are not income: they are "
    "not pay for your time, so they do not count as earnings for benefits or tax."
)
DECLINED_NOTE = (
    "You chose not to be paid for some of your time. We still show that time and what it was worth, so "
    "that your contribution is recognised. This money was not paid and is not owed to you."
)
WATCH_NOTE = (
    "You asked us to keep an eye on these limits, for example because of your benefits. We show your "
    "totals beside them so you can check. You decide what to do: we never decide for you."
)


def over_limit_help(contact_name: str, contact_phone: str) -> str:
    """Said once wherever a total is over a watched limit: who to talk to, never what to do."""
    return (f"If a total over a limit worries you, for example about your benefits, please talk to "
            f"{contact_name} on {contact_phone}, or to a benefits adviser such as Citizens Advice.")


BANK_DETAILS_NEEDED = (
    "We need your bank details to pay you this. Please give them to the person who sent you this statement."
)


def summary_sentences(
    summary: StatementSummary, currency: str, organisation: str | None = None, *, bank_details_needed: bool = False,
) -> list[str]:
    """The opening paragraph of a standard or large print statement, sentence by sentence.

    ``organisation`` names the organisation the person asked us to pay for their time, if any;
    ``bank_details_needed`` (``Statement.bank_details_needed``) says money owed to them waits for their
    bank details, so we ask for them instead of promising a later payment that cannot come.
    """
    s = summary
    to = organisation or "the organisation you asked us to pay"
    out: list[str] = []
    if s.activity_count == 0:
        out.append("There are no activities on this statement for this period.")
    else:
        out.append(
            f"You took part in {plural(s.activity_count, 'activity', 'activities')} for {duration(s.total_minutes)}."
        )
    out.extend(_money_sentence("We paid you", s.fees_paid - s.fees_paid_to_organisation, s.expenses_paid, currency,
                               back=True))
    if s.fees_paid_to_organisation:
        out.append(f"We paid {money(s.fees_paid_to_organisation, currency)} for your time to {to}, as you asked.")
    owed_to_you = _money_sentence("We still owe you", s.fees_owed - s.fees_owed_to_organisation, s.expenses_owed,
                                  currency, back=False)
    out.extend(owed_to_you)
    if owed_to_you and bank_details_needed:
        out.append(BANK_DETAILS_NEEDED)
    if s.fees_owed_to_organisation:
        out.append(f"We will pay {money(s.fees_owed_to_organisation, currency)} for your time to {to}.")
    if (owed_to_you and not bank_details_needed) or s.fees_owed_to_organisation:
        out.append("This will come in a later payment.")
    if s.declined_count and s.declined_value:
        out.append(
            f"You chose not to be paid for {duration(s.declined_minutes)}. "
            f"That time was worth {money(s.declined_value, currency)}. Thank you."
        )
    elif s.declined_count:
        out.append(f"You chose not to be paid for {duration(s.declined_minutes)}. Thank you.")
    if s.expenses_declined:
        out.append(f"You chose not to be paid back {money(s.expenses_declined, currency)} for travel and other costs.")
    if s.reversed_count:
        out.append(_reversed_sentence(s.reversed_count))
    if s.activity_count and not (s.fees_paid or s.expenses_paid or s.fees_owed or s.expenses_owed or s.declined_count
                                 or s.expenses_declined):
        out.append("There was no money to pay for these activities.")
    return out


def _money_sentence(start: str, fees: Decimal, expenses: Decimal, currency: str, *, back: bool) -> list[str]:
    costs = "back for travel and other costs" if back else "for travel and other costs"
    if fees and expenses:
        return [f"{start} {money(fees, currency)} for your time and {money(expenses, currency)} {costs}."]
    if fees:
        return [f"{start} {money(fees, currency)} for your time."]
    if expenses:
        return [f"{start} {money(expenses, currency)} {costs}."]
    return []


def _reversed_sentence(count: int) -> str:
    if count == 1:
        return "1 activity was recorded by mistake and then cancelled. It is shown below but not counted."
    return f"{count} activities were recorded by mistake and then cancelled. They are shown below but not counted."


def easy_read_summary(summary: StatementSummary, currency: str, *, bank_details_needed: bool = False) -> list[str]:
    """The same facts as :func:`summary_sentences`, one short idea per line."""
    s = summary
    out: list[str] = []
    if s.activity_count == 0:
        out.append("You did not take part in anything in this time.")
    else:
        out.append(f"You took part in {plural(s.activity_count, 'activity', 'activities')}.")
        out.append(f"You gave {duration(s.total_minutes)} of your time.")
    if s.fees_paid:
        out.append(f"We paid you {money(s.fees_paid, currency)} for your time.")
    if s.expenses_paid:
        out.append(f"We paid you back {money(s.expenses_paid, currency)} for travel and other costs.")
    if s.fees_owed:
        out.append(f"We still owe you {money(s.fees_owed, currency)} for your time.")
    if s.expenses_owed:
        out.append(f"We still owe you {money(s.expenses_owed, currency)} for travel and other costs.")
    if (s.fees_owed or s.expenses_owed) and bank_details_needed:
        out.append("We need your bank details to pay you.")
    elif s.fees_owed or s.expenses_owed:
        out.append("We will pay you this later.")
    if s.declined_count:
        out.append(f"You chose not to be paid for {duration(s.declined_minutes)}.")
        out.append(f"That time was worth {money(s.declined_value, currency)}.")
        out.append("Thank you.")
    if s.expenses_declined:
        out.append(f"You chose not to get back {money(s.expenses_declined, currency)} for costs.")
    if s.reversed_count:
        out.append(
            f"We made {plural(s.reversed_count, 'mistake')} and took {'it' if s.reversed_count == 1 else 'them'} off."
        )
        out.append("Mistakes are not counted.")
    return out


def status_text(activity: StatementActivity, currency: str, organisation: str | None = None) -> str:
    """What happened to the money for one activity, in a few plain words."""
    if activity.status == "reversed":
        return "Cancelled: recorded by mistake, not counted in any total."
    parts: list[str] = []
    if activity.declined:
        parts.append(f"You chose not to be paid for this time. It was worth {money(activity.fees, currency)}.")
        if activity.expenses:
            parts.append(_costs_words(activity))
        return " ".join(parts)
    fees_done = not activity.owed_fees
    costs_done = not activity.owed_expenses
    if not activity.own_earnings:
        to = organisation or "the organisation you chose"
        if fees_done and costs_done:
            return f"Paid (your time to {to})."
        if fees_done and activity.fees:
            # The fee went to ``to``; the person's own costs come to them by bank transfer, apart.
            return f"Your time: paid to {to}. {_costs_words(activity)}"
        return f"Not all paid yet (your time goes to {to})."
    if fees_done and costs_done:
        return "Paid."
    if activity.paid_fees and not costs_done:
        return f"Your time: paid. {_costs_words(activity)}"
    return "Not paid yet."


def _costs_words(activity: StatementActivity) -> str:
    """Where the costs of one activity stand: declined, paid back or still to come."""
    if activity.expenses_declined and activity.expenses_declined == activity.expenses:
        return "You chose not to be paid back your costs."
    return "Costs not paid back yet." if activity.owed_expenses else "Costs paid back."


def easy_read_status(activity: StatementActivity, currency: str) -> list[str]:
    """:func:`status_text` for Easy Read: one idea per line."""
    if activity.status == "reversed":
        return ["This was a mistake.", "We took it off.", "It is not counted."]
    if activity.declined:
        out = ["You chose not to be paid for this time.", f"It was worth {money(activity.fees, currency)}."]
        if activity.expenses and activity.expenses_declined == activity.expenses:
            out.append("You chose not to get your costs back.")
        elif activity.expenses:
            out.append("We will pay back your costs later." if activity.owed_expenses else "We paid back your costs.")
        return out
    return ["We have paid you for this."] if activity.status == "paid" else ["We will pay you for this later."]


def explanation_lines(explanation: str) -> list[str]:
    """Split a rate-engine explanation into one idea per line for Easy Read ("a; b" -> "A.", "B.")."""
    parts = [part.strip() for part in explanation.replace(";", "\n").split("\n")]
    out = []
    for part in parts:
        if not part:
            continue
        part = part[0].upper() + part[1:]
        out.append(part if part.endswith((".", "!", "?")) else f"{part}.")
    return out


_RESTATED = re.compile(r"^You (were there|prepared|spent|travelled) for [^.;,]*\.$")
_SENTENCES = re.compile(r"(?<=\.)\s+(?=[A-Z(])")


def short_reason(explanation: str, activity_label: str = "") -> str:
    """A rate-engine explanation without the sentence that only repeats the time already shown.

    "Preparation: 2 h at £25.00 an hour = £50.00. You prepared for 2 h." -> the first sentence; a
    sentence that adds a reason (a cap, a minimum, rounding, shared pennies) is kept.
    """
    sentences = _SENTENCES.split(explanation.strip())
    kept = [sentence for sentence in sentences[1:] if not _RESTATED.match(sentence)]
    first = sentences[0]
    if activity_label and first.startswith(activity_label) and first[len(activity_label):][:2] in (": ", ", ", " ("):
        # The activity's name is already in bold above its reasons: "Meeting, as chair: 2 h ..." -> "As chair: 2 h ..."
        rest = first[len(activity_label):].lstrip(" ,")
        first = ("Taking part" + (" " if rest.startswith("(") else ", ") + rest) if not rest.startswith(":") \
            else "Taking part" + rest
    return " ".join([first, *kept])
