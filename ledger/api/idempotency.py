"""Idempotent POSTs: a retry with the same ``Idempotency-Key`` gets the first response, byte for byte.

Keys belong to a token (token 0 for anonymous calls to public routes), so two clients cannot collide.
The request is fingerprinted by method, path, query and body. The life of a key:

1. While a request runs, the key is held only by things that die with the request: an entry in this
   server process's ``LiveKeys`` and, on PostgreSQL, a transaction-level advisory lock taken in the
   request's own transaction. A concurrent duplicate finds one of them and gets 409 "in progress"
   instead of running twice. Nothing is written for a request in progress, so a request that dies (an
   error, a lost client, a killed server) leaves the key free at once.
2. A success (2xx) stores its response in the request's own transaction, with its work: both commit
   together or neither does. A retry replays it (``Idempotent-Replayed: true``).
3. A refusal (4xx) or a failure (5xx) stores nothing: the key stays free, so a corrected request can be
   sent with the same key.

Rows with ``status_code`` 0 were written by earlier versions for requests in progress; they are treated
as free.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from ledger.db.models import IdempotencyRecord
from ledger.errors import Conflict, invalid_field

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
PENDING = 0  # only in rows left by earlier versions


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: bytes


@dataclass
class LiveKeys:
    """The (token, key) pairs held by requests running in this server process."""

    _held: set[tuple[int, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, token_id: int, key: str) -> bool:
        with self._lock:
            if (token_id, key) in self._held:
                return False
            self._held.add((token_id, key))
            return True

    def release(self, token_id: int, key: str) -> None:
        with self._lock:
            self._held.discard((token_id, key))


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


def in_progress(key: str) -> Conflict:
    return Conflict(
        f"A request with the Idempotency-Key {key!r} is still being processed. "
        "Wait a moment, then retry to get its result.",
        title="Request already in progress",
    )


def _advisory_lock_id(token_id: int, key: str) -> int:
    digest = hashlib.sha256(f"idempotency:{token_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def hold_in_transaction(session: Session, token_id: int, key: str) -> None:
    """On PostgreSQL, hold the key with an advisory lock that ends with this transaction (or connection).

    This covers several server processes sharing one database; within a process ``LiveKeys`` does it.
    SQLite has no such lock (a SQLite ledger is served by one process).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    got = session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _advisory_lock_id(token_id, key)})
    if not got:
        raise in_progress(key)


def stored_response(session: Session, *, token_id: int, key: str, request_hash: str) -> StoredResponse | None:
    """The response stored for this key, if any (a different request under the same key is a 409)."""
    record = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key)
    )
    if record is None or record.status_code == PENDING:
        return None
    if record.request_hash != request_hash:
        raise Conflict(
            f"The Idempotency-Key {record.key!r} was already used for a different request "
            f"({record.method} {record.path}). Use a new key for a new request.",
            title="Idempotency key reused",
        )
    return StoredResponse(record.status_code, record.content_type, bytes(record.response_body))


def store(
    session: Session, *, token_id: int, key: str, method: str, path: str, request_hash: str, response: StoredResponse
) -> None:
    """Store a successful response in ``session`` (the caller commits it with the request's own work)."""
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.token_id == token_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.status_code == PENDING,
        )
    )
    session.add(
        IdempotencyRecord(
            token_id=token_id,
            key=key,
            method=method,
            path=path[:500],
            request_hash=request_hash,
            status_code=response.status,
            content_type=response.content_type,
            response_body=response.body,
        )
    )
    session.flush()
