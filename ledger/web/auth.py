"""Who is signed in to the web interface, and which pages they may open.

How a page uses this (mounted on the web router by ``ledger.web.app``)::

    @get("/lead", guards=[page_roles(Role.LEAD)], sync_to_thread=True)
    def home(self, request: Request, actor: Actor, db_session: Session) -> Template: ...

* :class:`WebSessionMiddleware` reads the session cookie, looks the session up in the database
  (``ledger.users.sessions``) and puts the signed-in ``Actor`` in ``scope["user"]`` (the same key the API
  uses) and a :class:`~ledger.users.sessions.SignedIn` in the request state (:func:`signed_in`).
* :func:`page_roles` guards a page: an anonymous browser is sent to ``/sign-in?next=<this page>``; a
  signed-in person without the role gets the 403 page. Like the API's ``require_roles`` it lets
  administrators in, unless ``admin=False`` (pages that only make sense for a participant).
* Handlers take ``actor: Actor`` (signed in) or ``optional_actor: Actor | None`` (public pages), and pass it
  to the same services as the API.

The session cookie is HttpOnly, SameSite=Lax and Secure (see :func:`cookie_secure` for local development).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.auth import ACTOR_SCOPE_KEY
from ledger.api.database import database_of
from ledger.db.engine import READ_ONLY, transaction
from ledger.db.models import Role
from ledger.errors import Forbidden
from ledger.security.actor import Actor
from ledger.users import sessions
from ledger.users.sessions import SignedIn
from ledger.users.settings import SecureCookies, secure_cookies

SESSION_COOKIE = "ledger_session"
STATE_KEY = "ledger_signed_in"
SIGN_IN_PATH = "/sign-in"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
ROLE_HOMES = {
    Role.ADMIN: "/admin/users",
    Role.LEAD: "/lead",
    Role.FINANCE: "/finance",
    Role.AUDITOR: "/manager",
    Role.PARTICIPANT: "/me",
}

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


class SignInRequired(Exception):
    """Raised by a page guard for an anonymous browser; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to see this page")
        self.next_path = next_path


# ------------------------------------------------------------------------------------------ cookies


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):
                return host.split("]", 1)[0] + "]"
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    server = scope.get("server")
    return str(server[0]).lower() if server else ""


def cookie_secure(scope: Scope) -> bool:
    """Whether cookies are marked Secure (sent over https only), from ``LEDGER_SECURE_COOKIES``:

    * ``auto`` (the default): Secure, except when the request came over plain http to this computer itself
      (``localhost``, ``127.0.0.1``, ``::1``), which is how ``ledger serve`` runs for local development and
      the demo. Behind a reverse proxy that ends https, requests arrive for the public host name, so the
      cookie is Secure.
    * ``always``: Secure whatever the request (choose this on a real server).
    * ``never``: never Secure; only for test rigs that use plain http under another name.
    """
    choice = secure_cookies()
    if choice is SecureCookies.ALWAYS:
        return True
    if choice is SecureCookies.NEVER:
        return False
    local = scope.get("scheme") == "http" and (_host(scope) in LOOPBACK_HOSTS or _host(scope).endswith(".localhost"))
    return not local


def session_cookie(scope: Scope, secret: str) -> Cookie:
    """The session cookie: no Max-Age (the browser forgets it when closed; the server ends it anyway)."""
    return Cookie(key=SESSION_COOKIE, value=secret, path="/", httponly=True, samesite="lax",
                  secure=cookie_secure(scope))


def clear_session_cookie(scope: Scope) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", httponly=True, samesite="lax", max_age=0,
                  secure=cookie_secure(scope))


def session_secret(scope: Scope) -> str | None:
    """The session id from the request's cookie, if any."""
    for name, value in scope.get("headers", []):
        if name != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, _, val = part.strip().partition("=")
            if key == SESSION_COOKIE and val:
                return val.strip('"')
    return None


# ------------------------------------------------------------------------------------------ lookup


