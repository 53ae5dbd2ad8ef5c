"""``GET /audit``: the audit trail for administrators and auditors, newest first; ``GET /audit/verify``:
the same check as ``ledger audit verify`` (optionally against an anchor kept elsewhere)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.audit import VerifyResult, list_events, verify_chain
from ledger.audit.anchor import parse_anchor
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


class AuditVerifyOut(msgspec.Struct):
    """The result of checking the whole chain: ``ok`` false names the first bad event and why."""

    ok: bool
    events: int  # how many events were checked and found intact (before the problem, if any)
    keyed_events: int  # of those, how many are keyed (the rest were written before keyed hashing, sealed)
    last_id: int | None
    last_hash: str
    anchors_checked: int
    first_bad_id: int | None
    problem: str | None


def verify_out(result: VerifyResult) -> AuditVerifyOut:
    return AuditVerifyOut(
        ok=result.ok, events=result.count, keyed_events=result.keyed, last_id=result.last_id,
        last_hash=result.last_hash, anchors_checked=result.anchors_checked, first_bad_id=result.first_bad_id,
        problem=result.problem,
    )


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

    @get(
        "/verify",
        operation_id="verifyAuditTrail",
        summary="Check the audit trail's keyed hash chain (and an anchor)",
        description="Recomputes every event's keyed hash and link, like `ledger audit verify`. `ok` false names "
        "the first event that was changed or removed. Pass `anchor` (a line from `ledger audit anchor`) to also "
        "catch deleted newest events. A broken trail is still a 200: the check itself worked.",
        sync_to_thread=True,
    )
    def verify(
        self,
        db_session: Session,
        anchor: Annotated[
            str | None,
            Parameter(query="anchor", max_length=400, description="An anchor line or its JSON form"),
        ] = None,
    ) -> AuditVerifyOut:
        anchors = [parse_anchor(anchor)] if anchor is not None else []
        return verify_out(verify_chain(db_session, anchors=anchors))
