"""Easy Read words for how money was worked out: the rate engine's lines said without sums or jargon.

Why a separate rendering and not the engine's explanations: those are written for staff and for the
standard statement ("£75.00 for up to 4 h in total = £75.00", "£27.50 x 1.5 for chair", "12 passenger
miles at £0.05 a passenger mile"). Easy Read needs short sentences with words: no "=", no "x", no
abbreviations, one idea each. The facts come from each line's kind, minutes, count and amount (the same
numbers the engine fixed at approval), so nothing is re-calculated here; the explanation text is read
only for two labels the line does not carry on its own (an expense's category, a band's name).

Abbreviations in labels people typed (watch limits such as "ESA permitted work limit") are spelled out
with :func:`spell_out`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from ledger.exports.pdf.text import duration, money, plural
from ledger.reports.statement_data import StatementActivity, StatementLine

#: Abbreviations people may meet on a statement, spelled out. Longest first when matching.
ABBREVIATIONS: dict[str, str] = {
    "ESA": "Employment and Support Allowance",
    "PIP": "Personal Independence Payment",
    "DLA": "Disability Living Allowance",
    "JSA": "Jobseeker's Allowance",
    "UC": "Universal Credit",
    "CA": "Carer's Allowance",
    "HB": "Housing Benefit",
    "HMRC": "the tax office (HM Revenue and Customs)",
    "NHS": "National Health Service",
    "NIHR": "National Institute for Health and Care Research",
    "PA": "personal assistant",
    "ICB": "Integrated Care Board",
    "PPI": "patient and public involvement",
    "PPIE": "patient and public involvement and engagement",
}

_ABBREVIATION = re.compile(r"\b(" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + r")\b")

TIME_KINDS = {
    "involvement": "taking part",
    "preparation": "getting ready",
    "follow_up": "doing work after",
    "travel_time": "travelling",
}

#: Expense categories in everyday words, keyed by the start of the rate card's label (lower case).
COST_WORDS: dict[str, str] = {
    "public transport": "bus, train or tram tickets",
    "taxi": "a taxi",
    "parking": "parking",
    "carer": "a carer or personal assistant",
    "childcare": "childcare",
    "food and drink": "food and drink",
    "accommodation": "somewhere to stay",
}


#: Rate-card activity names in everyday words, keyed by how the card's label starts (lower case).
ACTIVITY_WORDS: dict[str, str] = {
    "meeting": "A meeting",
    "co-facilitating": "Helping to run a session",
    "reading and commenting": "Reading papers and saying what you think",
    "recruitment or interview": "Helping to choose new staff",
    "short survey": "A short survey",
    "chair": "Chairing a meeting",
}


#: What the person did, as the end of a sentence that starts "On 6 October 2025 ...".
ACTIVITY_DONE: dict[str, str] = {
    "meeting": "you went to a meeting",
    "co-facilitating": "you helped to run a session",
    "reading and commenting": "you read papers and told us what you think",
    "recruitment or interview": "you helped us choose new staff",
    "short survey": "you did a short survey",
    "chair": "you chaired a meeting",
}


def activity_sentence(label: str, on: str) -> str:
    """``On 6 October 2025 you went to a meeting.``: the day and what was done, in one short sentence.

    ``on`` is the date as markup (it may be bold). A label we do not know is kept as written.
    """
    lowered = label.strip().lower()
    for start, words in ACTIVITY_DONE.items():
        if lowered.startswith(start):
            return f"On {on} {words}."
    return f"On {on}: {spell_out(label)}."


def activity_words(label: str) -> str:
    """``Meeting, workshop or focus group`` -> ``A meeting``; labels we do not know stay as written."""
    lowered = label.strip().lower()
    for start, words in ACTIVITY_WORDS.items():
        if lowered.startswith(start):
            return words
    return spell_out(label)


def spell_out(text: str) -> str:
    """``ESA permitted work limit`` -> ``Employment and Support Allowance permitted work limit``."""
    return _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1)], text)


def _cost_name(line: StatementLine) -> str:
    label = line.explanation.split(":", 1)[0].strip().lower()
    for start, words in COST_WORDS.items():
        if label.startswith(start):
            return words
    return re.sub(r"\s*\([^)]*\)", "", label) or "other costs"


def _band_name(line: StatementLine) -> str | None:
    head = line.explanation.split(":", 1)[0]
    found = re.search(r"\(([^)]+)\)\s*$", head)
    return found.group(1).strip() if found else None


def _join(items: Sequence[str]) -> str:
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _count(line: StatementLine) -> int | None:
    try:
        return int(Decimal(line.quantity)) if line.quantity is not None else None
    except ArithmeticError:
        return None


def time_sentence(activity: StatementActivity) -> str:
    """``You gave 4 hours: 2 hours taking part, 1 hour 30 minutes getting ready and 30 minutes after.``"""
    parts = [
        f"{duration(line.minutes)} {TIME_KINDS[line.kind]}"
        for line in activity.lines
        if line.kind in TIME_KINDS and line.minutes
    ]
    total = f"You gave {duration(activity.minutes)}"
    if len(parts) > 1:
        return f"{total}. That is {_join(parts)}."
    return f"{total}."


def fee_reasons(activity: StatementActivity, currency: str) -> list[str]:
    """Why the money for time is what it is, in a few short sentences (no sums)."""
    out: list[str] = []
    role = activity.role if activity.role not in ("", "member") else ""
    for line in activity.lines:
        if not line.is_fee:
            continue
        text = line.explanation.lower()
        if line.kind == "involvement" and role:
            out.append(f"You were the {role}, so we paid more for each hour.")
        if line.kind == "involvement" and "we always pay at least" in text:
            out.append("We always pay for a set amount of time, even if it was shorter.")
        if line.kind == "preparation":
            out.extend(_preparation_cap(text))
        if line.kind == "follow_up":
            capped = _FOLLOW_UP_CAP.search(text)
            cap = _minutes(capped.group(1)) if capped else None
            if cap is not None:
                out.append(f"We pay for up to {duration(cap)} of work after.")
        if line.kind == "fixed_fee":
            out.append("We pay a set amount for this, however long it takes.")
        if line.kind == "band":
            name = _band_name(line)
            out.append(f"We pay a set amount for a {name}." if name else "We pay a set amount for this much time.")
        if line.kind == "daily_cap":
            out.append(f"We can only pay so much for one day, so we took off {money(-line.amount, currency)}.")
    return list(dict.fromkeys(out))


# The rate engine's words (ledger/rates/engine.py), lower-cased: "you prepared for 2 h; we pay preparation
# up to 1 x the time of the activity (1 h 30 min)" and "...; we pay up to 1 h of follow-up for each activity".
_PREPARATION_CAP = re.compile(r"you prepared for ([^;]+); we pay preparation up to ([\d.]+) x the time of the "
                              r"activity \(([^)]+)\)")
_FOLLOW_UP_CAP = re.compile(r"we pay up to ([^;.]+?) of follow-up")
_DURATION = re.compile(r"^(?:(\d+) h)?\s*(?:(\d+) min)?$")


def _minutes(text: str) -> int | None:
    """``1 h 30 min`` -> 90 (the engine's short durations); None for words we do not recognise."""
    found = _DURATION.match(text.strip())
    if not found or not any(found.groups()):
        return None
    return int(found.group(1) or 0) * 60 + int(found.group(2) or 0)


def _preparation_cap(text: str) -> list[str]:
    """Say the limit on paid getting-ready time only when it cut the time the person gave."""
    found = _PREPARATION_CAP.search(text)
    if not found:
        return []
    prepared, times, activity = _minutes(found.group(1)), Decimal(found.group(2)), _minutes(found.group(3))
    if prepared is None or activity is None or prepared <= times * activity:
        return []
    if times == 1:
        return ["We pay for getting ready for as long as the activity, and no longer."]
    return [f"We pay for getting ready for up to {times.normalize():f} times as long as the activity."]


def cost_items(activity: StatementActivity) -> str:
    """What the costs paid back were for: ``driving 12 miles, 1 passenger and bus, train or tram tickets``."""
    items: list[str] = []
    for line in activity.lines:
        if line.is_fee:
            continue
        count = _count(line)
        if line.kind == "mileage":
            items.append(f"driving {plural(count, 'mile')}" if count else "driving")
        elif line.kind == "passenger":
            items.append("taking someone with you")
        elif line.kind == "online_allowance":
            items.append("phone and internet costs")
        else:
            items.append(_cost_name(line))
    return _join(list(dict.fromkeys(items)))
