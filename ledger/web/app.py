"""The web interface as parts for ``ledger.api.app.create_app``: pages at ``/`` beside the API at ``/api/v1``.

What the pages share is set here once: the Jinja2 templates (ours plus govuk-frontend-jinja's macros,
autoescaped), CSRF protection on every form (the API is left out: it uses bearer tokens), security
headers, ``/static``, HTML error pages, and a unit of work that commits a page's changes on 2xx/3xx.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, ExceptionHandlersMap, Receive, Scope, Send

from ledger.web import auth, routes
from ledger.web.auth import cookie_secure
from ledger.web.errors import browser_aware
from ledger.web.log_redaction import hide_database_rows
from ledger.web.nul_values import NulValuesMiddleware
from ledger.web.pages import frame_pages
from ledger.web.security_headers import SecurityHeadersMiddleware
from ledger.web.static_files import static_router
from ledger.web.transaction import PageUnitOfWorkMiddleware

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CSRF_COOKIE = "ledger_csrf"
CSRF_HEADER = "x-csrftoken"
_CSRF_INFO = b"ledger web csrf v1"


def jinja_environment() -> Environment:
    """Our templates first, then govuk-frontend-jinja's under ``govuk_frontend_jinja/``; HTML autoescaped."""
    loader = ChoiceLoader([
        FileSystemLoader(TEMPLATES_DIR),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    return Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(jinja_environment()))


class LedgerCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, with the cookie's ``Secure`` flag chosen per request by the same rule as the
    session cookie (``ledger.web.auth.cookie_secure``: plain http to this computer itself is local development)."""

    def __init__(self, app: ASGIApp, config: CSRFConfig) -> None:
        super().__init__(app, replace(config, cookie_secure=True))
        self._local = CSRFMiddleware(app, replace(config, cookie_secure=False))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and not cookie_secure(scope):
            await self._local(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def csrf_config(api_prefix: str) -> CSRFConfig:
    """Litestar's double-submit CSRF check on every POST/PUT/PATCH/DELETE outside the API.

    The secret comes from the ledger's key (its own derived subkey), so every worker and every restart
    accepts the tokens the others handed out.
    """
    from ledger.security.keys import get_keyring

    return CSRFConfig(
        secret=get_keyring().subkey(_CSRF_INFO).hex(),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=[f"^{api_prefix}"],
    )


def page_router(handlers: list[Any]) -> Router:
    """A Router for pages at ``/``: who is signed in (``ledger.web.auth``), the page unit of work, and no
    OpenAPI entries (the API documents itself)."""
    return Router(
        path="/",
        route_handlers=handlers,
        middleware=[NulValuesMiddleware(), auth.WebSessionMiddleware(), PageUnitOfWorkMiddleware()],
        dependencies=auth.PAGE_DEPENDENCIES,
        exception_handlers=dict(auth.PAGE_EXCEPTION_HANDLERS),  # type: ignore[arg-type]
        include_in_schema=False,
    )


def web_router() -> Router:
    """Every page: the features' (``ledger.web.routes``) and the foundation's own (``frame_pages``)."""
    return page_router([*routes.PAGE_HANDLERS, *frame_pages.PAGES])


@dataclass(frozen=True)
class WebParts:
    """What ``create_app`` adds for the web interface."""

    route_handlers: list[Any]
    template_config: TemplateConfig[JinjaTemplateEngine]
    middleware: list[Any]

    def exception_handlers(self, api_handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
        """The API's handlers, answering browsers with HTML pages (the API keeps problem+json)."""
        return browser_aware(api_handlers)


def build_web(api_prefix: str) -> WebParts:
    hide_database_rows()  # no rows (names, e-mail addresses, hashes) in the log, even at DEBUG
    return WebParts(
        route_handlers=[web_router(), static_router()],
        template_config=template_config(),
        # Litestar's CSRF middleware (added here rather than as ``csrf_config`` so its cookie can follow the
        # session cookie's Secure rule); templates still get ``csrf_token()`` and ``csrf_input`` from it.
        middleware=[SecurityHeadersMiddleware(api_prefix),
                    DefineMiddleware(LedgerCSRFMiddleware, config=csrf_config(api_prefix))],
    )
