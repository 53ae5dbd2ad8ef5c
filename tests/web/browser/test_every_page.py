"""Every page the app serves (without a path parameter) in a real browser: axe and 320 px reflow.

A safety net under each feature's own browser tests: a new page with no test of its own is still checked
here, as an administrator (who may open every staff page) and, for public pages, as nobody. Pages that
need a path parameter (one participant, one record) are checked by their features' own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from browser_helpers import LiveServer, check_accessibility, check_reflow
from litestar.routes import HTTPRoute

from ledger.db.models import Role

NOT_PAGES = ("/api/", "/static/", "/frame-test/")


def plain_get_pages(app: Any) -> list[str]:
    paths = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.methods or "{" in route.path:
            continue
        if route.path.startswith(NOT_PAGES) or route.path == "/api/v1":
            continue
        paths.add(route.path)
    return sorted(paths)


def test_there_are_pages_to_check(live_server: LiveServer) -> None:
    pages = plain_get_pages(live_server.app)
    assert "/accessibility" in pages and "/sign-in" in pages and len(pages) >= 10, pages


def test_every_page_passes_axe_and_reflows_for_an_administrator(
    new_page: Callable[..., Any], live_server: LiveServer
) -> None:
    from web_signin import sign_in_browser, web_session_cookie

    page = new_page()
    secret = web_session_cookie(live_server.database_url, Role.ADMIN, projects=None, name="Sweep Admin")
    sign_in_browser(page.context, live_server.base_url, secret)
    problems: list[str] = []
    for path in plain_get_pages(live_server.app):
        response = page.goto(path)
        if response is None or response.status >= 500:
            problems.append(f"{path}: answered {response.status if response else 'nothing'}")
            continue
        for check in (check_accessibility, check_reflow):
            try:
                check(page)
            except AssertionError as exc:
                problems.append(f"{path} (now at {page.url}): {exc}")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("path", ["/", "/sign-in", "/accessibility"])
def test_public_pages_pass_axe_and_reflow_for_nobody(page: Any, path: str) -> None:
    page.goto(path)
    check_accessibility(page)
    check_reflow(page)
