"""Security headers on every browser response (pages, error pages, static files); the API is left as it is.

The Content-Security-Policy allows scripts, styles, images, forms and fetches from this site only: no
inline script or style (so a value that slipped past escaping cannot run), no framing (clickjacking).

Strict-Transport-Security (browsers use https for this site for a year) is sent whenever cookies are
Secure (``ledger.web.auth.cookie_secure``: a real server); never for plain http to this computer itself,
where it would stop ``ledger serve`` on localhost from working. Browsers ignore it over plain http anyway.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
# Pages and downloads hold people's money and details: never kept in a browser's or proxy's cache, so the
# back button on a shared computer after signing out shows nothing. Static files set their own (long) caching.
NO_STORE = (b"cache-control", b"no-store")
STATIC_PREFIX = "/static/"


def headers_for(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """The headers for this request: :data:`SECURITY_HEADERS`, plus :data:`HSTS` when cookies are Secure and
    :data:`NO_STORE` for everything but static files (a response that sets its own Cache-Control keeps it)."""
    from ledger.web.auth import cookie_secure  # auth imports the database helpers; keep this module light

    wanted = (*SECURITY_HEADERS, HSTS) if cookie_secure(scope) else SECURITY_HEADERS
    if not str(scope.get("path", "")).startswith(STATIC_PREFIX):
        wanted = (*wanted, NO_STORE)
    return wanted


class SecurityHeadersMiddleware(ASGIMiddleware):
    """Adds :data:`SECURITY_HEADERS` to responses for paths outside ``api_prefix``."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, api_prefix: str) -> None:
        self.api_prefix = api_prefix.rstrip("/")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope.get("path", "")
        if path == self.api_prefix or path.startswith(self.api_prefix + "/"):
            await next_app(scope, receive, send)
            return

        wanted = headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in wanted if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await next_app(scope, receive, send_with_headers)
