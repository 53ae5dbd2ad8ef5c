"""Words for people: durations and amounts written the way a participant would say them."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from ledger.money import display_amount, display_rate


@lru_cache(maxsize=4096)
def duration(minutes: int | Decimal) -> str:
    """62 -> "1 h 2 min"; 120 -> "2 h"; 45 -> "45 min"; 0 -> "0 min"."""
    whole = int(minutes)
    hours, mins = divmod(whole, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    if hours:
        return f"{hours} h"
    return f"{mins} min"


def money(amount: Decimal, currency: str) -> str:
    return display_amount(amount, currency)


def rate(value: Decimal, currency: str) -> str:
    return display_rate(value, currency)


def factor(value: Decimal) -> str:
    """1.50 -> "1.5", 1.0 -> "1"."""
    text = f"{value.normalize():f}"
    return text


def miles(count: int) -> str:
    return f"{count:,} mile" + ("" if count == 1 else "s")
