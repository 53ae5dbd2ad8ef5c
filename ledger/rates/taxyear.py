"""UK tax years (6 April to 5 April) and benefit weeks (Monday to Sunday)."""

from __future__ import annotations

from datetime import date, timedelta


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
