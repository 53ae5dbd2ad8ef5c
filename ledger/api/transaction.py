"""One transaction per request, committed BEFORE the response leaves, plus idempotent POSTs.

The response is held back until the request's transaction is settled: committed when the status is
2xx, rolled back otherwise (a 4xx keeps nothing, not even its ``Idempotency-Key``).
If the commit itself fails (a deferred constraint, a lost connection), the
client gets an error instead of a success for work that was never saved. Holding the response also lets
us store it for ``Idempotency-Key`` replays in the same transaction as the work (see ``idempotency``).

A hot handler may settle sooner with ``answer_committed``: it encodes its answer and commits in its own
worker thread, so the transaction (and any lock it holds, such as the audit chain's) ends without waiting
for the answer to be encoded on the event loop and for a second thread to commit. The promise is the
same: the answer is sent only once the work is committed, and a failed commit answers an error. It does
not apply when an ``Idempotency-Key`` is held: then the answer must be stored in the same transaction,
which the middleware does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from litestar import Request, Response
from litestar.datastructures import Headers
from litestar.enums import MediaType, ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.serialization import encode_json, get_serializer
from litestar.types import (
    ASGIApp,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from ledger.api import idempotency
from ledger.api.auth import actor_of
from ledger.api.database import LedgerDatabase, database_of
from ledger.api.errors import INTERNAL_DETAIL, storage_fault
from ledger.api.limits import read_body, replaying
from ledger.api.problems import PROBLEM_MEDIA_TYPE, problem_body

logger = logging.getLogger("ledger.api")

MAX_IDEMPOTENT_BODY = 10 * 1024 * 1024
# Keys in the request's ``scope["state"]``: whether the middleware holds an Idempotency-Key for it, and
# whether a handler already committed (``answer_committed``).
KEY_HELD_STATE = "ledger.idempotency_key_held"
SETTLED_STATE = "ledger.settled"


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


def _rollback(session: Session | None) -> None:
    if session is not None:
        try:
            session.rollback()
        except Exception:
            logger.warning("rollback failed", exc_info=True)


def _end(session: Session | None, *, commit: bool) -> None:
    """Commit (errors propagate) or roll back the request's transaction, then give the connection back."""
    if session is None:
        return
    try:
        if commit:
            session.commit()
        else:
            _rollback(session)
    finally:
        if not commit or not session.in_transaction():
            session.close()


def _commit_failure(exc: Exception, path: str) -> tuple[int, bytes, dict[str, str]]:
    if isinstance(exc, sa_exc.IntegrityError):
        logger.warning("commit refused by a constraint on %s: %s", path, exc)
        detail = "The change conflicts with data saved at the same time. Nothing was saved; reload and try again."
        return 409, problem_body(409, detail, slug="conflict", instance=path), {}
    if isinstance(exc, sa_exc.DataError):  # a value the database refused (see errors.handle_data_error)
        logger.warning("commit refused a value on %s: %s", path, exc)
        detail = "A value in the request cannot be stored as given. Nothing was saved; check the values."
        return 422, problem_body(422, detail, title="Invalid input", slug="invalid", instance=path), {}
    fault = storage_fault(exc)
    if fault is not None:
        slug, detail, headers = fault
        logger.error("database fault (%s) at commit on %s", slug, path, exc_info=exc)
        return 503, problem_body(503, detail, slug=slug, instance=path), headers
    logger.error("commit failed on %s", path, exc_info=exc)
    return 500, problem_body(500, INTERNAL_DETAIL, instance=path), {}


def answer_committed(request: Request[Any, Any, Any], session: Session, answer: object,
                     status: int = 200) -> Any:
    """The handler's answer, encoded as Litestar would encode it, after committing ``session`` here.

    Encoding comes first, so an answer that cannot be encoded keeps nothing (the middleware rolls back).
    A failed commit gives the same error answer as the middleware's. With an ``Idempotency-Key`` held the
    commit is left to the middleware, which stores the answer in the same transaction.

    Returns a ``Response`` (typed ``Any`` so the handler keeps its model as its declared return type,
    which is what the OpenAPI document shows).
    """
    serializer = get_serializer(request.route_handler.resolve_type_encoders())
    body = encode_json(answer, serializer)
    state = request.scope.setdefault("state", {})
    if not state.get(KEY_HELD_STATE):
        try:
            _end(session, commit=True)
        except Exception as exc:
            _end(session, commit=False)
            status, body, headers = _commit_failure(exc, request.scope["path"])
            state[SETTLED_STATE] = True
            return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)
        state[SETTLED_STATE] = True
    return Response(content=body, status_code=status, media_type=MediaType.JSON)


