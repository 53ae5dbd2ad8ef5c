"""Assemble payment advice (remittance advice) for a batch: one per payee, listing what it pays for.

Each advice is built from the batch line and its locked postings, grouped per record, so the items
always add up to the amount sent. Advice is available once a batch is approved (money expected on the
day given, or today) and after it is paid (the paid date). Returned lines get no advice: no money
arrived. Bank details appear only masked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import (
    Activity,
    BatchItem,
    BatchLine,
    BatchLineStatus,
    BatchMethod,
    BatchStatus,
    Category,
    Participant,
    Posting,
    Project,
    Record,
)
from ledger.errors import Conflict, NotFound
from ledger.money import Money
from ledger.organisation import get_organisation
from ledger.payments.batches import get_batch
from ledger.reports.remittance_data import Remittance, RemittanceItem
from ledger.reports.statement_data import METHOD_LABELS
from ledger.reports.statements import activity_label
from ledger.security.masking import mask_account_number


def _paid_to(method: str, line: BatchLine, participant: Participant) -> str:
    """Where the money went, from the details the batch copied at build (what was approved and paid),
    never from the person's current details, which may have changed since."""
    payee_name = line.payee_name
    if method == BatchMethod.BANK_TRANSFER:
        return f"Your bank account ending {mask_account_number(line.bank_account_number) or '****'}"
    if method == BatchMethod.ORGANISATION:
        person = participant.preferred_name or participant.name
        return f"{payee_name}, the organisation {person} asked us to pay"
    return "A voucher sent to you"


def build_remittances(
    session: Session, batch_id: int, participant_id: int | None = None, *, expected_on: date | None = None
) -> list[Remittance]:
    """Advice for every payee in the batch (or only ``participant_id``), ordered by participant reference."""
    batch = get_batch(session, batch_id)
    organisation = get_organisation(session)  # the advice names whom to ask: stop early if not set
    if batch.status == BatchStatus.DRAFT:
        raise Conflict(f"batch {batch.reference} is still a draft; advice can be sent once it is approved")
    query = (
        select(BatchLine, Participant)
        .join(Participant, Participant.id == BatchLine.participant_id)
        .where(BatchLine.batch_id == batch.id, BatchLine.status != BatchLineStatus.RETURNED.value)
        .order_by(Participant.reference)
    )
    if participant_id is not None:
        query = query.where(BatchLine.participant_id == participant_id)
    rows = session.execute(query).all()
    if participant_id is not None and not rows:
        raise NotFound(f"participant {participant_id} has no payment in batch {batch.reference}")
    items = _items(session, [line.id for line, _ in rows], batch.currency)
    paid_on = batch.paid_on if batch.status == BatchStatus.PAID else None
    expected = None if paid_on is not None else (expected_on or clock.today())
    return [
        Remittance(
            organisation_name=organisation.name,
            batch_reference=batch.reference,
            payee_name=line.payee_name,
            payee_reference=participant.reference,
            method_label=METHOD_LABELS.get(batch.method, batch.method),
            payment_reference=line.payment_reference,
            currency=batch.currency,
            amount=Money.from_minor(line.amount_minor, batch.currency).amount,
            fees=Money.from_minor(line.fees_minor, batch.currency).amount,
            expenses=Money.from_minor(line.expenses_minor, batch.currency).amount,
            paid_to=_paid_to(batch.method, line, participant),
            items=items.get(line.id, ()),
            paid_on=paid_on,
            expected_on=expected,
            contact=organisation,
            for_person=(participant.preferred_name or participant.name)
            if batch.method == BatchMethod.ORGANISATION else None,
        )
        for line, participant in rows
    ]


def _items(session: Session, line_ids: list[int], currency: str) -> dict[int, tuple[RemittanceItem, ...]]:
    """Per line, one item per record: fees and expenses summed in SQL from the locked postings."""
    fees = func.sum(case((Posting.category == Category.FEE.value, -Posting.amount_minor), else_=0))
    expenses = func.sum(case((Posting.category == Category.EXPENSE.value, -Posting.amount_minor), else_=0))
    found: dict[int, list[RemittanceItem]] = defaultdict(list)
    for start in range(0, len(line_ids), 500):
        chunk = line_ids[start : start + 500]
        rows = session.execute(
            select(BatchItem.batch_line_id, Record.id, Record.rate_card, Activity.date, Activity.activity,
                   Project.name, fees, expenses)
            .join(Posting, Posting.id == BatchItem.posting_id)
            .join(Record, Record.id == Posting.record_id)
            .join(Activity, Activity.id == Record.activity_id)
            .join(Project, Project.id == Activity.project_id)
            .where(BatchItem.batch_line_id.in_(chunk))
            .group_by(BatchItem.batch_line_id, Record.id, Record.rate_card, Activity.date, Activity.activity,
                      Project.name)
            .order_by(BatchItem.batch_line_id, Activity.date, Record.id)
        )
        for line_id, record_id, rate_card, on, activity, project_name, fee_minor, expense_minor in rows:
            found[int(line_id)].append(RemittanceItem(
                record_id=int(record_id), date=on, project_name=project_name,
                activity_label=activity_label(rate_card, activity, on),
                fees=Money.from_minor(int(fee_minor or 0), currency).amount,
                expenses=Money.from_minor(int(expense_minor or 0), currency).amount,
            ))
    return {line_id: tuple(items) for line_id, items in found.items()}
