"""A payment batch as plain data for the finance exporters, read from the lines as they were approved.

Why here and not in the batch service: the service only changes state; documents are built by the
reports layer and rendered by ``ledger.exports``, called by the API and CLI (one-way: api/cli -> reports
-> payments/db, and exports take only the plain shapes of ``ledger.reports.batch_data``).

What the file says about each payee (name on the account, sort code, account number, organisation) is
the copy taken when the batch was built and shown at approval (``batch_lines``), never the participant's
details as they are now: money goes where two people agreed, whatever changed since. Lines are read in
chunks so a batch of 100,000 payees streams.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.db.models import (
    Activity,
    Batch,
    BatchItem,
    BatchLine,
    BatchLineStatus,
    Participant,
    Posting,
    Project,
    Record,
)
from ledger.money import Money
from ledger.organisation import get_organisation
from ledger.payments.lines import line_id_chunks
from ledger.reports.batch_data import BatchExport, BatchExportLine, activities_description
from ledger.reports.batch_projects import project_amounts

_CHUNK = 500

#: Lines that go into a file: still to be paid, or paid (a returned payment is no longer part of it).
EXPORTED_STATUSES = (BatchLineStatus.PENDING.value, BatchLineStatus.PAID.value)


def batch_export_data(session: Session, batch: Batch) -> BatchExport:
    """The batch as plain data for the exporters; its lines are streamed from the database in chunks."""
    statuses = EXPORTED_STATUSES
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(BatchLine.amount_minor), 0))
        .where(BatchLine.batch_id == batch.id, BatchLine.status.in_(statuses))
    ).one()
    payer = get_organisation(session).payer_name  # the bank file's header: a clear 409 when not set up
    project = session.get(Project, batch.project_id) if batch.project_id is not None else None
    created = batch.created_at.date() if isinstance(batch.created_at, datetime) else clock.today()
    return BatchExport(
        reference=batch.reference,
        method=batch.method,
        currency=batch.currency,
        created_on=created,
        paid_on=batch.paid_on,
        organisation_name=payer,
        project_code=project.code if project is not None else None,
        lines=_export_lines(session, batch.id, batch.currency, statuses),
        line_count=int(count),
        total=Money.from_minor(int(total), batch.currency).amount,
    )


def _export_lines(
    session: Session, batch_id: int, currency: str, statuses: tuple[str, ...]
) -> Iterator[BatchExportLine]:
    for chunk in line_id_chunks(session, batch_id, statuses, _CHUNK):
        rows = session.execute(
            select(BatchLine, Participant.reference)
            .join(Participant, Participant.id == BatchLine.participant_id)
            .where(BatchLine.id.in_(chunk))
            .order_by(BatchLine.id)
        ).all()
        line_ids = [line.id for line, _ in rows]
        details = _line_details(session, line_ids)
        parts = project_amounts(session, line_ids, currency)  # per-project rows for Xero and Sage
        for line, reference in rows:
            codes, cost_codes, record_ids = details.get(line.id, ((), (), ()))
            count = len(record_ids)
            yield BatchExportLine(
                line_id=line.id,
                participant_reference=reference,
                payee_name=line.payee_name,
                amount=Money.from_minor(line.amount_minor, currency).amount,
                fees=Money.from_minor(line.fees_minor, currency).amount,
                expenses=Money.from_minor(line.expenses_minor, currency).amount,
                payment_reference=line.payment_reference,
                sort_code=line.bank_sort_code,
                account_number=line.bank_account_number,
                account_name=line.bank_account_name,
                organisation_reference=line.organisation_reference,
                project_codes=codes,
                cost_codes=cost_codes,
                description=activities_description(count),
                record_ids=record_ids,
                projects=parts.get(line.id, ()),
            )


def _line_details(
    session: Session, line_ids: list[int]
) -> dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]]:
    """Per line: the project codes, cost codes and record ids its postings come from."""
    rows = session.execute(
        select(BatchItem.batch_line_id, Project.code, Project.cost_code, Record.id)
        .join(Posting, Posting.id == BatchItem.posting_id)
        .join(Record, Record.id == Posting.record_id)
        .join(Activity, Activity.id == Record.activity_id)
        .join(Project, Project.id == Activity.project_id)
        .where(BatchItem.batch_line_id.in_(line_ids))
        .distinct()
    ).all()
    codes: dict[int, set[str]] = defaultdict(set)
    cost: dict[int, set[str]] = defaultdict(set)
    records: dict[int, set[int]] = defaultdict(set)
    for line_id, code, cost_code, record_id in rows:
        codes[line_id].add(code)
        if cost_code:
            cost[line_id].add(cost_code)
        records[line_id].add(int(record_id))
    return {
        line_id: (tuple(sorted(codes[line_id])), tuple(sorted(cost[line_id])), tuple(sorted(records[line_id])))
        for line_id in records
    }
