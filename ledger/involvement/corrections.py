"""Corrections: start from the record being corrected, change only what was sent, and show what changed.

A correction used to replace every field, so whatever was left out went back to its default: a chair
corrected with only new minutes was paid as an ordinary member, and the mileage and follow-up of the
record disappeared. Now :func:`merged_part` copies the corrected record and applies only the fields
that were sent (``null`` for mileage and ``[]`` for expenses clear them on purpose), and
:func:`correction_changes` tells the approver, field by field and in money, what the correction does.
"""

from __future__ import annotations

from decimal import Decimal

from msgspec import UNSET
from sqlalchemy.orm import Session

from ledger.db.models import Record, RecordStatus
from ledger.errors import Invalid
from ledger.involvement.schemas import (
    AmountChange,
    AttendeeIn,
    CorrectionChanges,
    CorrectionIn,
    FieldChange,
    MileageIn,
)
from ledger.money import Money, display_amount, parse_amount
from ledger.rates.contract import ExpenseRequest, QuoteResponse
from ledger.rates.explain import duration
from ledger.rates.registry import CardRegistry

MINUTE_FIELDS = ("involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes")


def merged_part(original: Record, data: CorrectionIn, currency: str) -> AttendeeIn:
    """The corrected record's part with the correction's fields applied (fields left out keep theirs)."""
    from ledger.involvement.records import record_expense_requests, record_mileage

    def pick(name: str) -> object:
        value = getattr(data, name)
        return getattr(original, name) if value is UNSET else value

    mileage = record_mileage(original) if data.mileage is UNSET else data.mileage
    expenses = record_expense_requests(original, currency) if data.expenses is UNSET else list(data.expenses)
    return AttendeeIn(
        participant=original.participant_id,
        role=pick("role"),  # type: ignore[arg-type]
        involvement_minutes=pick("involvement_minutes"),  # type: ignore[arg-type]
        preparation_minutes=pick("preparation_minutes"),  # type: ignore[arg-type]
        follow_up_minutes=pick("follow_up_minutes"),  # type: ignore[arg-type]
        travel_minutes=pick("travel_minutes"),  # type: ignore[arg-type]
        mileage=mileage,
        expenses=expenses,
    )


def _mileage_words(mileage: MileageIn | None) -> str:
    if mileage is None:
        return "none"
    people = "" if not mileage.passengers else (
        f", {mileage.passengers} passenger{'s' if mileage.passengers != 1 else ''}")
    return f"{mileage.vehicle}, {mileage.miles:,} mile{'s' if mileage.miles != 1 else ''}{people}"


def _expense_words(expenses: list[ExpenseRequest], currency: str) -> str:
    if not expenses:
        return "none"
    parts = []
    for expense in expenses:
        try:
            amount = display_amount(parse_amount(expense.amount, currency), currency)
        except ValueError:
            amount = expense.amount
        receipt = f" (receipt {expense.receipt.strip()})" if expense.receipt and expense.receipt.strip() else ""
        parts.append(f"{expense.category} {amount}{receipt}")
    return "; ".join(parts)


def _same_expenses(left: list[ExpenseRequest], right: list[ExpenseRequest], currency: str) -> bool:
    def key(items: list[ExpenseRequest]) -> list[tuple[str, Decimal | str, str]]:
        out = []
        for e in items:
            try:
                amount: Decimal | str = parse_amount(e.amount, currency)
            except ValueError:
                amount = e.amount
            out.append((e.category, amount, (e.receipt or "").strip()))
        return out

    return key(left) == key(right)


def field_changes(old: AttendeeIn, new: AttendeeIn, currency: str) -> list[FieldChange]:
    """Every field that differs, old and new written out."""
    changes: list[FieldChange] = []
    if old.role != new.role:
        changes.append(FieldChange(field="role", old=old.role, new=new.role))
    for name in MINUTE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(FieldChange(field=name, old=duration(before), new=duration(after)))
    old_trip, new_trip = _mileage_words(old.mileage), _mileage_words(new.mileage)
    if old_trip != new_trip:
        changes.append(FieldChange(field="mileage", old=old_trip, new=new_trip))
    if not _same_expenses(old.expenses, new.expenses, currency):
        changes.append(FieldChange(field="expenses", old=_expense_words(old.expenses, currency),
                                   new=_expense_words(new.expenses, currency)))
    return changes


def amount_changes(old: QuoteResponse, new: QuoteResponse) -> list[AmountChange]:
    """Fees, expenses and total before and after, with the difference (``+13.75``, ``-4.50``)."""
    currency = new.currency
    rows: list[AmountChange] = []
    for what, before_text, after_text in (("fees", old.fees_total, new.fees_total),
                                          ("expenses", old.expenses_total, new.expenses_total),
                                          ("total", old.total, new.total)):
        before = Money(Decimal(before_text), currency)
        after = Money(Decimal(after_text), currency)
        difference = after - before
        sign = "+" if difference.amount > 0 else ""
        rows.append(AmountChange(what=what, old=before.text(), new=after.text(),  # type: ignore[arg-type]
                                 difference=f"{sign}{difference.text()}"))
    return rows


def part_of(record: Record, currency: str) -> AttendeeIn:
    """A stored record's part, in the shape a correction is merged into."""
    from ledger.involvement.records import record_expense_requests, record_mileage

    return AttendeeIn(participant=record.participant_id, role=record.role,
                      involvement_minutes=record.involvement_minutes,
                      preparation_minutes=record.preparation_minutes, follow_up_minutes=record.follow_up_minutes,
                      travel_minutes=record.travel_minutes, mileage=record_mileage(record),
                      expenses=record_expense_requests(record, currency))


def record_amounts(session: Session, record: Record, registry: CardRegistry | None) -> QuoteResponse:
    """The amounts of a record: the stored lines once approved (or reversed), else a live quote."""
    from ledger.involvement.records import live_quote, stored_quote

    if record.status in (RecordStatus.APPROVED, RecordStatus.REVERSED) and record.rate_card is not None:
        return stored_quote(record)
    return live_quote(session, record, registry=registry)


def correction_changes(
    session: Session, record: Record, new_quote: QuoteResponse | None, *, registry: CardRegistry | None = None
) -> CorrectionChanges | None:
    """For a correction: what it changes from the record it corrects (``None`` for other records)."""
    if record.corrects_record_id is None:
        return None
    original = session.get(Record, record.corrects_record_id)
    if original is None:  # a foreign key guarantees it; be safe anyway
        return None
    currency = new_quote.currency if new_quote is not None else (record.currency or record.activity.project.currency)
    fields = field_changes(part_of(original, currency), part_of(record, currency), currency)
    problem: str | None = None
    amounts: list[AmountChange] = []
    if new_quote is None:
        problem = "the correction cannot be calculated as it stands"
    else:
        try:
            amounts = amount_changes(record_amounts(session, original, registry), new_quote)
        except Invalid as exc:
            problem = f"record {original.id} cannot be calculated as it stands: {exc.detail}"
    return CorrectionChanges(corrects_record=original.id, fields=fields, amounts=amounts, amounts_problem=problem)
