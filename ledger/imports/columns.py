"""The columns of each kind of file: their headings in plain English, the other ways people write them,
what goes in them (for the template's notes sheet), and how a heading row is found and matched.

Headings match whatever their case, spacing and punctuation (``Date of meeting``, ``DATE``, ``date:``)
and common other words for the same thing. A title row above the headings, a heading cell merged over
two rows, or a group heading merged over several columns (``Expense`` over ``type``, ``amount``,
``receipt``) are all understood. A heading the ledger does not know is left out and said so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.imports.values import is_blank, squash, text

HEADING_SEARCH_ROWS = 10
MAX_EXPENSES = 3


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # as the template writes it
    note: str  # what goes in it, for the notes sheet
    example: Any = ""
    required: bool = False
    synonyms: tuple[str, ...] = ()
    private: bool = False  # bank details: never repeated back in a report


def _expense_columns() -> list[Column]:
    columns: list[Column] = []
    for number in range(1, MAX_EXPENSES + 1):
        nth = "" if number == 1 else f" {number}"
        words = ("", "expense") if number == 1 else (f"expense {number}",)
        columns += [
            Column(f"expense{number}_type", f"Expense{nth} type",
                   "An expense paid back at cost: public transport, taxi, parking, carer, childcare, food and drink, "
                   "accommodation (the rate card's names or keys)." if number == 1 else
                   f"A {number}{'nd' if number == 2 else 'rd'} expense, if there is one.",
                   "public transport" if number == 1 else "",
                   synonyms=tuple(f"{w} {s}".strip() for w in words for s in ("type", "category", "kind"))
                   + (("expense", "expenses") if number == 1 else ())),
            Column(f"expense{number}_amount", f"Expense{nth} amount",
                   "How much, in pounds and pence (12.40, £12.40 or £1,234.50).", "12.40" if number == 1 else "",
                   synonyms=tuple(f"{w} {s}".strip() for w in words for s in ("amount", "cost", "£", "paid"))
                   + (("amount", "cost") if number == 1 else ())),
            Column(f"expense{number}_receipt", f"Expense{nth} receipt",
                   "The receipt's reference, if the rate card needs one for this amount.", "",
                   synonyms=tuple(f"{w} {s}".strip() for w in words for s in ("receipt", "receipt reference",
                                                                               "receipt number", "receipt ref"))),
        ]
    return columns


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("project", "Project", "The project's code, as in the ledger (for example NHS-DIAB). Leave the column "
           "out if you import for one project and name it when you import.", "NHS-DIAB",
           synonyms=("project code", "project id", "programme")),
    Column("date", "Date", "The day it happened: 31/01/2026 (day first), 2026-01-31, or an Excel date.",
           "14/01/2026", required=True,
           synonyms=("activity date", "date of activity", "meeting date", "date of meeting", "when", "day")),
    Column("activity", "Activity type", "What kind of involvement, as the project's rate card names it (for example "
           "meeting, or its label such as 'Meeting or workshop').", "meeting", required=True,
           synonyms=("activity", "type", "type of activity", "kind of activity", "kind", "activity kind")),
    Column("mode", "In person or online", "in person or online. Blank means in person.", "in person",
           synonyms=("mode", "online or in person", "way of taking part", "how", "format", "attendance")),
    Column("description", "Description", "A few words about it (shown to the person in their statement).",
           "Diabetes service steering group",
           synonyms=("title", "meeting", "meeting name", "name of meeting", "details", "activity description")),
    Column("participant", "Participant", "Who took part: their reference (P-0012), or their email or name "
           "exactly as in the ledger. A name two people share is an error: use the reference. You may use "
           "the Name and Email columns instead, or as well (then they must agree).", "P-0001",
           synonyms=("participant reference", "reference", "person", "who", "attendee", "member", "ref")),
    Column("participant_name", "Name", "The person's name, if there is no Participant column (or as a check).",
           "Alex Example", synonyms=("participant name", "full name", "name of participant", "attendee name")),
    Column("participant_email", "Email", "The person's email, if there is no Participant column (or as a check).",
           "", synonyms=("participant email", "email address", "e mail", "e mail address")),
    Column("role", "Role", "Their role, if the rate card pays roles differently (for example chair). Blank "
           "means member.", "member", synonyms=("their role", "role in meeting")),
    Column("involvement_minutes", "Time taking part", "How long they took part: 90, 1:30, 1h 30m (a bare number "
           "is minutes, or hours if the heading says hours).", "1:30", required=True,
           synonyms=("involvement", "involvement time", "involvement minutes", "time", "duration", "minutes",
                     "meeting time", "time in meeting", "length", "time spent")),
    Column("preparation_minutes", "Preparation time", "Time spent preparing (reading papers), same ways as "
           "above. Blank means none.", "30", synonyms=("preparation", "prep", "prep time", "preparation minutes")),
    Column("follow_up_minutes", "Follow-up time", "Follow-up support afterwards, same ways as above.", "",
           synonyms=("follow up", "follow up support", "follow up minutes", "debrief", "follow up time")),
    Column("travel_minutes", "Travel time", "Time spent travelling, same ways as above.", "",
           synonyms=("travel", "travel minutes", "travelling time")),
    Column("mileage_vehicle", "Vehicle", "For mileage: car, motorcycle or bicycle (the rate card's names). "
           "Blank if they did not drive.", "", synonyms=("mileage vehicle", "vehicle type", "transport")),
    Column("mileage_miles", "Miles", "Miles driven for this activity, a whole number.", "",
           synonyms=("mileage", "miles driven", "mileage miles", "distance")),
    Column("mileage_passengers", "Passengers", "Passengers they carried (paid per passenger per mile).", "",
           synonyms=("passenger", "number of passengers", "mileage passengers")),
    *_expense_columns(),
)

PARTICIPANT_COLUMNS: tuple[Column, ...] = (
    Column("reference", "Reference", "Leave blank for someone new: the ledger gives each person a reference "
           "(P-0012). Fill it in only to say the person is already in the ledger.", "",
           synonyms=("participant reference", "ledger reference", "id")),
    Column("name", "Name", "Their full name.", "Alex Example", required=True,
           synonyms=("full name", "participant", "participant name", "person")),
    Column("preferred_name", "Preferred name", "What they like to be called, if different.", "Alex",
           synonyms=("known as", "preferred", "nickname")),
    Column("email", "Email", "Their email address.", "alex@example.org",
           synonyms=("email address", "e mail", "e mail address")),
    Column("phone", "Phone", "Their phone number.", "07700 900123",
           synonyms=("phone number", "telephone", "mobile", "tel")),
    Column("payment_preference", "Payment choice", "How they want to be paid: bank transfer, voucher, "
           "organisation (paid to a charity or employer), expenses only, or decline (no payment).",
           "bank transfer", required=True,
           synonyms=("payment preference", "payment", "payment method", "how paid", "pay by")),
    Column("bank_account_name", "Name on bank account", "For bank transfer: the name on the account. Bank details "
           "are not used until a second person (finance) confirms them.", "A EXAMPLE",
           synonyms=("account name", "bank account name", "name on account"), private=True),
    Column("bank_sort_code", "Sort code", "6 digits, for example 12-34-56. Format the column as text so a "
           "leading 0 is kept.", "12-34-56", synonyms=("bank sort code", "sortcode"), private=True),
    Column("bank_account_number", "Account number", "8 digits. Format the column as text so a leading 0 is kept.",
           "12345678", synonyms=("bank account number", "account no", "account"), private=True),
    Column("organisation_name", "Organisation to pay", "If they asked for their fee to go to an organisation: "
           "its name.", "", synonyms=("organisation", "organisation name", "charity", "payee organisation",
                                      "organization", "organization name")),
    Column("organisation_reference", "Organisation reference", "The organisation's reference for them, if any.",
           "", synonyms=("organisation ref", "organization reference")),
    Column("statement_style", "Statement style", "standard, large print or easy read. Blank means standard.",
           "standard", synonyms=("statement", "statement format", "statements", "format")),
    Column("projects", "Projects", "The codes of the projects they belong to, separated by commas.", "NHS-DIAB",
           synonyms=("project", "project codes", "project code")),
)

COLUMNS = {"participants": PARTICIPANT_COLUMNS, "activities": ACTIVITY_COLUMNS}
_UNITS = re.compile(r"\((?P<inside>[^)]*)\)")
_HOURS = re.compile(r"\b(hours|hour|hrs|hr)\b")


@dataclass(frozen=True)
class Heading:
    index: int  # 0-based column
    key: str
    written: str  # the heading as the file has it
    hours: bool = False  # the heading says the numbers in it are hours

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class HeadingRow:
    row: int
    by_key: dict[str, Heading]
    left_out: list[str] = field(default_factory=list)  # headings we do not read
    problems: list[str] = field(default_factory=list)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as spreadsheets name columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _lookup(columns: Iterable[Column]) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in columns:
        for spelling in (column.heading, column.key, *column.synonyms):
            found.setdefault(_clean(spelling), column.key)
    return found


def _clean(heading: str) -> str:
    words = _UNITS.sub(lambda m: " " if _HOURS.search(m["inside"].casefold()) or "min" in m["inside"] else
                       f" {m['inside']} " if m["inside"].strip() == "£" else " ", heading)
    words = re.sub(r"[*:?.#]", " ", words.replace("-", " ").replace("/", " "))
    words = squash(words)
    for filler in ("optional", "required", "if any"):
        words = words.removesuffix(f" {filler}")
    return words.removesuffix(" in minutes").removesuffix(" in hours").removesuffix(" hours").removesuffix(
        " minutes").removesuffix(" mins").strip()


LOOKUPS = {kind: _lookup(columns) for kind, columns in COLUMNS.items()}


def match_heading(kind: str, written: str) -> tuple[str | None, bool]:
    """The column key a heading names (or ``None``), and whether it says its numbers are hours."""
    cleaned = _clean(written)
    hours = bool(_HOURS.search(written.casefold()))
    return LOOKUPS[kind].get(cleaned), hours


def find_heading_row(kind: str, first_rows: list[tuple[int, list[Any]]]) -> HeadingRow | None:
    """The heading row among the first rows with something in them: the first one naming 2+ columns.

    A group heading merged over several columns is in the row above, in its first cell only (that is how
    a merged cell is stored); it is carried to the right until the next one and put in front of headings
    that mean nothing alone (``Expense`` + ``amount``). A heading merged over two rows is stored in the
    upper row with the lower cell blank.
    """
    above: list[Any] = []
    for number, cells in first_rows[:HEADING_SEARCH_ROWS]:
        headings = _headings(kind, cells, above)
        if len(headings.by_key) >= 2:
            headings.row = number
            return headings
        above = cells
    return None


def _headings(kind: str, cells: list[Any], above: list[Any]) -> HeadingRow:
    found = HeadingRow(row=0, by_key={})
    group = ""
    width = max(len(cells), len(above))
    for index in range(width):
        over = above[index] if index < len(above) else None
        if not is_blank(over):
            group = text(over)
        cell = cells[index] if index < len(cells) else None
        written = text(cell)
        key, hours = None, False
        if written and group:  # under a group heading, "type" is the expense's type, not the activity's
            key, hours = match_heading(kind, f"{group} {written}")
            written = f"{group} {written}" if key else written
        if key is None and written:
            key, hours = match_heading(kind, written)
        if key is None and not written and not is_blank(over):
            written = text(over)
            key, hours = match_heading(kind, written)
            if key is None:
                continue
        if key is None:
            if written:
                found.left_out.append(f"column {column_letter(index)} ({written})")
            continue
        if key in found.by_key:
            first = found.by_key[key]
            found.problems.append(f"columns {first.letter} ({first.written}) and {column_letter(index)} ({written}) "
                                  "both look like the same column")
            continue
        found.by_key[key] = Heading(index=index, key=key, written=written, hours=hours)
    return found


def columns_of(kind: str) -> dict[str, Column]:
    return {column.key: column for column in COLUMNS[kind]}
