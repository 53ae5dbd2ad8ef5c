"""One spreadsheet cell -> one value: forgiving where the meaning is certain, strict where it is not.

Forgiving: spaces round text, ``£`` and thousands commas in amounts, Excel date cells and Excel serial
numbers (``46027`` is 6 January 2026), ``dd/mm/yyyy`` and ``yyyy-mm-dd``, ``3 March 2026``, durations
as ``90``, ``1:30``, ``1h 30m`` or ``1.5 hours``.

Strict: a date that could be read two ways (``03/04/2026``) is read day first ONLY when no other date in
the same file is written month first; a two-digit year, a decimal comma (``12,40``), a bare ``1.5``
under a minutes heading (90 minutes? 1.5 minutes?) are errors that say how to write them, never
guesses. Each function raises :class:`CellProblem` with the words to show and what to do.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

EXCEL_1900 = dt.date(1899, 12, 30)  # serial 1 is 1 January 1900 (Excel counts a 29 February 1900 that never was)
EXCEL_1904 = dt.date(1904, 1, 1)
MAX_SERIAL = 2958465  # 31 December 9999
MONTHS = {name: number for number, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")), start=1) for name in names}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::00)?$")
_UNITS = re.compile(r"(\d+(?:\.\d+)?)\s*(hours|hour|hrs|hr|h|minutes|minute|mins|min|m)\b")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")
DATE_HOW = "write it as 31/01/2026 (day first) or 2026-01-31"


class CellProblem(Exception):
    """A cell that cannot be read: ``message`` says what is wrong, ``what_to_do`` how to write it."""

    def __init__(self, message: str, what_to_do: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.what_to_do = what_to_do


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object) -> str:
    """A cell as text with the spaces round it removed (``12345678.0`` from a number cell is ``12345678``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value).strip()


def squash(value: str) -> str:
    """For matching words typed by people: lower case, runs of spaces, dashes and underscores as one space."""
    return " ".join(re.sub(r"[\s_\-]+", " ", value.casefold()).split())


# ------------------------------------------------------------------------------------------ dates


class DateStyle:
    """What the file's own dates say about how its ``nn/nn/yyyy`` dates are written.

    A date such as ``23/04/2026`` can only be day first; ``04/23/2026`` only month first. A file with any
    month-first date makes every ``03/04/2026`` in it ambiguous; the caller reports those at the end.
    """

    def __init__(self) -> None:
        self.month_first_example: tuple[int, str] | None = None  # (row, text)
        self.ambiguous: list[tuple[int, str, str]] = []  # (row, column key, text)

    def saw_month_first(self, row: int, written: str) -> None:
        if self.month_first_example is None:
            self.month_first_example = (row, written)


def excel_serial(number: float, epoch: dt.date = EXCEL_1900) -> dt.date:
    if not float(number).is_integer() or not 1 <= number <= MAX_SERIAL:
        raise CellProblem(f"{text(number)} is not a date", f"{DATE_HOW}")
    return epoch + dt.timedelta(days=int(number))


