"""Words for people: dates, durations and money written the way a reader says them.

Why not ``strftime``: month and day names from ``strftime`` follow the machine's locale, and a statement
must read the same (and be byte-identical) wherever it is made. Durations are written out in full
("1 hour 30 minutes", never "1.5h" or "90 min") because readers should not have to convert anything.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from ledger.money import display_amount

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MODE_WORDS = {"in_person": "in person", "online": "online", "phone": "by phone"}


def long_date(day: date) -> str:
    """``Monday 1 December 2025``."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def plain_date(day: date) -> str:
    """``1 December 2025``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """``1 Dec 2025`` (for narrow table cells)."""
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def month_label(month: str) -> str:
    """``2025-12`` -> ``Dec 2025``."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1][:3]} {year}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 activity``, ``6 activities``."""
    word = one if count == 1 else (many or f"{one}s")
    return f"{count} {word}"


def duration(minutes: int) -> str:
    """``14 hours 30 minutes``, ``1 hour``, ``45 minutes``, ``0 minutes``."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(plural(hours, "hour"))
    if rest or not hours:
        parts.append(plural(rest, "minute"))
    return " ".join(parts)


def money(amount: Decimal, currency: str) -> str:
    """``£1,234.50``: the one way people see money (from :mod:`ledger.money`)."""
    return display_amount(amount, currency)


def mode_words(mode: str) -> str:
    """``in_person`` -> ``in person``; unknown modes keep their text without underscores."""
    return MODE_WORDS.get(mode, mode.replace("_", " "))


def markup(text: str) -> str:
    """Escape text for ReportLab paragraph markup so names like "R&D <pilot>" print as written."""
    return escape(text)
