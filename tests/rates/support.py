"""Shared helpers for the rate-card tests: the presets as editable documents, and the line kinds.

Cards under test are built the way an administrator builds them: by editing TOML (here its parsed
dict) and reading it with ``parse_card``, so every test card has passed the same checks as a real one.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from ledger.money import ceil_to, round_money
from ledger.rates.engine import Line, Quote, QuoteInput, calculate
from ledger.rates.loader import parse_card
from ledger.rates.model import RateCard
from ledger.rates.registry import PRESETS

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
    """Up to a whole number of units, as the specification says ("rounded up per component")."""
    return int(ceil_to(Decimal(minutes), unit))


def amount_from_rate(line: Line, currency: str) -> Decimal:
    """What a line must be worth given only its rate and its minutes or quantity (RATE_CARDS.md step 4)."""
    if line.kind in TIME_KINDS:
        assert line.minutes is not None
        return round_money(line.rate * line.minutes / Decimal(60), currency)
    if line.kind in {"fixed_fee", "band", "online_allowance"}:
        return round_money(line.rate, currency)
    if line.kind in {"mileage", "passenger"}:
        assert line.quantity is not None
        return round_money(line.rate * line.quantity, currency)
    raise AssertionError(f"no rate rule for {line.kind}")