def parse_date(value: object, *, row: int, column: str, style: DateStyle, epoch: dt.date = EXCEL_1900) -> dt.date:
    """A date cell: an Excel date, an Excel serial number, or text in one of the accepted ways."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellProblem(f"{text(value)!r} is not a date", DATE_HOW)
    if isinstance(value, int | float):
        return excel_serial(value, epoch)
    written = text(value)
    lowered = written.casefold()
    if lowered.isdigit():
        return excel_serial(int(lowered), epoch)
    if found := _ISO.match(written):
        return _make(int(found[1]), int(found[2]), int(found[3]), written)
    if found := _NUMERIC.match(written):
        first, second, year_text = int(found[1]), int(found[3]), found[4]
        if len(year_text) == 2:
            raise CellProblem(f"{written!r} has a two-digit year, which could be more than one century",
                              "write the year in full, for example 31/01/2026")
        year = int(year_text)
        if first > 12 >= second:
            return _make(year, second, first, written)
        if second > 12 >= first:
            style.saw_month_first(row, written)
            raise CellProblem(f"{written!r} has the month first (American style); the ledger reads dd/mm/yyyy",
                              f"write it as {second:02d}/{first:02d}/{year} or {year}-{first:02d}-{second:02d}")
        if first != second and first <= 12:
            style.ambiguous.append((row, column, written))
        return _make(year, second, first, written)
    for pattern, day_at, month_at in ((_DAY_MONTH_NAME, 1, 2), (_MONTH_NAME_DAY, 2, 1)):
        if found := pattern.match(lowered):
            month = MONTHS.get(found[month_at].rstrip("."))
            if month is not None:
                return _make(int(found[3]), month, int(found[day_at]), written)
    raise CellProblem(f"{written!r} is not a date the ledger can read", DATE_HOW)


def _make(year: int, month: int, day: int, written: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem(f"{written!r} is not a real date", DATE_HOW) from None


def _day(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def ambiguous_problem(written: str, example: tuple[int, str]) -> CellProblem:
    row, other = example
    first, second, year = (int(part) for part in re.split(r"[/.\-]", written))
    day_first, month_first = dt.date(year, second, first), dt.date(year, first, second)
    return CellProblem(
        f"{written!r} could be {_day(day_first)} or {_day(month_first)}: other dates in this file are "
        f"written month first (row {row}: {other!r}), so the ledger will not guess",
        f"write it as {day_first.isoformat()} or {month_first.isoformat()} (year-month-day)",
    )


# -------------------------------------------------------------------------------------- durations


def parse_minutes(value: object, *, hours: bool = False) -> int:
    """A duration in whole minutes: ``90``, ``1:30``, ``1h 30m``, ``1.5 hours``, an Excel time cell.

    A bare number is minutes, or hours when the column's heading says hours (``Time (hours)``).
    """
    how = "write it as minutes (90), hours and minutes (1:30) or 1h 30m"
    if isinstance(value, dt.timedelta):
        return _whole_minutes(Decimal(value.total_seconds()) / 60, text(value), how)
    if isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise CellProblem(f"{value.isoformat()!r} has seconds in it", how)
        return value.hour * 60 + value.minute
    if isinstance(value, dt.datetime | dt.date):
        raise CellProblem(f"{text(value)!r} is a date, not a length of time", how)
    if isinstance(value, bool):
        raise CellProblem(f"{text(value)!r} is not a length of time", how)
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return _bare_number(number, text(value), hours, how)
    written = text(value)
    lowered = written.casefold().replace(",", " ")
    if _PLAIN_NUMBER.match(lowered):
        return _bare_number(Decimal(lowered), written, hours, how)
    if found := _CLOCK.match(lowered):
        return int(found[1]) * 60 + int(found[2])
    parts = _UNITS.findall(lowered)
    if parts and not _UNITS.sub("", lowered).replace("and", "").strip():
        total = Decimal(0)
        for number, unit in parts:
            total += Decimal(number) * (60 if unit.startswith("h") else 1)
        return _whole_minutes(total, written, how)
    raise CellProblem(f"{written!r} is not a length of time the ledger can read", how)


def _bare_number(number: Decimal, written: str, hours: bool, how: str) -> int:
    if number < 0:
        raise CellProblem(f"{written!r} is less than nothing", how)
    if hours:
        return _whole_minutes(number * 60, written, "write hours as 1.5 or 1:30, or minutes as 1h 30m")
    if number != number.to_integral_value():
        raise CellProblem(f"{written!r} could be minutes or hours: a bare number here is read as minutes",
                          "write 90 for 90 minutes, or 1h 30m (or 1:30) for an hour and a half")
    return int(number)


def _whole_minutes(minutes: Decimal, written: str, how: str) -> int:
    if minutes < 0:
        raise CellProblem(f"{written!r} is less than nothing", how)
    if minutes != minutes.to_integral_value():
        raise CellProblem(f"{written!r} is not a whole number of minutes", how)
    return int(minutes)


# ---------------------------------------------------------------------------------------- amounts


def parse_amount(value: object) -> str:
    """An amount as exact text for the services (``"1234.50"``): ``£`` and thousands commas allowed.

    The services decide what an amount may be (pence, limits); this only makes the text readable. A float
    from a number cell is taken by its shortest written form (``12.4``), never its binary value.
    """
    how = "write pounds and pence with a point, for example 12.40 or £1,234.50"
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellProblem(f"{text(value)!r} is not an amount", how)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    written = text(value)
    cleaned = written.replace(" ", "")
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-")
    for prefix in ("£", "GBP", "gbp"):
        cleaned = cleaned.removeprefix(prefix)
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned):
            raise CellProblem(f"{written!r} has a comma the ledger cannot read (12,40 could be 12.40 or 1,240)",
                              how)
        cleaned = cleaned.replace(",", "")
    if not _PLAIN_NUMBER.match(cleaned):
        raise CellProblem(f"{written!r} is not an amount", how)
    try:
        Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only digits and one point
        raise CellProblem(f"{written!r} is not an amount", how) from None
    return ("-" if negative else "") + cleaned


def parse_whole(value: object, what: str) -> int:
    """A whole number (miles, passengers): ``12``, ``12.0``; ``12.5`` is an error, not 12 or 13."""
    how = f"write the {what} as a whole number, for example 12"
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellProblem(f"{text(value)!r} is not a number", how)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        written = text(value).casefold().removesuffix("miles").removesuffix("mi").strip()
        if not _PLAIN_NUMBER.match(written):
            raise CellProblem(f"{text(value)!r} is not a number", how)
        number = Decimal(written)
    if number != number.to_integral_value():
        raise CellProblem(f"{text(value)!r} is not a whole number", how)
    return int(number)


def choose(value: object, choices: dict[str, str], what: str) -> str:
    """A word from a fixed list (``choices`` maps accepted spellings, squashed, to the stored value)."""
    key = squash(text(value))
    if key in choices:
        return choices[key]
    allowed = sorted(set(choices.values()))
    raise CellProblem(f"{text(value)!r} is not a {what} the ledger knows",
                      "use one of: " + ", ".join(a.replace("_", " ") for a in allowed))
