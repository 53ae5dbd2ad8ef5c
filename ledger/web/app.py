"""The web interface as parts for ``ledger.api.app.create_app``: pages at ``/`` beside the API at ``/api/v1``.

What the pages share is set here once: the Jinja2 templates (ours plus govuk-frontend-jinja's macros,
autoescaped), CSRF protection on every form (the API is left out: it uses bearer tokens), security
headers, ``/static``, HTML error pages, and a unit of work that commits a page's changes on 2xx/3xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import ASGIMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import ExceptionHandlersMap

from ledger.web import routes
from ledger.web.errors import browser_aware
from ledger.web.pages import frame_pages
from ledger.web.security_headers import SecurityHeadersMiddleware
from ledger.web.static_files import static_router
from ledger.web.transaction import PageUnitOfWorkMiddleware

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CSRF_COOKIE = "ledger_csrf"
CSRF_HEADER = "x-csrftoken"
_CSRF_INFO = b"ledger web csrf v1"
INSECURE_COOKIES_ENV = "LEDGER_WEB_INSECURE_COOKIES"


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


def secure_cookies() -> bool:
    """Cookies are ``Secure`` unless ``LEDGER_WEB_INSECURE_COOKIES=1`` (tests over plain http)."""
    import os

    return os.environ.get(INSECURE_COOKIES_ENV, "").strip() not in {"1", "true", "yes"}


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
        cookie_secure=secure_cookies(),
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=[f"^{api_prefix}"],
    )




@dataclass(frozen=True)
class WebParts:
    """What ``create_app`` adds for the web interface."""

    route_handlers: list[Any]
    template_config: TemplateConfig[JinjaTemplateEngine]
    csrf_config: CSRFConfig
    middleware: list[ASGIMiddleware]

    def exception_handlers(self, api_handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
        """The API's handlers, answering browsers with HTML pages (the API keeps problem+json)."""
        return browser_aware(api_handlers)


def page_router(handlers: list[Any]) -> Router:
    """A Router for pages at ``/``: the page unit of work, no OpenAPI entries (the API documents itself)."""
    return Router(
        path="/",
        route_handlers=handlers,
        middleware=[PageUnitOfWorkMiddleware()],
        include_in_schema=False,
    )


def web_router() -> Router:
    """Every page: the features' (``ledger.web.routes``), then the foundation's own.

    A foundation page whose path a feature already serves is left out (the start page at ``/`` stands in
    only until the sign-in feature publishes its own).
    """
    router = page_router(list(routes.PAGE_HANDLERS))
    taken = {route.path for route in router.routes}
    for handler in frame_pages.PAGES:
        if not set(handler.paths) & taken:
            router.register(handler)
    return router


def build_web(api_prefix: str) -> WebParts:
    return WebParts(
        route_handlers=[web_router(), static_router()],
        template_config=template_config(),
        csrf_config=csrf_config(api_prefix),
        middleware=[SecurityHeadersMiddleware(api_prefix)],
    )
