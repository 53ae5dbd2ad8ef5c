"""The tamper-evident audit trail: each event's hash covers its contents and the previous event's hash.

Editing a row changes its contents so its hash no longer matches; deleting a row breaks the link the
next row keeps to it. Appending is serialised so two writers can never both extend the same last row
(which would fork the chain): PostgreSQL takes a transaction-level advisory lock; SQLite already holds
the write lock from ``BEGIN IMMEDIATE`` (see ``ledger.db.engine``).

The hash is an HMAC-SHA256 keyed with a secret kept outside the database
(``ledger.security.keys.audit_chain_key``), so someone who can write to the database but does not have
the key cannot rewrite events and recompute matching hashes.

Events written before the chain was keyed (migration 0005) keep their plain SHA-256 hashes: each row
says how it was hashed (``hash_scheme``), because rewriting them with the key would itself be rewriting
the trail. Plain events are accepted only as the oldest part of the trail and only when a keyed event
follows them: that keyed event's HMAC covers the last plain hash, and through the links every plain
event before it, so they cannot be changed without the key either. ``ledger db upgrade`` writes such a
sealing event (``audit.keyed``) straight after the upgrade. A plain event after a keyed one, or a trail
with no keyed event at all, is what a rewrite without the key looks like, and fails verification.

Removing the newest events cannot be seen from inside the database; ``ledger audit anchor`` prints the
trail's length and last hash to keep elsewhere, and ``verify`` with anchors catches it
(``ledger.audit.anchor``).

Events are written in the caller's transaction, so a change and its audit event commit (or roll back)
together.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, Table, func, insert, select, text
from sqlalchemy.orm import Session

from ledger.audit.jsonsafe import audit_payload, canonical_json, iso_utc
from ledger.db.base import utcnow
from ledger.db.models import AuditEvent, Role
from ledger.security.actor import Actor

if TYPE_CHECKING:
    from ledger.audit.anchor import Anchor

GENESIS_HASH = "0" * 64
# Any constant works as long as every writer uses the same one; this spells "ledgaudt" in hex-ish.
AUDIT_LOCK_KEY = 0x6C65646761756474
KEYED = "hmac-sha256"  # every event written now
PLAIN = "sha256"  # events written before migration 0005; accepted only as the sealed start of the trail
SEAL_ACTION = "audit.keyed"
AUDIT_EVENTS = cast(Table, AuditEvent.__table__)  # for one plain INSERT, without the ORM's bookkeeping
_INSERT_EVENT = insert(AUDIT_EVENTS)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def chain_key() -> bytes:
    """The audit chain's HMAC key (derived from the oldest key in the keyring; see ``ledger.security.keys``)."""
    from ledger.security.keys import audit_chain_key

    return audit_chain_key()


