"""What keeps one client from knocking the service over: rate limits, a body size cap, a nesting cap.

Rate limits use Litestar's own ``RateLimitConfig`` / ``RateLimitMiddleware`` (counts kept in the app's
``rate_limit`` store, in memory, per server process):

* **failed sign-ins per client address** (``LEDGER_RATE_LIMIT_AUTH_FAILURES``, default 10 a minute):
  only requests whose token was refused (401) count; once over the limit every wrong token from that
  address gets 429 instead of 401 until the window ends. A valid token from the same address still gets
  through: one guesser behind an office's shared address (NAT, proxy) must not lock the whole office out,
  and the tokens are long random secrets, so guessing is hopeless anyway; the limit stops the flood.
* **anonymous POSTs per client address** (``LEDGER_RATE_LIMIT_ANONYMOUS``, default 60 a minute): the
  public ``/quotes`` is the only anonymous POST.
* **requests per token** (``LEDGER_RATE_LIMIT_PER_TOKEN``, default 1200 a minute), keyed on the token
  as authentication reads it (``bearer_secret``), so ``bearer x``, ``Bearer  x`` and ``Bearer x `` are
  one token with one count, not three.

Each is written ``<count>/<second|minute|hour|day>`` (e.g. ``20/minute``) or ``off``. A 429 is a
problem+json with ``Retry-After`` (see ``ledger.api.errors``).

``BodyLimitsMiddleware`` reads a request body once, refuses one larger than ``LEDGER_MAX_BODY_BYTES``
(default 1 MiB) with 413, and JSON nested deeper than ``MAX_JSON_DEPTH`` with 400 before any decoder
sees it (a decoder recursing 1,000 levels deep was a 500), then hands the body on unchanged.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast, get_args

from litestar import Request
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException, TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import CacheObject, DurationUnit, RateLimitConfig, RateLimitMiddleware
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ASGIApp, HTTPRequestEvent, Message, Receive, ReceiveMessage, Scope, Send

from ledger.api.auth import bearer_secret
from ledger.errors import Unauthorized

AUTH_FAILURES_ENV = "LEDGER_RATE_LIMIT_AUTH_FAILURES"
ANONYMOUS_ENV = "LEDGER_RATE_LIMIT_ANONYMOUS"
PER_TOKEN_ENV = "LEDGER_RATE_LIMIT_PER_TOKEN"
MAX_BODY_ENV = "LEDGER_MAX_BODY_BYTES"

DEFAULT_AUTH_FAILURES = "10/minute"
DEFAULT_ANONYMOUS = "60/minute"
DEFAULT_PER_TOKEN = "1200/minute"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

Limit = tuple[DurationUnit, int]
_UNITS: tuple[str, ...] = get_args(DurationUnit)


def parse_limit(text: str, *, name: str = "rate limit") -> Limit | None:
    """``"10/minute"`` -> ``("minute", 10)``; ``"off"`` (or ``0``) -> ``None``; anything else: ValueError."""
    raw = text.strip().lower()
    if raw in ("off", "none", "0", ""):
        return None
    count, _, unit = raw.partition("/")
    unit = unit.strip().removesuffix("s") or "minute"
    if not count.strip().isdigit() or unit not in _UNITS:
        raise ValueError(f"{name} {text!r} is not a rate limit: write it as <count>/<unit> such as 10/minute, "
                         f"with unit one of {', '.join(_UNITS)}, or 'off'")
    return cast("DurationUnit", unit), int(count)


@dataclass(frozen=True)
class ServiceLimits:
    """The limits the app is built with; ``from_env()`` reads them, tests pass their own."""

    auth_failures: Limit | None = ("minute", 10)
    anonymous: Limit | None = ("minute", 60)
    per_token: Limit | None = ("minute", 1200)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceLimits:
        env = os.environ if environ is None else environ
        raw_body = env.get(MAX_BODY_ENV, "").strip()
        if raw_body and not raw_body.isdigit():
            raise ValueError(f"{MAX_BODY_ENV} {raw_body!r} must be a number of bytes, e.g. 1048576")
        return cls(
            auth_failures=parse_limit(env.get(AUTH_FAILURES_ENV, DEFAULT_AUTH_FAILURES), name=AUTH_FAILURES_ENV),
            anonymous=parse_limit(env.get(ANONYMOUS_ENV, DEFAULT_ANONYMOUS), name=ANONYMOUS_ENV),
            per_token=parse_limit(env.get(PER_TOKEN_ENV, DEFAULT_PER_TOKEN), name=PER_TOKEN_ENV),
            max_body_bytes=int(raw_body) if raw_body else DEFAULT_MAX_BODY_BYTES,
        )

    @classmethod
    def unlimited(cls) -> ServiceLimits:
        """No rate limits (the size and depth caps stay): for tests that send thousands of requests."""
        return cls(auth_failures=None, anonymous=None, per_token=None)


# ----------------------------------------------------------------------------------------- rate limits


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address (behind a proxy, run uvicorn with ``--proxy-headers`` so this is the client's)."""
    return request.client.host if request.client else "unknown"


def _has_token(request: Request[Any, Any, Any]) -> bool:
    return "authorization" in request.headers


