"""UK tax years (6 April to 5 April) and benefit weeks (Monday to Sunday)."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.errors import invalid_field


def tax_year_start(on: date) -> date:
    """The 6 April on or before ``on``: 5 April 2026 is in the 2025 to 2026 tax year."""
    start = date(on.year, 4, 6)
    return start if on >= start else date(on.year - 1, 4, 6)


def tax_year_end(on: date) -> date:
    start = tax_year_start(on)
    return date(start.year + 1, 4, 5)


def tax_year_label(on: date) -> str:
    """Plain words: "6 April 2025 to 5 April 2026" is "tax year 2025 to 2026"."""
    start = tax_year_start(on)
    return f"{start.year} to {start.year + 1}"


def week_start(on: date) -> date:
    """The Monday of ``on``'s week (benefit earnings limits are weekly, Monday to Sunday)."""
    return on - timedelta(days=on.weekday())


def week_end(on: date) -> date:
    return week_start(on) + timedelta(days=6)


def default_period(today: date) -> tuple[date, date]:
    """The period a report covers when none is asked for: the current UK tax year (6 April to 5 April).

    One rule for statements and spend reports alike, so both open on the same dates.
    """
    return tax_year_start(today), tax_year_end(today)


def resolve_period(period_from: date | None, period_to: date | None, today: date) -> tuple[date, date]:
    """A report's period from what was asked: nothing -> the current tax year; only a start -> to the
    end of that start's tax year; only an end -> from the start of that end's tax year. A period that
    starts after it ends is refused, naming ``from``."""
    if period_from is None and period_to is None:
        period_from, period_to = default_period(today)
    elif period_from is None:
        assert period_to is not None
        period_from = tax_year_start(period_to)
    elif period_to is None:
        period_to = tax_year_end(period_from)
    if period_from > period_to:
        raise invalid_field("from", f"the period starts ({period_from.isoformat()}) after it ends "
                                    f"({period_to.isoformat()}); swap the dates")
    return period_from, period_to
