"""The window an activity date must fall in: one rule for recording activities and for quotes.

Why: a date such as 9999-12-31 or 0001-01-01 is always a typing slip, and it does harm if it gets in
(it sorts to the end of every statement, falls in no tax year anyone reports, and picks whatever rate
card version is newest). By default a date may be from 1 January 2000 to a year after today; both ends
are settings (``LEDGER_EARLIEST_ACTIVITY_DATE``, ``LEDGER_ACTIVITY_MONTHS_AHEAD``) for organisations that
record older work or plan further ahead.
"""

from __future__ import annotations

import calendar
from datetime import date

from ledger.clock import today
from ledger.errors import FieldProblem, Invalid
from ledger.settings import activity_months_ahead, earliest_activity_date


def add_months(on: date, months: int) -> date:
    """``on`` moved ``months`` calendar months ahead (31 January + 1 month = 28 or 29 February)."""
    index = on.month - 1 + months
    year, month = on.year + index // 12, index % 12 + 1
    return date(year, month, min(on.day, calendar.monthrange(year, month)[1]))


def activity_window(on: date | None = None) -> tuple[date, date]:
    """The first and last dates an activity may have, seen from ``on`` (default: today)."""
    return earliest_activity_date(), add_months(on or today(), activity_months_ahead())


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def activity_date_problem(value: date, field: str = "date") -> FieldProblem | None:
    """What is wrong with ``value`` as an activity date (``None`` when it is inside the window)."""
    earliest, latest = activity_window()
    if value < earliest:
        return FieldProblem(field, f"{value.isoformat()} is before {_day(earliest)}, the earliest date the ledger "
                                   "takes; check the year")
    if value > latest:
        return FieldProblem(field, f"{value.isoformat()} is more than {activity_months_ahead()} months ahead (after "
                                   f"{_day(latest)}); check the year")
    return None


def ensure_activity_date(value: date, field: str = "date") -> None:
    """Raise ``Invalid`` (422, naming ``field``) for a date outside the window."""
    problem = activity_date_problem(value, field)
    if problem is not None:
        raise Invalid(f"{problem.field}: {problem.message}", [problem])
