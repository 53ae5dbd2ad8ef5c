"""Shared helpers for the rate-card tests: the presets as editable documents, and the line kinds.

Cards under test are built the way an administrator builds them: by editing TOML (here its parsed
dict) and reading it with ``parse_card``, so every test card has passed the same checks as a real one.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from ledger.rates.engine import Line, Quote, QuoteInput, calculate
from ledger.rates.loader import parse_card
from ledger.rates.model import RateCard
from ledger.rates.registry import PRESETS

from . import oracle

FEE_KINDS = frozenset({"involvement", "preparation", "follow_up", "travel_time", "fixed_fee", "band", "daily_cap"})
EXPENSE_KINDS = frozenset({"online_allowance", "mileage", "passenger", "expense"})
TIME_KINDS = frozenset({"involvement", "preparation", "follow_up", "travel_time"})

UPLIFT = date(2025, 12, 16)  # the nihr-style 10% uplift
BEFORE_UPLIFT = date(2025, 12, 15)


@cache
def _preset_text(key: str) -> str:
    return (PRESETS / f"{key}.toml").read_text(encoding="utf-8")


def preset_text(key: str) -> str:
    """The preset's TOML exactly as shipped (to edit as text)."""
    return _preset_text(key)


def preset_document(key: str) -> dict[str, Any]:
    """A fresh, freely editable parsed copy of a preset card."""
    return copy.deepcopy(tomllib.loads(_preset_text(key)))


def card_from(document: dict[str, Any], file: str = "test-card.toml") -> RateCard:
    return parse_card(document, file)


@cache
def preset(key: str) -> RateCard:
    return card_from(preset_document(key), f"{key}.toml")


def examples(local: int) -> int:
    """How many examples a heavy property runs: ``local`` in the default profile, three times as many in
    the "ci" profile (not the profile's tenfold), which keeps this folder to about two minutes of CI."""
    from hypothesis import settings

    return local if settings().max_examples <= 100 else 3 * local


def with_daily_cap(document: dict[str, Any], cap: str) -> dict[str, Any]:
    """The same card with a daily fee cap on every version."""
    edited = copy.deepcopy(document)
    for version in edited["versions"]:
        version.setdefault("limits", {})["daily_fee_cap"] = cap
    return edited


def quote(card: RateCard, request: QuoteInput) -> Quote:
    return calculate(card, request)


def lines_of(result: Quote, kind: str) -> list[Line]:
    return [line for line in result.lines if line.kind == kind]


def only(result: Quote, kind: str) -> Line:
    found = lines_of(result, kind)
    assert len(found) == 1, f"expected one {kind} line, got {[line.kind for line in result.lines]}"
    return found[0]


def round_up(minutes: Decimal | int, unit: int) -> int:
    """Up to a whole number of units, as the specification says ("rounded up per component").

    The oracle's own arithmetic, not the engine's ``ceil_units``: a helper that borrows the code it checks
    agrees with it even when both are wrong.
    """
    return oracle.round_up_to(Fraction(minutes), unit)


def _places(currency: str) -> int:
    return oracle.MINOR_UNITS[currency]


def largest_remainder(exact: list[Decimal], currency: str) -> list[Decimal]:
    """The largest-remainder rule written out independently of the engine (``oracle.largest_remainder``)."""
    places = _places(currency)
    shares = oracle.largest_remainder([Fraction(value) * 10**places for value in exact])
    return [Decimal(units).scaleb(-places) for units in shares]


def time_amounts_from_rates(lines: tuple[Line, ...] | list[Line], currency: str) -> list[Decimal]:
    """What the time lines must be worth (RATE_CARDS.md step 4): per rate, the rate x their total time
    rounded once, shared between them by the largest-remainder rule, in line order."""
    timed = [line for line in lines if line.kind in TIME_KINDS]
    expected: dict[int, Decimal] = {}
    rates = list(dict.fromkeys(line.rate for line in timed))
    for rate in rates:
        group = [i for i, line in enumerate(timed) if line.rate == rate]
        # Exact fractions: a 60th of a rate held as a 28-digit Decimal can lose a half penny or break a tie.
        places = _places(currency)
        exact = [Fraction(rate) * (timed[i].minutes or 0) / 60 * 10**places for i in group]
        for i, units in zip(group, oracle.largest_remainder(exact), strict=True):
            expected[i] = Decimal(units).scaleb(-places)
    return [expected[i] for i in range(len(timed))]


def amount_from_rate(line: Line, currency: str) -> Decimal:
    """What a non-time line must be worth given only its rate and its quantity (RATE_CARDS.md)."""
    places = _places(currency)
    if line.kind in {"fixed_fee", "band", "online_allowance"}:
        units = oracle.half_up(Fraction(line.rate) * 10**places)
    elif line.kind in {"mileage", "passenger"}:
        assert line.quantity is not None
        units = oracle.half_up(Fraction(line.rate) * line.quantity * 10**places)
    else:
        raise AssertionError(f"no rate rule for {line.kind}")
    return Decimal(units).scaleb(-places)
