"""``GET /audit``: the audit trail for administrators and auditors, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.audit import list_events
from ledger.db.models import AuditEvent, Role


class AuditEventOut(msgspec.Struct):
    id: int
    occurred_at: datetime
    actor: str
    actor_token_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


def to_out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        id=event.id,
        occurred_at=event.occurred_at,
        actor=event.actor,
        actor_token_id=event.actor_token_id,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


class AuditController(Controller):
    path = "/audit"
    tags = ("Audit",)
    guards = (require_roles(Role.AUDITOR),)
    dependencies = PAGE_DEPENDENCIES

    @get("/", operation_id="listAuditEvents", summary="The audit trail, newest first", sync_to_thread=True)
    def list_events(
        self,
        db_session: Session,
        page: PageParams,
        entity: Annotated[
            str | None, Parameter(query="entity", max_length=80, description="Only events about this kind of thing")
        ] = None,
        entity_id: Annotated[
            str | None, Parameter(query="entity_id", max_length=80, description="Only events about this id")
        ] = None,
    ) -> Page[AuditEventOut]:
        rows, total = list_events(db_session, entity=entity, entity_id=entity_id, limit=page.limit, offset=page.offset)
        return Page(items=[to_out(r) for r in rows], total=total, limit=page.limit, offset=page.offset)
