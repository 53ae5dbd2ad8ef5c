"""Quoting one participant's part in an activity with the rate engine, with the look-back figures filled in.

Used when an activity is recorded (to refuse bad input before anything is written and to show the live
quote), when a record is approved (the amounts that are posted), when a record is read, and by
``POST /quotes`` for a named participant: one function, so all of them agree to the penny.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from ledger.errors import FieldProblem, Invalid
from ledger.involvement.amounts import ensure_expense_amounts
from ledger.involvement.history import fees_approved_on, miles_earlier_in_tax_year
from ledger.money import Money
from ledger.rates.contract import ExpenseRequest
from ledger.rates.engine import ExpenseClaim, MileageClaim, Quote, QuoteInput, calculate
from ledger.rates.model import RateCard

# Engine fields that belong to the activity as a whole, not to one attendee.
ACTIVITY_FIELDS = frozenset({"activity", "date", "mode"})


class MileageLike(Protocol):
    vehicle: str
    miles: int
    passengers: int


class PartLike(Protocol):
    """One participant's times and claims (an attendee, a correction or a stored record)."""

    role: str
    involvement_minutes: int
    preparation_minutes: int
    follow_up_minutes: int
    travel_minutes: int


def quote_part(
    session: Session,
    card: RateCard,
    *,
    participant_id: int,
    on: date,
    activity: str,
    mode: str,
    part: PartLike,
    mileage: MileageLike | None,
    expenses: list[ExpenseRequest],
    exclude_record_id: int | None = None,
) -> Quote:
    """The engine's quote for this part, counting approved mileage and same-day fees from the ledger."""
    ensure_expense_amounts(expenses)  # before the engine parses them (a huge amount was a 500)
    claim = None
    if mileage is not None:
        earlier = miles_earlier_in_tax_year(session, participant_id, mileage.vehicle, on,
                                            exclude_record_id=exclude_record_id)
        claim = MileageClaim(mileage.vehicle, mileage.miles, mileage.passengers, earlier)
    same_day = Money.from_minor(
        fees_approved_on(session, participant_id, on, card.currency, exclude_record_id=exclude_record_id),
        card.currency,
    ).amount
    return calculate(card, QuoteInput(
        date=on,
        activity=activity,
        role=part.role,
        mode=mode,
        involvement_minutes=part.involvement_minutes,
        preparation_minutes=part.preparation_minutes,
        follow_up_minutes=part.follow_up_minutes,
        travel_minutes=part.travel_minutes,
        mileage=claim,
        expenses=tuple(ExpenseClaim(e.category, e.amount, e.receipt) for e in expenses),
        fees_earlier_same_day=same_day,
    ))


def prefixed(exc: Invalid, prefix: str) -> list[FieldProblem]:
    """The engine's problems renamed for where they sit in the request (``attendees[2].expenses[0]...``).

    Problems about the activity as a whole (its type, date, mode) keep their top-level names.
    """
    problems = exc.problems or [FieldProblem(prefix.rstrip(".") or "body", exc.detail)]
    return [
        p if p.field in ACTIVITY_FIELDS or not prefix else FieldProblem(f"{prefix}{p.field}", p.message)
        for p in problems
    ]
