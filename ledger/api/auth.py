"""Bearer-token authentication and role guards for the API.

Every route needs a token unless its handler is marked public (``**PUBLIC_ROUTE``): safe by default, so a
new controller cannot forget to protect itself. Public routes still accept a token; a token that is
sent must be valid, so a revoked token is never silently treated as anonymous.

How a controller uses this::

    @post("/participants", guards=[require_roles(Role.LEAD)], sync_to_thread=True)
    def create(self, data: NewParticipant, db_session: Session, actor: Actor) -> ParticipantOut: ...

``require_roles`` always lets ``admin`` through. ``actor`` is injected for any authenticated request;
``optional_actor`` (``Actor | None``) is for public routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.database import database_of
from ledger.db.engine import READ_ONLY
from ledger.db.models import Role
from ledger.errors import Forbidden, Unauthorized
from ledger.security.actor import Actor
from ledger.security.tokens import authenticate

PUBLIC_OPT = "public"
# Spread into a route decorator: no token needed, and the OpenAPI document says so.
PUBLIC_ROUTE: dict[str, Any] = {"opt": {PUBLIC_OPT: True}, "security": [{}]}
ACTOR_SCOPE_KEY = "user"

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def _lookup(factory: sessionmaker[Session], secret: str) -> Actor | None:
    """Read the token in its own short read-only transaction (no write lock on SQLite)."""
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        return authenticate(session, secret)


def bearer_secret(headers: Headers) -> str | None:
    """The secret from ``Authorization: Bearer <secret>``; ``None`` if no header; Unauthorized if malformed."""
    header = headers.get("authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send the token as 'Authorization: Bearer <token>'.")
    return secret.strip()


def is_public(scope: Scope) -> bool:
    """Marked ``PUBLIC_ROUTE``, or an ``OPTIONS`` request (it only lists the allowed methods)."""
    if scope.get("method") == "OPTIONS":
        return True
    handler = scope.get("route_handler")
    return bool(handler is not None and handler.opt.get(PUBLIC_OPT))


class BearerAuthMiddleware(ASGIMiddleware):
    """Turns the bearer token into an ``Actor`` in ``scope["user"]`` (``None`` for anonymous public calls)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        secret = bearer_secret(Headers.from_scope(scope))
        actor: Actor | None = None
        if secret is not None:
            factory = database_of(scope).session_factory
            actor = await anyio.to_thread.run_sync(_lookup, factory, secret)
            if actor is None:
                raise Unauthorized("The token is not valid or has been revoked. Ask an administrator for a new one.")
        elif not is_public(scope):
            raise Unauthorized("This needs a token: send 'Authorization: Bearer <token>'.")
        scope[ACTOR_SCOPE_KEY] = actor  # type: ignore[literal-required]
        await next_app(scope, receive, send)


def actor_of(scope: Scope) -> Actor | None:
    value = scope.get(ACTOR_SCOPE_KEY)
    return value if isinstance(value, Actor) else None


def require_actor(scope: Scope) -> Actor:
    actor = actor_of(scope)
    if actor is None:
        raise Unauthorized("This needs a token: send 'Authorization: Bearer <token>'.")
    return actor


def require_roles(*roles: Role) -> Guard:
    """A guard letting through ``admin`` and the roles named; 401 without a token, 403 for other roles."""
    allowed = frozenset((Role.ADMIN, *roles))
    names = ", ".join(sorted(role.value for role in allowed))

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        actor = require_actor(connection.scope)
        if actor.role not in allowed:
            raise Forbidden(f"A {actor.role.value} token may not do this; it needs one of: {names}.")

    guard.__name__ = f"require_roles({names})"
    return guard


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return require_actor(request.scope)


def provide_optional_actor(request: Request[Any, Any, Any]) -> Actor | None:
    return actor_of(request.scope)


AUTH_DEPENDENCIES = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "optional_actor": Provide(provide_optional_actor, sync_to_thread=False),
}
