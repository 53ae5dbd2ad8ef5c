"""Browser test harness: the real app on a local port, driven by Playwright with Debian's Chromium.

Fixtures:
- ``live_server``: the whole app (API and pages) served by uvicorn in a background thread on a free port
  of 127.0.0.1, with its own SQLite database (``.base_url``, ``.database_url``, ``.app``); one per session.
- ``browser``: Chromium from ``/usr/bin/chromium`` (``LEDGER_CHROMIUM`` overrides). Playwright never
  downloads a browser. Without Chromium or Playwright the browser tests SKIP with the reason, unless
  ``LEDGER_REQUIRE_BROWSER=1`` (CI), where they FAIL.
- ``new_page(javascript=True, width=1024, height=800)``: a page in a fresh browser context (own cookies)
  pointed at the live server (``page.goto("/accessibility")`` works); ``page`` is one with the defaults.

Checks live in ``browser_helpers`` (axe-core, reflow, screenshots, keyboard), and so does ``LiveServer``:
import it from there (``conftest`` is a module name several test folders share).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import CONSOLE, JAVASCRIPT, LiveServer, console_problems

__all__ = ["LiveServer", "console_problems"]  # still importable from here for older tests

CHROMIUM_ENV = "LEDGER_CHROMIUM"
REQUIRE_ENV = "LEDGER_REQUIRE_BROWSER"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    return os.environ.get(CHROMIUM_ENV, "").strip() or DEFAULT_CHROMIUM


def _browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if _browser_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from ledger.api.app import create_app

    database_url = f"sqlite:///{tmp_path_factory.mktemp('live-server') / 'ledger.db'}"
    app = create_app(database_url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="ledger-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start (see the log above)")
        time.sleep(0.05)
    try:
        # "localhost" (not 127.0.0.1): browsers treat it as a secure context, so Secure cookies work over http.
        yield LiveServer(base_url=f"http://localhost:{port}", database_url=database_url, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed: pip install -e '.[test]'")
    path = chromium_path()
    if not Path(path).is_file():
        _unavailable(f"no Chromium at {path}: apt-get install chromium, or set {CHROMIUM_ENV}")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Chromium at {path} did not start: {exc}")
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(*, javascript: bool = True, width: int = 1024, height: int = 800) -> Any:
        context = browser.new_context(
            base_url=live_server.base_url,
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            locale="en-GB",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        messages: list[str] = []
        CONSOLE[id(page)] = messages
        JAVASCRIPT[id(page)] = javascript
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                else None)
        page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser test is ``slow``: a real browser and server; ``pytest -m "not slow"`` leaves them out."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.slow)
