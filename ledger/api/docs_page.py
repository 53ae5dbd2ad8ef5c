"""The interactive API docs page (Swagger UI), served entirely from the package: no CDN, no outside host.

Litestar's ``SwaggerRenderPlugin`` loads its scripts, styles and favicon from a CDN by default, so the
page was blank offline or behind a proxy that blocks CDNs. Here it points at the copies vendored in
``ledger/api/static/swagger-ui`` (Apache-2.0, licences shipped beside them), served by a static-files
router, and Swagger UI's online validator (another outside host) is switched off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

SWAGGER_UI_DIR = Path(__file__).parent / "static" / "swagger-ui"


class LocalSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI from ``assets_path`` (a URL path on this server), with the online validator off."""

    def __init__(self, assets_path: str, path: str = "/") -> None:
        super().__init__(
            path=path,
            js_url=f"{assets_path}/swagger-ui-bundle.js",
            css_url=f"{assets_path}/swagger-ui.css",
            standalone_preset_js_url=f"{assets_path}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{assets_path}/favicon-32x32.png'>",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = super().render(request, openapi_schema)
        return page.replace(b"dom_id: '#swagger-container',", b"dom_id: '#swagger-container',\n validatorUrl: null,", 1)


def docs_assets_router(assets_path: str) -> Router:
    """Serves the vendored Swagger UI files at ``assets_path`` (public, cached by browsers for a day)."""
    return create_static_files_router(
        path=assets_path,
        directories=[SWAGGER_UI_DIR],
        include_in_schema=False,
        cache_control=None,
        name="api-docs-assets",
    )
