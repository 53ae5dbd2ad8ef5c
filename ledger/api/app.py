"""The Litestar application factory.

``create_app()`` wires: our engine (SQLite WAL or PostgreSQL via psycopg) inside advanced-alchemy's
plugin, migrations on start, the ``/api/v1`` router with authentication and the per-request unit of work,
one error mapping, and the OpenAPI document with interactive docs at ``/api/v1/schema``.
"""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from ledger import __version__
from ledger.api import routes
from ledger.api.auth import AUTH_DEPENDENCIES, PUBLIC_OPT, BearerAuthMiddleware
from ledger.api.database import STATE_KEY, build_database
from ledger.api.docs_page import LocalSwaggerRenderPlugin, docs_assets_router
from ledger.api.errors import exception_handlers
from ledger.api.limits import BodyLimitsMiddleware, ServiceLimits, rate_limit_middleware
from ledger.api.openapi_schemas import StrictStructSchemaPlugin, use_ledger_openapi_plugin
from ledger.api.problems import attach_error_responses
from ledger.api.transaction import UnitOfWorkMiddleware
from ledger.db.engine import make_engine
from ledger.db.migrate import upgrade as upgrade_database
from ledger.settings import database_url as resolve_database_url
from ledger.web.app import build_web

API_PREFIX = "/api/v1"
SCHEMA_PATH = f"{API_PREFIX}/schema"
DOCS_ASSETS_PATH = f"{SCHEMA_PATH}/assets"
SECURITY_SCHEME = "BearerToken"

DESCRIPTION = """Fair, prompt, explained payment for people with lived experience who co-produce health and
care services and research.

Send `Authorization: Bearer <token>` (tokens are made with `ledger token create`). Rate cards and quotes
are public. Errors are `application/problem+json`. Every POST accepts an `Idempotency-Key` header: a retry
with the same key and body gets the first response again (with `Idempotent-Replayed: true`)."""


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Involvement ledger",
        version=__version__,
        description=DESCRIPTION,
        path=SCHEMA_PATH,
        # Swagger UI from the package's own copy (no CDN); the document itself as JSON and YAML.
        render_plugins=[LocalSwaggerRenderPlugin(DOCS_ASSETS_PATH), JsonRenderPlugin(), YamlRenderPlugin()],
        components=Components(
            security_schemes={
                SECURITY_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A token from `ledger token create`, sent as `Authorization: Bearer <token>`.",
                )
            }
        ),
        security=[{SECURITY_SCHEME: []}],
        use_handler_docstrings=True,
    )


def create_app(
    database_url: str | None = None, *, upgrade: bool = True, limits: ServiceLimits | None = None
) -> Litestar:
    """Build the app. The URL comes from the argument, else ``LEDGER_DATABASE_URL``, else a SQLite file.

    With ``upgrade`` (the default) the database is migrated to the latest schema when the app starts, so
    an empty database just works. ``limits`` (rate limits, body size) default to the environment's
    (``ServiceLimits.from_env``).
    """
    limits = limits or ServiceLimits.from_env()
    url = resolve_database_url(database_url)
    engine = make_engine(url)
    database, plugin = build_database(url, engine)
    api = Router(
        path=API_PREFIX,
        route_handlers=list(routes.ROUTE_HANDLERS),
        # Rate limits first (they must refuse before any work), then authentication (it names the caller),
        # then the body caps (only for callers let in), then the unit of work (it keys idempotency by caller).
        middleware=[
            *rate_limit_middleware(limits),
            BearerAuthMiddleware(),
            BodyLimitsMiddleware(limits.max_body_bytes),
            UnitOfWorkMiddleware(),
        ],
        dependencies=AUTH_DEPENDENCIES,
    )

    web = build_web(API_PREFIX)  # the pages at / (ledger.web): templates, CSRF, static files, HTML errors

    def migrate() -> None:
        upgrade_database(engine)

    app = Litestar(
        route_handlers=[api, docs_assets_router(DOCS_ASSETS_PATH), *web.route_handlers],
        plugins=[plugin, StrictStructSchemaPlugin()],
        on_startup=[migrate] if upgrade else [],
        state=State({STATE_KEY: database}),
        exception_handlers=web.exception_handlers(exception_handlers()),
        template_config=web.template_config,
        middleware=web.middleware,
        openapi_config=openapi_config(),
        request_max_body_size=limits.max_body_bytes,
        debug=False,
    )
    use_ledger_openapi_plugin(app)
    attach_error_responses(app.routes, PUBLIC_OPT)  # the OpenAPI document lists each operation's 4xx answers
    return app
