"""Finding audit events by what was done, to what, by whom and when (the web's ``/admin/audit`` filters).

``ledger.audit.queries.list_events`` (the API's list) filters by entity only; this adds the action, the
actor and a date range, and pages by id so a long trail stays quick. It returns the stored events
unchanged: what is stored is already masked by ``record_event`` (``ledger.audit.personal``), so this shows
exactly what the API's ``GET /audit`` shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import AuditEvent


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """Every filter is optional; text filters match exactly (``actor`` also matches the start of the label)."""

    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: Sequence[AuditEvent]
    total: int
    offset: int
    limit: int

    @property
    def has_newer(self) -> bool:
        return self.offset > 0

    @property
    def has_older(self) -> bool:
        return self.offset + len(self.events) < self.total


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_events(session: Session, filters: AuditFilters, *, limit: int = 50, offset: int = 0) -> AuditPage:
    """One page of matching events, newest first, and how many match in total."""
    conditions = []
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.entity:
        conditions.append(AuditEvent.entity == filters.entity)
    if filters.entity_id:
        conditions.append(AuditEvent.entity_id == filters.entity_id)
    if filters.actor:
        conditions.append(AuditEvent.actor.startswith(filters.actor, autoescape=True))
    if filters.date_from:
        conditions.append(AuditEvent.occurred_at >= _start_of(filters.date_from))
    if filters.date_to:
        conditions.append(AuditEvent.occurred_at < _start_of(filters.date_to + timedelta(days=1)))
    query = select(AuditEvent).where(*conditions)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return AuditPage(rows, int(total), offset, limit)

