"""The tamper-evident audit trail: each event's hash covers its contents and the previous event's hash.

Editing a row changes its contents so its hash no longer matches; deleting a row breaks the link the
next row keeps to it. Appending is serialised so two writers can never both extend the same last row
(which would fork the chain): PostgreSQL takes a transaction-level advisory lock; SQLite already holds
the write lock from ``BEGIN IMMEDIATE`` (see ``ledger.db.engine``).

Events are written in the caller's transaction, so a change and its audit event commit (or roll back)
together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ledger.audit.jsonsafe import audit_payload, canonical_json, iso_utc
from ledger.db.base import utcnow
from ledger.db.models import AuditEvent
from ledger.security.actor import Actor

GENESIS_HASH = "0" * 64
# Any constant works as long as every writer uses the same one; this spells "ledgaudt" in hex-ish.
AUDIT_LOCK_KEY = 0x6C65646761756474


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    actor_token_id: int | None,
    action: str,
    entity: str,
    entity_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> str:
    """SHA-256 over the canonical JSON of everything the event says."""
    document = {
        "prev_hash": prev_hash,
        "occurred_at": iso_utc(occurred_at),
        "actor": actor,
        "actor_token_id": actor_token_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def _last_hash(session: Session) -> str:
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS_HASH


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction and return it (flushed, with an id).

    ``before``/``after`` are made JSON-safe (dates as ISO, Decimal as text) and bank details in them are
    masked, so callers may pass plain dictionaries of what changed.
    """
    if not action or not entity:
        raise ValueError("an audit event needs an action and an entity")
    before_doc = audit_payload(before)
    after_doc = audit_payload(after)
    _lock_chain(session)
    session.flush()
    prev_hash = _last_hash(session)
    occurred_at = utcnow()
    event = AuditEvent(
        occurred_at=occurred_at,
        actor=actor.name,
        actor_token_id=actor.token_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before_doc,
        after=after_doc,
        prev_hash=prev_hash,
    )
    event.hash = event_hash(
        prev_hash=prev_hash,
        occurred_at=occurred_at,
        actor=event.actor,
        actor_token_id=event.actor_token_id,
        action=action,
        entity=entity,
        entity_id=event.entity_id,
        before=before_doc,
        after=after_doc,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the whole chain. ``first_bad_id`` names the first row that fails."""

    ok: bool
    count: int
    last_hash: str
    first_bad_id: int | None = None
    problem: str | None = None


def _recomputed(event: AuditEvent) -> str:
    return event_hash(
        prev_hash=event.prev_hash,
        occurred_at=event.occurred_at,
        actor=event.actor,
        actor_token_id=event.actor_token_id,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
    )


def verify_chain(session: Session, *, batch_size: int = 1000) -> VerifyResult:
    """Walk every event in order and check each link and each hash.

    A row whose stored hash differs from the hash of its contents was edited. A row whose ``prev_hash``
    is not the previous row's hash follows a deleted (or edited) row. Gaps in ids alone are not treated
    as tampering: PostgreSQL sequences skip numbers when a transaction rolls back. Removing the newest
    rows cannot be seen from inside the database; compare ``last_hash`` with a copy kept elsewhere.
    """
    expected_prev = GENESIS_HASH
    count = 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size))
    for event in rows.scalars():
        if event.prev_hash != expected_prev:
            return VerifyResult(
                ok=False,
                count=count,
                last_hash=expected_prev,
                first_bad_id=event.id,
                problem=(
                    f"event {event.id} does not link to the event before it: an earlier event was deleted or changed"
                ),
            )
        if _recomputed(event) != event.hash:
            return VerifyResult(
                ok=False,
                count=count,
                last_hash=expected_prev,
                first_bad_id=event.id,
                problem=f"event {event.id} does not match its hash: it was changed after it was written",
            )
        expected_prev = event.hash
        count += 1
    return VerifyResult(ok=True, count=count, last_hash=expected_prev)


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
