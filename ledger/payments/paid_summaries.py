"""Keeping the spend report's "paid" and "days to payment" summaries in step with the batches.

"Paid" changes only when a batch line becomes paid (``mark_paid``) or comes back (``return_line``).
Both call :func:`refresh_for_lines` in their own transaction, after the lines' status and the batch's
``paid_on`` are written: it deletes the summary rows of every record with money in those lines and
writes them again from their definitions below, which are the one "what was paid" rule
(``ledger.involvement.paid``) grouped per record. Recomputing the records involved (instead of adding
a difference) means a summary row is always exactly what its definition gives at commit, and
``ledger report check`` compares the whole tables with the same definitions.

Two writers could pay different lines holding the same record's money (its fee in an organisation
batch, its costs in a bank transfer batch) at once; on PostgreSQL the refresh first takes the audit
chain's transaction lock (both writers take it anyway to write their audit event), so the second waits
and then reads the first one's committed lines. SQLite lets one writer at a time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, func, insert, select, text
from sqlalchemy.orm import Session

from ledger.audit.chain import AUDIT_LOCK_KEY
from ledger.db.models import Activity, Batch, BatchItem, BatchLine, Posting, Record
from ledger.db.models_summaries import PaidSummary, PaymentTime
from ledger.involvement.paid import paid_amount, paid_select


def _paid_with_records(*columns: Any) -> Select[Any]:
    return (
        paid_select(*columns)
        .join(Record, Record.id == Posting.record_id)
        .join(Activity, Activity.id == Record.activity_id)
    )


def paid_per_record() -> Select[Any]:
    """What ``paid_summaries`` must hold: per record and activity date (the posting's, else the
    activity's), its project and the paid sum in minor units."""
    when = func.coalesce(Posting.activity_date, Activity.date)
    return (
        _paid_with_records(Posting.record_id, when, Activity.project_id, paid_amount())
        .group_by(Posting.record_id, when, Activity.project_id)
    )


def last_paid_per_record() -> Select[Any]:
    """What ``payment_times`` must hold: per record with paid money, its project, its activity's date
    and the latest date a batch paid any of its money."""
    return (
        _paid_with_records(Posting.record_id, Activity.project_id, Activity.date, func.max(Batch.paid_on))
        .group_by(Posting.record_id, Activity.project_id, Activity.date)
    )


PAID_COLUMNS = (PaidSummary.record_id, PaidSummary.activity_date, PaidSummary.project_id, PaidSummary.paid_minor)
TIME_COLUMNS = (PaymentTime.record_id, PaymentTime.project_id, PaymentTime.activity_date, PaymentTime.paid_on)


def refresh_for_lines(session: Session, *line_conditions: Any) -> None:
    """Write again the summary rows of every record with money in the batch lines matching
    ``line_conditions`` (for example ``BatchLine.batch_id == batch.id``). Call after the change."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    records = (
        select(Posting.record_id)
        .join(BatchItem, BatchItem.posting_id == Posting.id)
        .join(BatchLine, BatchLine.id == BatchItem.batch_line_id)
        .where(*line_conditions, Posting.record_id.is_not(None))
        .distinct()
        .scalar_subquery()
    )
    _rewrite(session, Posting.record_id.in_(records), PaidSummary.record_id.in_(records),
             PaymentTime.record_id.in_(records))


def rebuild(session: Session) -> None:
    """Both tables from their definitions (after a bulk load that did not go through the services)."""
    _rewrite(session, None, None, None)


def _rewrite(session: Session, source: Any, paid_rows: Any, time_rows: Any) -> None:
    paid, times = paid_per_record(), last_paid_per_record()
    if source is not None:
        paid, times = paid.where(source), times.where(source)
    session.execute(delete(PaidSummary) if paid_rows is None else delete(PaidSummary).where(paid_rows))
    session.execute(delete(PaymentTime) if time_rows is None else delete(PaymentTime).where(time_rows))
    session.execute(insert(PaidSummary).from_select([c.key for c in PAID_COLUMNS], paid))
    session.execute(insert(PaymentTime).from_select([c.key for c in TIME_COLUMNS], times))