def _lookup(factory: sessionmaker[Session], secret: str) -> SignedIn | None:
    """Read the session in a read-only transaction (no write lock on SQLite); write only when the idle
    clock needs moving on (at most once a minute) or the session has just run out or been refused."""
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        found = sessions.resolve(session, secret, touch=False)
        # Refused but not yet marked ended (account disabled or person erased behind the session's back):
        # end it now, so it can never come back (say, when the account is enabled again).
        stale = sessions.needs_write(session, secret) or (found is None and sessions.not_yet_ended(session, secret))
    if not stale:
        return found
    with transaction(factory) as session:
        return sessions.resolve(session, secret, touch=True)


class WebSessionMiddleware(ASGIMiddleware):
    """Puts the signed-in person (or ``None``) in the scope for every page request."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        secret = session_secret(scope)
        found: SignedIn | None = None
        if secret is not None:
            factory = database_of(scope).session_factory
            found = await anyio.to_thread.run_sync(_lookup, factory, secret)
        scope[ACTOR_SCOPE_KEY] = found.actor if found is not None else None  # type: ignore[literal-required]
        scope.setdefault("state", {})[STATE_KEY] = found
        await next_app(scope, receive, send)


def signed_in_from(scope: Scope) -> SignedIn | None:
    value = scope.get("state", {}).get(STATE_KEY)
    return value if isinstance(value, SignedIn) else None


def signed_in(request: Request[Any, Any, Any]) -> SignedIn | None:
    """Who is signed in (for the header: ``display_name``; for services: ``.actor``), or ``None``."""
    return signed_in_from(request.scope)


# ------------------------------------------------------------------------------------------ guards


def safe_next(value: str | None) -> str | None:
    """A ``next`` address only if it is a path on this site (``/records?page=2``), never another site
    (``//evil.example``, ``https://...``, ``/\\evil``): no open redirect."""
    if not value or len(value) > 2000:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(ch) < 32 for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def sign_in_url(next_path: str | None) -> str:
    wanted = safe_next(next_path)
    if wanted is None or wanted in {"/", SIGN_IN_PATH}:
        return SIGN_IN_PATH
    return f"{SIGN_IN_PATH}?next={quote(wanted, safe='/')}"


def _requested_path(scope: Scope) -> str:
    path = scope.get("path", "/")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def page_roles(*roles: Role, admin: bool = True) -> Guard:
    """A page guard: signed in with one of ``roles`` (and admin, unless ``admin=False``)."""
    allowed = frozenset((*roles, *((Role.ADMIN,) if admin else ())))

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        who = signed_in_from(connection.scope)
        if who is None:
            # A form sent after the session ended goes back to the page, not to a POST-only address.
            wanted = _requested_path(connection.scope) if connection.scope.get("method") == "GET" else None
            raise SignInRequired(wanted or "/")
        if who.role not in allowed:
            raise Forbidden("Your account is not allowed to see this page. If you think it should be, ask the "
                            "person who manages your account.")

    guard.__name__ = f"page_roles({', '.join(sorted(r.value for r in allowed))})"
    return guard


def redirect_to_sign_in(_request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(path=sign_in_url(exc.next_path), status_code=303)


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    who = signed_in(request)
    if who is None:
        raise SignInRequired(_requested_path(request.scope))
    return who.actor


def provide_optional_actor(request: Request[Any, Any, Any]) -> Actor | None:
    who = signed_in(request)
    return who.actor if who is not None else None


def home_for(role: Role) -> str:
    """Where a signed-in person starts: their role's home page."""
    return ROLE_HOMES[role]


PAGE_DEPENDENCIES = {
    "actor": Provide(provide_actor, sync_to_thread=False),
    "optional_actor": Provide(provide_optional_actor, sync_to_thread=False),
}
PAGE_EXCEPTION_HANDLERS: dict[type[Exception], Any] = {SignInRequired: redirect_to_sign_in}
