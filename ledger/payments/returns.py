"""Returned payments: the bank sent a payment back (closed account, wrong details).

Why a RETURN entry and not an edit: the payment happened and stays in the history. The RETURN entry
takes the money back out of the clearing account and makes it owed again, with one new payable credit
per record and kind that was in the returned line. Those new postings are in no batch, so the amount
goes into the next batch (after the payee's details are fixed), and the statement and reports still
know which piece of involvement it was for. The line is marked ``returned`` with the reason and time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
from ledger.db.base import utcnow
from ledger.db.models import (
    AccountKind,
    BatchItem,
    BatchLine,
    BatchLineStatus,
    BatchStatus,
    Category,
    EntryKind,
    Posting,
)
from ledger.errors import Conflict, NotFound, invalid_field
from ledger.money import Money
from ledger.payments.batches import get_batch
from ledger.payments.paid_summaries import refresh_for_lines
from ledger.payments.postings import Leg, post_entry
from ledger.security.actor import Actor

MAX_REASON = 500


def return_line(
    session: Session, actor: Actor, batch_id: int, line_id: int, reason: str, *, booked_on: date | None = None
) -> BatchLine:
    """paid line of a paid batch -> returned; the payee's amount is owed again (a RETURN entry)."""
    text = (reason or "").strip()
    if not text:
        raise invalid_field("reason", "say why the payment came back (for example 'account closed')")
    if len(text) > MAX_REASON:
        raise invalid_field("reason", f"use at most {MAX_REASON} characters")
    batch = get_batch(session, batch_id, for_update=True)
    line = session.scalar(
        select(BatchLine).where(BatchLine.id == line_id, BatchLine.batch_id == batch.id).with_for_update()
    )
    if line is None:
        raise NotFound(f"batch {batch.reference} has no line {line_id}")
    if batch.status != BatchStatus.PAID:
        raise Conflict(f"batch {batch.reference} is {batch.status}, not paid; only a paid payment can come back")
    if line.status != BatchLineStatus.PAID:
        raise Conflict(f"line {line.id} of batch {batch.reference} is {line.status}; only a paid line can be "
                       "returned, and only once")
    items = session.scalars(
        select(Posting).join(BatchItem, BatchItem.posting_id == Posting.id)
        .where(BatchItem.batch_line_id == line.id).order_by(Posting.id)
    ).all()
    owed_again: dict[tuple[int | None, int | None, date | None, str], int] = defaultdict(int)
    for posting in items:
        key = (posting.record_id, posting.project_id, posting.activity_date, posting.category)
        owed_again[key] += posting.amount_minor
    legs: list[Leg] = []
    for (record_id, project_id, activity_date, category), amount in sorted(
        owed_again.items(), key=lambda kv: (kv[0][0] or 0, kv[0][3])
    ):
        legs.append(Leg(AccountKind.PARTICIPANT_PAYABLE, Category(category), amount, batch.currency,
                        participant_id=line.participant_id, project_id=project_id, record_id=record_id,
                        activity_date=activity_date))
    for category, amount in ((Category.FEE, line.fees_minor), (Category.EXPENSE, line.expenses_minor)):
        legs.append(Leg(AccountKind.PAYMENTS_CLEARING, category, amount, batch.currency,
                        participant_id=line.participant_id))
    post_entry(session, kind=EntryKind.RETURN, booked_on=booked_on or clock.today(),
               memo=f"Payment {line.payment_reference} in batch {batch.reference} returned: {text}",
               legs=legs, batch_id=batch.id, token_id=actor.token_id)
    line.status = BatchLineStatus.RETURNED.value
    line.returned_reason = text
    line.returned_at = utcnow()
    session.flush()
    refresh_for_lines(session, BatchLine.id == line.id)  # the spend report's paid summaries
    record_event(session, actor, "batch.line.return", "batch_line", line.id, {"status": "paid"},
                 {"status": line.status, "reason": text, "batch": batch.reference,
                  "amount": Money.from_minor(line.amount_minor, batch.currency).text()})
    return line
