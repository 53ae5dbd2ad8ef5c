"""One transaction per request, committed BEFORE the response leaves, plus idempotent POSTs.

The response is held back until the request's transaction is settled: committed when the status is
2xx, rolled back otherwise. If the commit itself fails (a deferred constraint, a lost connection), the
client gets an error instead of a success for work that was never saved. Holding the response also lets
us store it for ``Idempotency-Key`` replays in the same transaction as the work (see ``idempotency``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import anyio
import anyio.to_thread
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from ledger.api import idempotency
from ledger.api.auth import actor_of
from ledger.api.database import LedgerDatabase, database_of
from ledger.api.errors import INTERNAL_DETAIL
from ledger.api.problems import PROBLEM_MEDIA_TYPE, problem_body

logger = logging.getLogger("ledger.api")

MAX_IDEMPOTENT_BODY = 10 * 1024 * 1024


@dataclass
class BufferedResponse:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    started: bool = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = int(message["status"])
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(bytes(message.get("body", b"")))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == b"content-type":
                return value.decode("latin-1")
        return ""

    def replace(self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.status = status
        self.chunks = [body]
        self.headers = [(b"content-type", content_type.encode("latin-1"))]
        for name, value in (extra or {}).items():
            self.headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))

    async def deliver(self, send: Send) -> None:
        body = self.body
        headers = [(n, v) for n, v in self.headers if n.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        start: HTTPResponseStartEvent = {"type": "http.response.start", "status": self.status, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > MAX_IDEMPOTENT_BODY:
            raise HTTPException(status_code=413, detail="The request body is too large.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> ReceiveMessage:
        nonlocal delivered
        if not delivered:
            delivered = True
            event: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return event
        return await receive()

    return replay


def _rollback(session: Session | None) -> None:
    if session is not None:
        try:
            session.rollback()
        except Exception:
            logger.warning("rollback failed", exc_info=True)


def _commit_failure(exc: Exception, path: str) -> tuple[int, bytes, dict[str, str]]:
    if isinstance(exc, sa_exc.IntegrityError):
        logger.warning("commit refused by a constraint on %s: %s", path, exc)
        detail = "The change conflicts with data saved at the same time. Nothing was saved; reload and try again."
        return 409, problem_body(409, detail, slug="conflict", instance=path), {}
    if isinstance(exc, sa_exc.DataError):  # a value the database refused (see errors.handle_data_error)
        logger.warning("commit refused a value on %s: %s", path, exc)
        detail = "A value in the request cannot be stored as given. Nothing was saved; check the values."
        return 422, problem_body(422, detail, title="Invalid input", slug="invalid", instance=path), {}
    if isinstance(exc, sa_exc.OperationalError):
        logger.error("database unavailable at commit on %s", path, exc_info=exc)
        detail = "The database is busy or unavailable. Nothing was saved; please try again shortly."
        return 503, problem_body(503, detail, instance=path), {"Retry-After": "5"}
    logger.error("commit failed on %s", path, exc_info=exc)
    return 500, problem_body(500, INTERNAL_DETAIL, instance=path), {}


class UnitOfWorkMiddleware(ASGIMiddleware):
    """Settles the request's transaction before answering, and makes POSTs with a key idempotent."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        db = database_of(scope)
        record_id: int | None = None
        raw_key = Headers.from_scope(scope).get(idempotency.IDEMPOTENCY_HEADER)
        if scope.get("method") == "POST" and raw_key is not None:
            key = idempotency.validate_key(raw_key)
            body = await _read_body(receive)
            receive = _replaying(body, receive)
            actor = actor_of(scope)
            outcome = await anyio.to_thread.run_sync(
                lambda: idempotency.claim(
                    db.session_factory,
                    token_id=actor.token_id if actor is not None and actor.token_id is not None else 0,
                    key=key,
                    method="POST",
                    path=scope["path"],
                    request_hash=idempotency.fingerprint("POST", scope["path"], scope["query_string"], body),
                )
            )
            if outcome.replay is not None:
                replayed = BufferedResponse()
                replayed.replace(
                    outcome.replay.status,
                    outcome.replay.content_type,
                    outcome.replay.body,
                    {idempotency.REPLAY_HEADER: "true"},
                )
                await replayed.deliver(send)
                return
            record_id = outcome.record_id

        response = BufferedResponse()
        try:
            await next_app(scope, receive, response.send)
        except BaseException:
            with anyio.CancelScope(shield=True):  # clean up even when the client went away
                await anyio.to_thread.run_sync(self._abandon, db, scope, record_id)
            raise
        await anyio.to_thread.run_sync(self._settle, db, scope, record_id, response)
        await response.deliver(send)

    @staticmethod
    def _abandon(db: LedgerDatabase, scope: Scope, record_id: int | None) -> None:
        _rollback(db.request_session(scope))
        if record_id is not None:
            idempotency.release(db.session_factory, record_id)

    @staticmethod
    def _settle(db: LedgerDatabase, scope: Scope, record_id: int | None, response: BufferedResponse) -> None:
        session = db.request_session(scope)
        if 200 <= response.status < 300:
            try:
                if record_id is not None:
                    session = session or db.ensure_request_session(scope)
                    stored = idempotency.StoredResponse(response.status, response.content_type, response.body)
                    idempotency.complete(session, record_id, stored)
                if session is not None:
                    session.commit()
                return
            except Exception as exc:
                _rollback(session)
                status, body, headers = _commit_failure(exc, scope["path"])
                response.replace(status, PROBLEM_MEDIA_TYPE, body, headers)
                if record_id is not None:  # nothing was saved: let the client retry with the same key
                    idempotency.release(db.session_factory, record_id)
                return
        else:
            _rollback(session)
        if record_id is None:
            return
        if response.status >= 500:
            idempotency.release(db.session_factory, record_id)
        else:
            stored = idempotency.StoredResponse(response.status, response.content_type, response.body)
            idempotency.complete_separately(db.session_factory, record_id, stored)
