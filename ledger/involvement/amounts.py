"""The largest amount of money the ledger takes as input, checked before an amount is parsed or stored.

Amounts are stored as BIGINT minor units and added up in balances, batches and reports, and
``ledger.money.parse_amount`` cannot quantize a number with more digits than Decimal's context holds:
``"1e999"`` raised ``decimal.InvalidOperation`` and ``"99999999999999999999.00"`` overflowed the
database, both 500s (found by tests/api/test_bad_input.py). No real fee, expense, budget or watch limit
comes near a billion, so anything from there up is refused with a message naming the field, before any
arithmetic happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ledger.errors import FieldProblem, Invalid
from ledger.money import MoneyError, to_decimal
from ledger.rates.contract import ExpenseRequest

AMOUNT_LIMIT = Decimal(1_000_000_000)
TOO_LARGE = "must be less than 1,000,000,000 (one billion)"


def too_large(value: object) -> bool:
    """True for a number of a billion or more (either sign). Non-numbers are left to the normal parsing,
    which names what is wrong with them."""
    try:
        amount = to_decimal(value)
    except MoneyError:
        return False
    return abs(amount) >= AMOUNT_LIMIT


def ensure_expense_amounts(expenses: Sequence[ExpenseRequest]) -> None:
    """Refuse expense amounts too large to work with, naming each (``expenses[1].amount``)."""
    problems = [
        FieldProblem(f"expenses[{index}].amount", TOO_LARGE)
        for index, expense in enumerate(expenses)
        if too_large(expense.amount)
    ]
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
