"""Payment batches looked up by status, method, project and the date they were made (the finance history page).

``ledger.payments.batches.list_batches`` (used by the API) filters by status and method; the page also
filters by project and by date, so this adds those two conditions and counts lines in SQL (one query for
the page's batches) instead of loading every batch's lines. Status and method words are checked by the
same parsers as the API (``BatchStatus``, ``parse_method``), so a bad value gets the same message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import Batch, BatchLine, BatchStatus, Project
from ledger.errors import invalid_field
from ledger.money import Money
from ledger.payments.batches import parse_method


@dataclass(frozen=True, slots=True)
class BatchFilters:
    status: str | None = None
    method: str | None = None
    project_id: int | None = None
    made_from: date | None = None
    made_to: date | None = None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    batch: Batch
    lines: int
    project_code: str | None
    total: Decimal


def batch_history(session: Session, filters: BatchFilters, *, limit: int, offset: int
                  ) -> tuple[Sequence[HistoryRow], int]:
    """Batches newest first matching ``filters``, and how many match in all."""
    query = select(Batch)
    if filters.status is not None:
        try:
            query = query.where(Batch.status == BatchStatus(filters.status))
        except ValueError:
            allowed = ", ".join(s.value for s in BatchStatus)
            raise invalid_field("status", f"{filters.status!r} is not a batch status; use one of: {allowed}") from None
    if filters.method is not None:
        query = query.where(Batch.method == parse_method(filters.method))
    if filters.project_id is not None:
        query = query.where(Batch.project_id == filters.project_id)
    if filters.made_from is not None:
        query = query.where(Batch.created_at >= datetime.combine(filters.made_from, time.min, tzinfo=UTC))
    if filters.made_to is not None:
        day_after = filters.made_to + timedelta(days=1)
        query = query.where(Batch.created_at < datetime.combine(day_after, time.min, tzinfo=UTC))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    batches = session.scalars(query.order_by(Batch.id.desc()).limit(limit).offset(offset)).all()
    ids = [b.id for b in batches]
    counts = dict(session.execute(select(BatchLine.batch_id, func.count()).where(BatchLine.batch_id.in_(ids))
                                  .group_by(BatchLine.batch_id)).tuples().all()) if ids else {}
    project_ids = {b.project_id for b in batches if b.project_id is not None}
    codes = dict(session.execute(select(Project.id, Project.code).where(Project.id.in_(project_ids)))
                 .tuples().all()) if project_ids else {}
    rows = [HistoryRow(b, int(counts.get(b.id, 0)), codes.get(b.project_id) if b.project_id else None,
                       Money.from_minor(b.total_minor, b.currency).amount) for b in batches]
    return rows, total
