"""The API docs page works offline: every script, style and icon it names is served by the app itself."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.testing import TestClient

from ledger.api.app import SCHEMA_PATH
from ledger.api.docs_page import SWAGGER_UI_DIR

REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_the_docs_page_names_no_outside_host(client: TestClient[Litestar]) -> None:
    page = client.get(SCHEMA_PATH)
    assert page.status_code == 200
    html = page.text
    references = REFERENCE.findall(html)
    assert len(references) >= 4, references  # the script bundle, the preset, the styles and the icon
    for reference in references:
        assert not urlsplit(reference).netloc, f"{reference} is loaded from another host"
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.content, reference
    assert "cdn" not in html.lower()
    assert "validatorUrl: null" in html  # Swagger UI's online validator would call an outside host


def test_the_scripts_are_the_real_swagger_ui(client: TestClient[Litestar]) -> None:
    bundle = client.get(f"{SCHEMA_PATH}/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert "SwaggerUIBundle" in bundle.text
    assert bundle.headers["content-type"].startswith(("application/javascript", "text/javascript"))


def test_the_licences_are_shipped_with_the_files() -> None:
    assert "Apache License" in (SWAGGER_UI_DIR / "LICENSE").read_text(encoding="utf-8")
    assert (SWAGGER_UI_DIR / "NOTICE").is_file()
    assert (SWAGGER_UI_DIR / "swagger-ui-bundle.js.LICENSE.txt").is_file()


def test_the_openapi_document_is_still_served(client: TestClient[Litestar]) -> None:
    assert client.get(f"{SCHEMA_PATH}/openapi.json").json()["info"]["title"] == "Involvement ledger"
    assert client.get(f"{SCHEMA_PATH}/openapi.yaml").status_code == 200
