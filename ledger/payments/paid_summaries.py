"""Keeping the spend report's "paid" and "days to payment" summaries in step with the batches.

Two levels: per record (``paid_summaries``, ``payment_times``: what of each record was paid and when it
was last paid) and, grouped from those, per project and day (``paid_days``, ``payment_days``: what the
spend report reads, a few rows per project and day however many records).

"Paid" changes only when a batch line becomes paid (``mark_paid``) or comes back (``return_line``).
Both call :func:`refresh_for_lines` in their own transaction, after the lines' status and the batch's
``paid_on`` are written: it deletes the summary rows of every record with money in those lines and
writes them again from their definitions below, which are the one "what was paid" rule
(``ledger.involvement.paid``) grouped per record; then it sums again, from the per-record rows, the
per-day rows of every project and day those records had or now have. Recomputing the records involved (instead of adding
a difference) means a summary row is always exactly what its definition gives at commit, and
``ledger report check`` compares the whole tables with the same definitions.

Two writers could pay different lines holding the same record's money (its fee in an organisation
batch, its costs in a bank transfer batch) at once; on PostgreSQL the refresh first takes the audit
chain's transaction lock (both writers take it anyway to write their audit event), so the second waits
and then reads the first one's committed lines. SQLite lets one writer at a time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete, func, insert, select, text, tuple_
from sqlalchemy.orm import Session

from ledger.audit.chain import AUDIT_LOCK_KEY
from ledger.db.models import Activity, Batch, BatchItem, BatchLine, Posting, Record
from ledger.db.models_summaries import PaidDay, PaidSummary, PaymentDay, PaymentTime
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


_CHUNK = 500  # (project, day) pairs per statement: 1,000 parameters, well within SQLite's and PostgreSQL's limits
PAID_COLUMNS = (PaidSummary.record_id, PaidSummary.activity_date, PaidSummary.project_id, PaidSummary.paid_minor)
TIME_COLUMNS = (PaymentTime.record_id, PaymentTime.project_id, PaymentTime.activity_date, PaymentTime.paid_on)
PAID_DAY_COLUMNS = (PaidDay.project_id, PaidDay.activity_date, PaidDay.paid_minor)
PAYMENT_DAY_COLUMNS = (PaymentDay.project_id, PaymentDay.activity_date, PaymentDay.paid_on, PaymentDay.records)


def _paid_summed(per_record: Any) -> Select[Any]:
    """Per-record paid rows (columns record, activity date, project, paid) summed per project and day."""
    rows = per_record.subquery()
    _record, when, project, paid = rows.c
    return select(project, when, func.sum(paid)).group_by(project, when)


def _times_counted(per_record: Any) -> Select[Any]:
    """Per-record payment times (columns record, project, activity date, paid on) counted per project,
    activity date and paid date."""
    rows = per_record.subquery()
    _record, project, when, paid_on = rows.c
    return select(project, when, paid_on, func.count()).group_by(project, when, paid_on)


def paid_per_day() -> Select[Any]:
    """What ``paid_days`` must hold: :func:`paid_per_record` summed per project and activity date."""
    return _paid_summed(paid_per_record())


def payment_times_per_day() -> Select[Any]:
    """What ``payment_days`` must hold: :func:`last_paid_per_record` counted per project, activity date
    and paid date."""
    return _times_counted(last_paid_per_record())


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
    """Every table here from its definition (after a bulk load that did not go through the services)."""
    _rewrite(session, None, None, None)


def _rewrite(session: Session, source: Any, paid_rows: Any, time_rows: Any) -> None:
    paid, times = paid_per_record(), last_paid_per_record()
    days: set[tuple[int, Any]] | None = None
    if source is not None:
        paid, times = paid.where(source), times.where(source)
        days = _days_of(session, paid_rows, time_rows)  # the project-days the records had before
    session.execute(delete(PaidSummary) if paid_rows is None else delete(PaidSummary).where(paid_rows))
    session.execute(delete(PaymentTime) if time_rows is None else delete(PaymentTime).where(time_rows))
    session.execute(insert(PaidSummary).from_select([c.key for c in PAID_COLUMNS], paid))
    session.execute(insert(PaymentTime).from_select([c.key for c in TIME_COLUMNS], times))
    if days is None:
        _sum_days(session, None)
    else:
        days |= _days_of(session, paid_rows, time_rows)  # ... and the ones they have now
        pairs = sorted(days)
        for start in range(0, len(pairs), _CHUNK):
            _sum_days(session, pairs[start:start + _CHUNK])


def _days_of(session: Session, paid_rows: Any, time_rows: Any) -> set[tuple[int, Any]]:
    """(project, activity date) of the per-record rows matching the conditions, from both tables."""
    found = session.execute(
        select(PaidSummary.project_id, PaidSummary.activity_date).where(paid_rows)
        .union(select(PaymentTime.project_id, PaymentTime.activity_date).where(time_rows))
    )
    return {(int(project), when) for project, when in found}


def _sum_days(session: Session, pairs: list[tuple[int, Any]] | None) -> None:
    """Write again the per-day rows of the given (project, activity date) pairs (``None``: every one)
    by summing the per-record tables."""
    paid, times = select(*PAID_COLUMNS), select(*TIME_COLUMNS)
    paid_delete, times_delete = delete(PaidDay), delete(PaymentDay)
    if pairs is not None:
        paid = paid.where(tuple_(PaidSummary.project_id, PaidSummary.activity_date).in_(pairs))
        times = times.where(tuple_(PaymentTime.project_id, PaymentTime.activity_date).in_(pairs))
        paid_delete = paid_delete.where(tuple_(PaidDay.project_id, PaidDay.activity_date).in_(pairs))
        times_delete = times_delete.where(tuple_(PaymentDay.project_id, PaymentDay.activity_date).in_(pairs))
    session.execute(paid_delete)
    session.execute(times_delete)
    session.execute(insert(PaidDay).from_select([c.key for c in PAID_DAY_COLUMNS], _paid_summed(paid)))
    session.execute(insert(PaymentDay).from_select([c.key for c in PAYMENT_DAY_COLUMNS], _times_counted(times)))