def existing_chain_key() -> bytes:
    """The chain key for *checking* a trail: never creates a key file (a new key could not match it).

    With no key anywhere this raises ``KeyringError`` ("no secret key: ...") instead.
    """
    from ledger.security.keys import audit_chain_key

    return audit_chain_key(create=False)


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
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 with ``key`` (plain SHA-256 when ``key`` is None: old events) over the canonical JSON
    of everything the event says."""
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
    payload = canonical_json(document).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def actor_label(actor: Actor) -> str:
    """Who the trail says acted: the token's name, except for a participant's own token.

    A participant's token is usually named after the person, and the trail is kept for ever (it cannot
    be erased), so it records the token instead. Staff names stay: accountability needs them.
    """
    if actor.role == Role.PARTICIPANT:
        if actor.token_id is None and actor.participant_id is not None:  # signed in to the web with a code
            return f"participant {actor.participant_id}"
        return f"participant token {actor.token_id}"
    return actor.name


def lock_chain(session: Session) -> None:
    """Serialise appending to the chain until this transaction ends (PostgreSQL; SQLite's write lock does it)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"key": AUDIT_LOCK_KEY})


def last_hash_query() -> Select[Any]:
    """The newest event's hash. Read it only while holding the chain's lock (``lock_chain``), in a
    statement that starts after the lock was taken, so that no other writer can append in between."""
    return select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


def _last_hash(session: Session) -> str:
    last = session.scalar(last_hash_query())
    return last or GENESIS_HASH


def needs_seal(session: Session) -> bool:
    """True when the newest event is a plain (unkeyed) one: the trail was written before keying began."""
    scheme = session.scalar(select(AuditEvent.hash_scheme).order_by(AuditEvent.id.desc()).limit(1))
    return scheme == PLAIN


def seal_legacy_trail(session: Session, actor: Actor) -> AuditEvent | None:
    """Write an ``audit.keyed`` event after unkeyed old events, so their hashes are covered by the key.

    Run by ``ledger db upgrade`` (and restore) straight after migrating. Does nothing on a trail that is
    empty or already keyed. Any later keyed event would seal it too; this just does it at once, so a
    database that is upgraded and then only read still verifies.
    """
    lock_chain(session)
    if not needs_seal(session):
        return None
    legacy = count_events(session)
    return record_event(
        session, actor, SEAL_ACTION, "audit_trail", "chain", None,
        {"legacy_events": legacy, "legacy_last_hash": _last_hash(session), "scheme_from_now": KEYED},
    )


@dataclass(frozen=True)
class PendingEvent:
    """An event's contents, made JSON-safe and masked, before it is linked into the chain.

    Built before the chain's lock is taken (``pending_event``) so that the work done while holding it is
    only reading the last hash, hashing and writing (``append_event``).
    """

    actor: str
    actor_token_id: int | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def pending_event(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> PendingEvent:
    """``before``/``after`` are made JSON-safe (dates as ISO, Decimal as text) and bank details in them are
    masked, so callers may pass plain dictionaries of what changed."""
    if not action or not entity:
        raise ValueError("an audit event needs an action and an entity")
    return PendingEvent(actor=actor_label(actor), actor_token_id=actor.token_id, action=action, entity=entity,
                        entity_id=str(entity_id), before=audit_payload(before, entity),
                        after=audit_payload(after, entity))


def _linked(pending: PendingEvent, prev_hash: str, key: bytes) -> dict[str, Any]:
    """The row for ``pending`` as the event after ``prev_hash``, keyed-hashed, timed now."""
    occurred_at = utcnow()
    return {
        "occurred_at": occurred_at,
        "actor": pending.actor,
        "actor_token_id": pending.actor_token_id,
        "action": pending.action,
        "entity": pending.entity,
        "entity_id": pending.entity_id,
        "before": pending.before,
        "after": pending.after,
        "prev_hash": prev_hash,
        "hash_scheme": KEYED,
        "hash": event_hash(prev_hash=prev_hash, occurred_at=occurred_at, actor=pending.actor,
                           actor_token_id=pending.actor_token_id, action=pending.action, entity=pending.entity,
                           entity_id=pending.entity_id, before=pending.before, after=pending.after, key=key),
    }


def append_event(session: Session, pending: PendingEvent, prev_hash: str | None, key: bytes) -> None:
    """Write ``pending`` after the event whose hash is ``prev_hash`` (None: the trail is empty), with one
    INSERT and no ORM object. The caller holds the chain's lock and read ``prev_hash`` under it."""
    session.connection().execute(_INSERT_EVENT, _linked(pending, prev_hash or GENESIS_HASH, key))


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
    pending = pending_event(actor, action, entity, entity_id, before, after)
    key = chain_key()
    lock_chain(session)
    session.flush()
    event = AuditEvent(**_linked(pending, _last_hash(session), key))
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the whole chain. ``first_bad_id`` names the first row that fails (if a row
    is to blame); ``count`` is how many events were intact before the problem."""

    ok: bool
    count: int
    last_hash: str
    first_bad_id: int | None = None
    problem: str | None = None
    last_id: int | None = None
    keyed: int = 0  # how many of the intact events are keyed (the rest are sealed old plain ones)
    anchors_checked: int = 0
    # True when the only fault is that no event is keyed: an old trail not yet sealed, or a rewrite.
    unsealed: bool = False


def _recomputed(event: AuditEvent, key: bytes | None) -> str:
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
        key=key,
    )


class _Walk:
    """The state of one verification walk (kept small so ``verify_chain`` reads as the list of rules)."""

    def __init__(self, key_source: Callable[[], bytes]) -> None:
        self.key_source = key_source
        self.key: bytes | None = None
        self.expected_prev = GENESIS_HASH
        self.count = 0
        self.keyed = 0
        self.last_id: int | None = None
        self.first_id: int | None = None
        self.first_keyed_id: int | None = None

    def chain_key(self) -> bytes:
        if self.key is None:
            self.key = self.key_source()
        return self.key

    def fail(
        self, event_id: int | None, problem: str, anchors_checked: int = 0, *, unsealed: bool = False
    ) -> VerifyResult:
        return VerifyResult(
            ok=False, count=self.count, last_hash=self.expected_prev, first_bad_id=event_id, problem=problem,
            last_id=self.last_id, keyed=self.keyed, anchors_checked=anchors_checked, unsealed=unsealed,
        )


def _event_problem(walk: _Walk, event: AuditEvent) -> str | None:
    """Why ``event`` breaks the chain, or None when it is intact."""
    if event.prev_hash != walk.expected_prev:
        return f"event {event.id} does not link to the event before it: an earlier event was deleted or changed"
    if event.hash_scheme == KEYED:
        if not hmac.compare_digest(_recomputed(event, walk.chain_key()), event.hash):
            return (
                f"event {event.id} does not match its keyed hash: it was changed after it was written, "
                "or rewritten by someone without the audit key (or this is not the key the trail was written with)"
            )
        return None
    if event.hash_scheme == PLAIN:
        if walk.first_keyed_id is not None:
            return (
                f"event {event.id} is hashed without the key although keyed hashing began at event "
                f"{walk.first_keyed_id}: it was rewritten by someone without the audit key"
            )
        if _recomputed(event, None) != event.hash:
            return f"event {event.id} does not match its hash: it was changed after it was written"
        return None
    return f"event {event.id} names an unknown hash scheme {event.hash_scheme!r}: it was changed after it was written"


def _anchor_problem(anchor: Anchor, position: int, event: AuditEvent) -> str | None:
    if hmac.compare_digest(anchor.last_hash, event.hash):
        return None
    return (
        f"event {event.id} (number {position} in the trail) does not match the anchor taken {anchor.when()}: "
        "the trail was rewritten or replaced after the anchor was taken"
    )


def verify_chain(
    session: Session,
    *,
    batch_size: int = 1000,
    anchors: Sequence[Anchor] = (),
    key_source: Callable[[], bytes] = existing_chain_key,
) -> VerifyResult:
    """Walk every event in order and check each link and each hash, and each anchor kept elsewhere.

    A row whose stored hash differs from the (keyed) hash of its contents was edited. A row whose
    ``prev_hash`` is not the previous row's hash follows a deleted (or edited) row. Gaps in ids alone are
    not treated as tampering: PostgreSQL sequences skip numbers when a transaction rolls back. A plain
    (unkeyed) row after a keyed one, or a trail with no keyed row at all, was rewritten without the key.
    Each anchor says "the trail had N events and the N-th had this hash": a shorter trail lost its newest
    events (or was emptied), a different hash means it was rewritten.

    The key is fetched only when a keyed event is met (``KeyringError`` when it cannot be found; no key
    file is ever created by checking).
    """
    walk = _Walk(key_source)
    by_position: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_position.setdefault(anchor.events, []).append(anchor)
    checked = sum(len(group) for position, group in by_position.items() if position == 0)
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size))
    for event in rows.scalars():
        problem = _event_problem(walk, event)
        if problem is not None:
            return walk.fail(event.id, problem, checked)
        position = walk.count + 1
        for anchor in by_position.get(position, ()):
            anchor_problem = _anchor_problem(anchor, position, event)
            if anchor_problem is not None:
                return walk.fail(event.id, anchor_problem, checked)
            checked += 1
        if event.hash_scheme == KEYED:
            walk.keyed += 1
            if walk.first_keyed_id is None:
                walk.first_keyed_id = event.id
        walk.expected_prev = event.hash
        walk.first_id = event.id if walk.first_id is None else walk.first_id
        walk.last_id = event.id
        walk.count = position
    longest = max((a for a in anchors), key=lambda a: a.events, default=None)
    if longest is not None and longest.events > walk.count:
        return walk.fail(
            None,
            f"the trail has {walk.count} events but the anchor taken {longest.when()} recorded {longest.events}: "
            f"the newest {longest.events - walk.count} events were deleted, or the trail was emptied or replaced",
            checked,
        )
    if walk.count and not walk.keyed:
        return walk.fail(
            walk.first_id,  # the first event that cannot be trusted
            f"none of the {walk.count} events is keyed: either the trail was written before keyed hashing and "
            "has not been sealed yet (run `ledger db upgrade`, which seals it), or it was rewritten by someone "
            "without the audit key. Compare with an anchor kept elsewhere before sealing.",
            checked,
            unsealed=True,
        )
    return VerifyResult(
        ok=True, count=walk.count, last_hash=walk.expected_prev, last_id=walk.last_id, keyed=walk.keyed,
        anchors_checked=checked,
    )


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
