"""Idempotent POSTs: a retry with the same ``Idempotency-Key`` gets the first response, byte for byte.

Keys belong to a token (token 0 for anonymous calls to public routes), so two clients cannot collide.
The request is fingerprinted by method, path, query and body. The life of a key:

1. ``claim`` inserts a *pending* row (``status_code`` 0) and commits it at once. The unique constraint on
   (token, key) means only one request can hold a key; a concurrent duplicate sees the pending row and
   gets 409 "in progress" instead of running twice.
2. The handler runs in its own transaction. On success ``complete`` writes the response into the pending
   row in that same transaction, so the work and the stored response commit together (never one
   without the other).
3. A client error (4xx) is stored too (rolled back work, stored answer): retrying the same request would
   fail the same way. A server error (5xx) ``release``-s the key, so the client can simply retry.

A pending row older than ``STALE_AFTER`` belongs to a request that died mid-way (a crash between claim
and commit); it may be taken over.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.base import utcnow
from ledger.db.models import IdempotencyRecord
from ledger.errors import Conflict, invalid_field

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
STALE_AFTER = timedelta(minutes=15)
PENDING = 0


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Claim:
    """Either the key is now ours (``record_id``) or there is a stored response to replay."""

    record_id: int | None
    replay: StoredResponse | None = None


def validate_key(raw: str) -> str:
    key = raw.strip()
    if not key:
        raise invalid_field(IDEMPOTENCY_HEADER, "must not be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise invalid_field(IDEMPOTENCY_HEADER, f"use at most {MAX_KEY_LENGTH} characters")
    if not key.isprintable() or not key.isascii():
        raise invalid_field(IDEMPOTENCY_HEADER, "use printable ASCII characters only (a UUID is ideal)")
    return key


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _existing(session: Session, token_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key)
    )


def _decide(session: Session, record: IdempotencyRecord, request_hash: str) -> Claim:
    if record.request_hash != request_hash:
        raise Conflict(
            f"The Idempotency-Key {record.key!r} was already used for a different request "
            f"({record.method} {record.path}). Use a new key for a new request.",
            title="Idempotency key reused",
        )
    if record.status_code != PENDING:
        return Claim(None, StoredResponse(record.status_code, record.content_type, bytes(record.response_body)))
    if utcnow() - _aware(record.created_at) < STALE_AFTER:
        raise Conflict(
            f"A request with the Idempotency-Key {record.key!r} is still being processed. "
            "Wait a moment, then retry to get its result.",
            title="Request already in progress",
        )
    taken = session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record.id,
            IdempotencyRecord.created_at == record.created_at,
            IdempotencyRecord.status_code == PENDING,
        )
        .values(created_at=utcnow())
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise Conflict(
            f"A request with the Idempotency-Key {record.key!r} is still being processed.",
            title="Request already in progress",
        )
    return Claim(record.id)


def claim(
    factory: sessionmaker[Session], *, token_id: int, key: str, method: str, path: str, request_hash: str
) -> Claim:
    """Take the key for this request (committed before the handler runs), or say what to do instead."""
    for _attempt in range(2):
        try:
            with factory() as session, session.begin():
                record = _existing(session, token_id, key)
                if record is not None:
                    return _decide(session, record, request_hash)
                record = IdempotencyRecord(
                    token_id=token_id,
                    key=key,
                    method=method,
                    path=path[:500],
                    request_hash=request_hash,
                    status_code=PENDING,
                    content_type="",
                    response_body=b"",
                )
                session.add(record)
                session.flush()
                return Claim(record.id)
        except IntegrityError:
            continue  # another request inserted the same key between our read and insert: read it now
    raise Conflict(
        f"A request with the Idempotency-Key {key!r} is still being processed.",
        title="Request already in progress",
    )


def complete(session: Session, record_id: int, response: StoredResponse) -> None:
    """Store the response in ``session`` (the caller commits it, with the request's own work)."""
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(status_code=response.status, content_type=response.content_type, response_body=response.body)
    )


def complete_separately(factory: sessionmaker[Session], record_id: int, response: StoredResponse) -> None:
    with factory() as session, session.begin():
        complete(session, record_id, response)


def release(factory: sessionmaker[Session], record_id: int) -> None:
    """Forget a pending key so the request can be retried (its work was rolled back)."""
    with factory() as session, session.begin():
        session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id, IdempotencyRecord.status_code == PENDING)
        )