def _token_identifier(request: Request[Any, Any, Any]) -> str:
    """The token's key in the store: a digest (never the secret) of the secret exactly as authentication
    reads it, so every spelling of the header that signs in as one token is counted as that token (the
    raw header let ``bearer x``, ``Bearer  x``, ``Bearer x `` each have a limit of their own). A malformed
    header, which authentication refuses, is keyed on its raw text."""
    try:
        secret = bearer_secret(request.headers)
    except Unauthorized:
        secret = None
    material = secret if secret is not None else f"raw:{request.headers.get('authorization', '')}"
    digest = hashlib.sha256(material.encode()).hexdigest()[:32]
    return f"token:{digest}"


class FailedAuthRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limiter, counting and refusing only requests whose token was refused (401).

    Over the limit, the request still goes in (a valid token is let through, see the module docstring);
    if its token is refused, the 401 becomes a 429 with ``Retry-After``. Refusals while locked out are not
    counted, so the window ends when it was going to and the stored history stays small.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        if not await self.should_check_request(request=request):
            await self.app(scope, receive, send)
            return
        store = self.config.get_store_from_app(app)
        key = self.cache_key_from_request(request)
        async with self._lock:
            history = await self.retrieve_cached_history(key, store)
        locked = len(history.history) >= self.max_requests
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            if locked and status == 401:
                return  # held back: a 429 is sent instead, below
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except (Unauthorized, HTTPException) as exc:
            if isinstance(exc, Unauthorized) or exc.status_code == 401:
                if locked:
                    raise self._too_many(history) from None
                await self._count_failure(key, store)
            raise
        if status == 401:
            if locked:
                raise self._too_many(history)
            await self._count_failure(key, store)

    def _too_many(self, history: CacheObject) -> TooManyRequestsException:
        return TooManyRequestsException(
            detail="Too many requests with a wrong token from this address. Wait until the time in "
            "Retry-After has passed, then send a valid token.",
            headers=self.create_response_headers(cache_object=history),
        )

    async def _count_failure(self, key: str, store: Any) -> None:
        async with self._lock:
            history = await self.retrieve_cached_history(key, store)
            await self.set_cached_history(key=key, cache_object=history, store=store)


def rate_limit_middleware(limits: ServiceLimits) -> list[DefineMiddleware]:
    """The rate limiters, outermost first (failed sign-ins, then per token, then anonymous)."""
    found: list[DefineMiddleware] = []
    if limits.auth_failures is not None:
        found.append(RateLimitConfig(
            rate_limit=limits.auth_failures,
            identifier_for_request=lambda request: f"auth-failures:{client_address(request)}",
            check_throttle_handler=_has_token,
            middleware_class=FailedAuthRateLimitMiddleware,
            set_rate_limit_headers=False,
        ).middleware)
    if limits.per_token is not None:
        found.append(RateLimitConfig(
            rate_limit=limits.per_token,
            identifier_for_request=_token_identifier,
            check_throttle_handler=_has_token,
        ).middleware)
    if limits.anonymous is not None:
        found.append(RateLimitConfig(
            rate_limit=limits.anonymous,
            identifier_for_request=lambda request: f"anonymous:{client_address(request)}",
            check_throttle_handler=lambda request: request.method == "POST" and not _has_token(request),
        ).middleware)
    return found


# ---------------------------------------------------------------------------------- body size and depth

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does the JSON text nest arrays/objects deeper than ``limit``? (Brackets inside strings do not count.)

    Works on any bytes, valid JSON or not, in linear time: strings are blanked, every other byte but the
    four brackets is dropped, and the depth is counted with an early stop.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BodyTooLarge(ClientException):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE


class NestedTooDeep(ClientException):
    """JSON nested deeper than ``MAX_JSON_DEPTH`` (a 400, see ``ledger.api.errors``)."""


async def read_body(receive: Receive, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(detail=too_large_detail(max_bytes))
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def too_large_detail(max_bytes: int) -> str:
    return (f"The request body is larger than this server accepts ({max_bytes:,} bytes). Send less at once "
            "(a quote or an attendee holds at most 100 expenses).")


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands out ``body`` once, then whatever the client sends next (a disconnect)."""
    delivered = False

    async def replay() -> ReceiveMessage:
        nonlocal delivered
        if not delivered:
            delivered = True
            event: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return event
        return await receive()

    return replay


class BodyLimitsMiddleware(ASGIMiddleware):
    """Refuse over-large bodies (413) and over-deep JSON (400) before anything decodes them."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.max_body_bytes = max_body_bytes
        self.max_depth = max_depth

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await next_app(scope, receive, send)
            return
        headers = Headers.from_scope(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise BodyTooLarge(detail=too_large_detail(self.max_body_bytes))
        body = await read_body(receive, self.max_body_bytes)
        if json_depth_exceeds(body, self.max_depth):
            raise NestedTooDeep(
                detail=f"The JSON in the request is nested more than {self.max_depth} levels deep. "
                "Send a flatter body."
            )
        await next_app(scope, replaying(body, receive), send)


IdentifierFn = Callable[[Request[Any, Any, Any]], str]
