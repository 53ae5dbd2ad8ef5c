"""Roughly when the person's unpaid money will reach them, from what the ledger really knows.

The ledger keeps no promised payment date. What it knows: money approved for the person and not yet in
a payment run (owed), money on a line of a payment run that is being prepared (draft or approved), money
on a run already sent to the bank or voucher provider (exported), and the days earlier runs were paid.
From those we say, honestly, "we are getting it ready", "we have sent it" or "we usually pay about every
N weeks, so roughly around <date>" (a guess from the past, never a promise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import Batch, BatchLine, BatchLineStatus, BatchStatus
from ledger.money import Money

RECENT_PAY_DAYS = 6
"""How many past pay days the usual gap is worked out from."""


@dataclass(frozen=True)
class PaymentTiming:
    getting_ready: Decimal
    """On a payment run being prepared (not yet sent)."""
    sent: Decimal
    """On a payment run sent to the bank or voucher provider but not yet marked paid."""
    sent_on: date | None
    last_pay_day: date | None
    usual_gap_days: int | None
    """The median gap between recent pay days (None with fewer than two)."""

    def roughly_next(self, today: date) -> date | None:
        """A rough next pay day: the last one plus the usual gap (None when unknown or already past)."""
        if self.last_pay_day is None or self.usual_gap_days is None:
            return None
        guess = self.last_pay_day + timedelta(days=self.usual_gap_days)
        return guess if guess >= today else None


def payment_timing(session: Session, participant_id: int, currency: str) -> PaymentTiming:
    """What the ledger knows about when this person's unpaid money will be paid (their own lines only)."""
    rows = session.execute(
        select(Batch.status, func.sum(BatchLine.amount_minor), func.max(Batch.exported_at))
        .join(Batch, Batch.id == BatchLine.batch_id)
        .where(BatchLine.participant_id == participant_id, BatchLine.status == BatchLineStatus.PENDING.value,
               Batch.status != BatchStatus.PAID.value)
        .group_by(Batch.status)
    ).all()
    getting_ready, sent, sent_on = Decimal(0), Decimal(0), None
    for status, minor, exported_at in rows:
        amount = Money.from_minor(int(minor or 0), currency).amount
        if status == BatchStatus.EXPORTED.value:
            sent += amount
            sent_on = exported_at.date() if exported_at is not None else None
        else:
            getting_ready += amount
    days: list[date] = sorted({day for day in session.scalars(
        select(Batch.paid_on).where(Batch.status == BatchStatus.PAID.value, Batch.paid_on.is_not(None))
        .group_by(Batch.paid_on).order_by(Batch.paid_on.desc()).limit(RECENT_PAY_DAYS)) if day is not None})
    gaps = sorted((later - earlier).days for earlier, later in pairwise(days))
    return PaymentTiming(getting_ready=getting_ready, sent=sent, sent_on=sent_on,
                         last_pay_day=days[-1] if days else None,
                         usual_gap_days=gaps[len(gaps) // 2] if gaps else None)