def _settled(scope: Scope) -> bool:
    state = scope.get("state")
    return bool(state and state.get(SETTLED_STATE))


@dataclass(frozen=True)
class HeldKey:
    """The ``Idempotency-Key`` this request holds, and what it is about."""

    token_id: int
    key: str
    path: str
    request_hash: str


class UnitOfWorkMiddleware(ASGIMiddleware):
    """Settles the request's transaction before answering, and makes POSTs with a key idempotent."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        db = database_of(scope)
        held: HeldKey | None = None
        raw_key = Headers.from_scope(scope).get(idempotency.IDEMPOTENCY_HEADER)
        if scope.get("method") == "POST" and raw_key is not None:
            key = idempotency.validate_key(raw_key)
            body = await read_body(receive, MAX_IDEMPOTENT_BODY)  # already capped by BodyLimitsMiddleware
            receive = replaying(body, receive)
            actor = actor_of(scope)
            held = HeldKey(
                token_id=actor.token_id if actor is not None and actor.token_id is not None else 0,
                key=key,
                path=scope["path"],
                request_hash=idempotency.fingerprint("POST", scope["path"], scope["query_string"], body),
            )
            if not db.live_keys.take(held.token_id, held.key):
                raise idempotency.in_progress(key)
            try:
                stored = await anyio.to_thread.run_sync(self._claim, db, scope, held)
            except BaseException:
                db.live_keys.release(held.token_id, held.key)
                raise
            scope.setdefault("state", {})[KEY_HELD_STATE] = True
            if stored is not None:
                db.live_keys.release(held.token_id, held.key)
                replayed = BufferedResponse()
                replayed.replace(stored.status, stored.content_type, stored.body, {idempotency.REPLAY_HEADER: "true"})
                await replayed.deliver(send)
                return

        response = BufferedResponse()
        try:
            try:
                await next_app(scope, receive, response.send)
            except BaseException:
                with anyio.CancelScope(shield=True):  # clean up even when the client went away
                    await anyio.to_thread.run_sync(self._abandon, db, scope)
                raise
            if not _settled(scope):  # a handler that used answer_committed has already committed
                await anyio.to_thread.run_sync(self._settle, db, scope, held, response)
        finally:
            if held is not None:
                db.live_keys.release(held.token_id, held.key)
        await response.deliver(send)

    @staticmethod
    def _claim(db: LedgerDatabase, scope: Scope, held: HeldKey) -> idempotency.StoredResponse | None:
        """Hold the key in the request's own transaction; return the stored response to replay, if any."""
        session = db.ensure_request_session(scope)
        try:
            idempotency.hold_in_transaction(session, held.token_id, held.key)
            stored = idempotency.stored_response(
                session, token_id=held.token_id, key=held.key, request_hash=held.request_hash
            )
        except BaseException:
            _end(session, commit=False)
            raise
        if stored is not None:
            _end(session, commit=False)
        return stored

    @staticmethod
    def _abandon(db: LedgerDatabase, scope: Scope) -> None:
        _end(db.request_session(scope), commit=False)

    @staticmethod
    def _settle(db: LedgerDatabase, scope: Scope, held: HeldKey | None, response: BufferedResponse) -> None:
        session = db.request_session(scope)
        if not 200 <= response.status < 300:
            _end(session, commit=False)  # a refusal or failure keeps nothing, not even its key
            return
        try:
            if held is not None:
                session = session or db.ensure_request_session(scope)
                idempotency.store(
                    session,
                    token_id=held.token_id,
                    key=held.key,
                    method="POST",
                    path=held.path,
                    request_hash=held.request_hash,
                    response=idempotency.StoredResponse(response.status, response.content_type, response.body),
                )
            _end(session, commit=True)
        except Exception as exc:
            _end(session, commit=False)
            status, body, headers = _commit_failure(exc, scope["path"])
            response.replace(status, PROBLEM_MEDIA_TYPE, body, headers)
