"""Quoting one participant's part in an activity with the rate engine, with the look-back figures filled in.

Used when an activity is recorded (to refuse bad input before anything is written and to show the live
quote), when a record is approved (the amounts that are posted), when a record is read, and by
``POST /quotes`` for a named participant: one function, so all of them agree to the penny.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from ledger.errors import FieldProblem, Invalid
from ledger.involvement.amounts import ensure_expense_amounts
from ledger.involvement.dates import ensure_activity_date
from ledger.involvement.history import earlier_miles_and_same_day_fees, fees_approved_on
from ledger.money import Money
from ledger.rates.contract import ExpenseRequest, QuoteRequest
from ledger.rates.engine import ExpenseClaim, MileageClaim, Quote, QuoteInput, calculate
from ledger.rates.model import RateCard

# Engine fields that belong to the activity as a whole, not to one attendee.
ACTIVITY_FIELDS = frozenset({"activity", "date", "mode"})
T = TypeVar("T")


def problems_of(check: Callable[[], object]) -> list[FieldProblem]:
    """The problems a check refuses with (``[]`` when it passes), so they can be reported with the rest."""
    try:
        check()
    except Invalid as exc:
        return list(exc.problems) or [FieldProblem("body", exc.detail)]
    return []


def checked_together(earlier: list[FieldProblem], work: Callable[[], T]) -> T:
    """``work()`` (the engine's checks and sums), refusing with the problems found before it AND its own.

    A date outside the window or an amount too large to take no longer hides an unknown vehicle or role:
    the person fixing the request sees everything in one answer (issue 8, "Errors people can act on").
    """
    try:
        result = work()
    except Invalid as exc:
        seen = {p.field for p in earlier}
        every = [*earlier, *(p for p in exc.problems if p.field not in seen)]
        raise type(exc)("; ".join(f"{p.field}: {p.message}" for p in every), every) from None
    if earlier:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in earlier), earlier)
    return result


def request_problems(request: QuoteRequest) -> list[FieldProblem]:
    """What ``POST /quotes`` and ``ledger quote`` refuse before the engine: the date window, huge amounts."""
    return [*problems_of(lambda: ensure_activity_date(request.date)),
            *problems_of(lambda: ensure_expense_amounts(request.expenses))]


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
    too_large = problems_of(lambda: ensure_expense_amounts(expenses))  # reported with the engine's problems
    claim = None
    if mileage is not None:  # both look-backs in one query
        earlier, fees_that_day = earlier_miles_and_same_day_fees(
            session, participant_id, mileage.vehicle, on, card.currency, exclude_record_id=exclude_record_id)
        claim = MileageClaim(mileage.vehicle, mileage.miles, mileage.passengers, earlier)
    else:
        fees_that_day = fees_approved_on(session, participant_id, on, card.currency,
                                         exclude_record_id=exclude_record_id)
    same_day = Money.from_minor(fees_that_day, card.currency).amount
    return checked_together(too_large, lambda: calculate(card, QuoteInput(
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
    )))


def prefixed(exc: Invalid, prefix: str) -> list[FieldProblem]:
    """The engine's problems renamed for where they sit in the request (``attendees[2].expenses[0]...``).

    Problems about the activity as a whole (its type, date, mode) keep their top-level names.
    """
    problems = exc.problems or [FieldProblem(prefix.rstrip(".") or "body", exc.detail)]
    return [
        p if p.field in ACTIVITY_FIELDS or not prefix else FieldProblem(f"{prefix}{p.field}", p.message)
        for p in problems
    ]
