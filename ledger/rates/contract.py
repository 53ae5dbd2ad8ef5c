"""The quote contract of RATE_CARDS.md as msgspec types, shared by ``POST /quotes`` and ``ledger quote``.

One decoder and one encoder for both doors means the CLI and the API can never disagree on a number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from ledger import input_problems
from ledger.money import format_amount, format_rate
from ledger.rates.engine import ExpenseClaim, MileageClaim, Quote, QuoteInput, calculate
from ledger.rates.registry import CardRegistry, default_registry


class MileageRequest(msgspec.Struct, forbid_unknown_fields=True):
    vehicle: str
    miles: int
    passengers: int = 0
    miles_earlier_in_tax_year: int = 0


class ExpenseRequest(msgspec.Struct, forbid_unknown_fields=True):
    category: str
    amount: str  # money as a string, e.g. "12.40"
    receipt: str | None = None


MAX_EXPENSES = 100
# A quote, an attendee or a correction holds at most this many expenses (100,000 froze the server).
ExpenseList = Annotated[
    list[ExpenseRequest], msgspec.Meta(max_length=MAX_EXPENSES, description="At most 100 expenses.")
]


class QuoteRequest(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /api/v1/quotes`` body. Minutes are whole numbers from 0 to 1440."""

    rate_card: str
    date: dt.date
    activity: str
    role: str = "member"
    mode: Literal["in_person", "online"] = "in_person"
    involvement_minutes: int = 0
    preparation_minutes: int = 0
    follow_up_minutes: int = 0
    travel_minutes: int = 0
    mileage: MileageRequest | None = None
    expenses: ExpenseList = msgspec.field(default_factory=list)
    participant: int | None = None  # with a participant, watch-limit warnings are reported


class QuoteLine(msgspec.Struct, kw_only=True, omit_defaults=True):
    kind: str
    minutes: int | None = None
    quantity: int | None = None
    rate: str
    amount: str
    explanation: str


class WatchWarning(msgspec.Struct, kw_only=True):
    """A watch limit the fees would cross. Warnings inform; they never block."""

    period: str  # "week" or "tax_year"
    label: str
    period_start: dt.date
    period_end: dt.date
    limit: str
    fees_before: str
    fees_after: str
    message: str
    limit_key: str | None = None  # the named limit (e.g. "carers_allowance"), when it is one
    source: str | None = None  # where the named limit's figure comes from


class QuoteResponse(msgspec.Struct, kw_only=True, omit_defaults=True):
    rate_card: str
    version_from: dt.date
    currency: str
    fees_total: str
    expenses_total: str
    total: str
    lines: list[QuoteLine]
    warnings: list[WatchWarning] | None = None


def to_input(request: QuoteRequest, *, fees_earlier_same_day: Decimal = Decimal(0)) -> QuoteInput:
    """The engine's input from the wire request (money strings stay strings until the engine parses)."""
    mileage = None
    if request.mileage is not None:
        m = request.mileage
        mileage = MileageClaim(m.vehicle, m.miles, m.passengers, m.miles_earlier_in_tax_year)
    expenses = tuple(ExpenseClaim(e.category, e.amount, e.receipt) for e in request.expenses)
    return QuoteInput(
        date=request.date,
        activity=request.activity,
        role=request.role,
        mode=request.mode,
        involvement_minutes=request.involvement_minutes,
        preparation_minutes=request.preparation_minutes,
        follow_up_minutes=request.follow_up_minutes,
        travel_minutes=request.travel_minutes,
        mileage=mileage,
        expenses=expenses,
        fees_earlier_same_day=fees_earlier_same_day,
    )


def line_out(line: Any, currency: str) -> QuoteLine:
    return QuoteLine(
        kind=line.kind,
        minutes=line.minutes,
        quantity=line.quantity,
        rate=format_rate(line.rate, currency),
        amount=format_amount(line.amount, currency),
        explanation=line.explanation,
    )


def to_response(quote: Quote, warnings: list[WatchWarning] | None = None) -> QuoteResponse:
    currency = quote.currency
    return QuoteResponse(
        rate_card=quote.rate_card,
        version_from=quote.version_from,
        currency=currency,
        fees_total=format_amount(quote.fees_total, currency),
        expenses_total=format_amount(quote.expenses_total, currency),
        total=format_amount(quote.total, currency),
        lines=[line_out(line, currency) for line in quote.lines],
        warnings=warnings,
    )


def run_quote(request: QuoteRequest, registry: CardRegistry | None = None) -> QuoteResponse:
    """Quote without recording anything (unknown card: ``NotFound``; bad input: ``Invalid``)."""
    card = (registry or default_registry()).get(request.rate_card)
    return to_response(calculate(card, to_input(request)))


def decode_request(raw: bytes) -> QuoteRequest:
    """Parse request JSON into a ``QuoteRequest``; a refusal names every problem in plain words."""
    return input_problems.decode(raw, QuoteRequest)


def encode_response(response: QuoteResponse) -> bytes:
    return msgspec.json.encode(response)
