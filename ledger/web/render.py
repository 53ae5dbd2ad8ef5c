"""One way to answer a browser: every page goes through :func:`page`, every form success through :func:`see_other`.

:func:`page` fills what the layout needs (who is signed in, the organisation's name, the header's links,
a one-time notice) so a page handler passes only its own data. Pages are thin: they call the same
services as the API and hand plain data to a template.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from ledger.api.auth import actor_of
from ledger.api.database import database_of
from ledger.organisation import read_settings
from ledger.security.actor import Actor
from ledger.web.auth import signed_in
from ledger.web.forms import CSRF_FIELD
from ledger.web.navigation import links_for
from ledger.web.static_files import static_url

logger = logging.getLogger("ledger.web")

SERVICE_NAME = "Involvement ledger"
NOTICE_COOKIE = "ledger_notice"
_NOTICE_INFO = b"ledger web notice v1"
_NOTICE_MAX = 300


def _notice_key() -> bytes:
    from ledger.security.keys import get_keyring

    return get_keyring().subkey(_NOTICE_INFO)


def _sign_notice(text: str) -> str:
    body = base64.urlsafe_b64encode(text[:_NOTICE_MAX].encode()).decode().rstrip("=")
    mac = hmac.new(_notice_key(), body.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{mac}"


def _read_notice(value: str | None) -> str | None:
    """The notice a redirect left, if its signature holds (a forged cookie shows nothing)."""
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    wanted = hmac.new(_notice_key(), body.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, wanted):
        return None
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def organisation_name(request: Request[Any, Any, Any]) -> str:
    """The organisation's name for the header ("" until ``ledger setup`` has set it).

    Only the name is needed, so an organisation with other details still missing keeps its name on show.
    """
    db = database_of(request.scope)
    session = db.request_session(request.scope)
    try:
        if session is not None:
            return read_settings(session).get("name", "").strip()
        with db.session_factory() as own:
            return read_settings(own).get("name", "").strip()
    except Exception:  # the header must never stop an error page from rendering
        logger.warning("could not read the organisation's name for the header", exc_info=True)
        return ""


def signed_in_actor(request: Request[Any, Any, Any]) -> Actor | None:
    """Whoever is signed in (``ledger.web.auth`` puts the Actor in ``scope["user"]``, as the API does)."""
    return actor_of(request.scope)


def csrf_field_for(request: Request[Any, Any, Any]) -> Callable[[], Markup]:
    """``{{ csrf_field() }}`` in a template: the hidden input Litestar's CSRF check reads from a form."""
    token = ScopeState.from_scope(request.scope).csrf_token
    value = token if isinstance(token, str) else ""

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, value)

    return csrf_field


def served_paths(request: Request[Any, Any, Any]) -> frozenset[str]:
    """Every path the app serves with GET (worked out once per app), so the header links only to real pages."""
    app = request.app
    cached = getattr(app.state, "ledger_served_paths", None)
    if cached is None:
        cached = frozenset(route.path for route in app.routes if "GET" in getattr(route, "methods", ()))
        app.state.ledger_served_paths = cached
    return cast(frozenset[str], cached)


def layout_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What base.html needs on every page."""
    actor = signed_in_actor(request)
    who = signed_in(request)
    return {
        "csrf_field": csrf_field_for(request),
        "request": request,
        "service_name": SERVICE_NAME,
        "organisation_name": organisation_name(request),
        "actor": actor,
        # The person's own name: a participant's actor is named by reference on purpose (services copy
        # ``actor.name`` into rows and the trail), so the header reads the session's display name instead.
        "signed_in_name": who.display_name if who is not None else (actor.name if actor is not None else None),
        "navigation": links_for(actor.role if actor is not None else None, request.url.path, served_paths(request)),
        "static_url": static_url,
        "notice": _read_notice(request.cookies.get(NOTICE_COOKIE)),
    }


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Template:
    """A full page: ``template`` (which extends base.html) with the layout's context added."""
    full = layout_context(request)
    full.update(context or {})
    cookies = [Cookie(key=NOTICE_COOKIE, value="", max_age=0, path="/")] if full.get("notice") else None
    return Template(template_name=template, context=full, status_code=status, headers=dict(headers or {}),
                    cookies=cookies)


def fragment(
    request: Request[Any, Any, Any], template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> Template:
    """Part of a page for HTMX to swap in (no layout around it)."""
    full: dict[str, Any] = {"request": request, "static_url": static_url, "csrf_field": csrf_field_for(request)}
    full.update(context or {})
    return Template(template_name=template, context=full, status_code=status)


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether HTMX sent this request (it adds ``HX-Request: true``): answer with a :func:`fragment` then,
    with a full :func:`page` otherwise (the same URL works without JavaScript)."""
    return request.headers.get("hx-request", "").lower() == "true"


def _local(path: str) -> str:
    """Only paths on this site: a redirect to ``//evil.example`` or ``https://...`` goes home instead."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def see_other(path: str, *, notice: str | None = None) -> Redirect:
    """303 to ``path`` after a successful POST (POST-redirect-GET), with an optional one-time notice."""
    cookies = [Cookie(key=NOTICE_COOKIE, value=_sign_notice(notice), path="/", httponly=True, samesite="lax",
                      max_age=300)] if notice else None
    return Redirect(path=_local(path), status_code=303, cookies=cookies)
