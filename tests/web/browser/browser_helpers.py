"""Checks every browser test uses: axe-core accessibility, 320 px reflow, screenshots, keyboard moves.

Import them in a browser test with ``from browser_helpers import check_accessibility, check_reflow, ...``
(``LiveServer`` too: import it from here rather than from ``conftest``, a name several folders share).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
AXE_PATH = HERE / "vendor" / "axe.min.js"
AXE_VERSION = (HERE / "vendor" / "axe-core-VERSION.txt").read_text(encoding="utf-8").strip()
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe's tags): the level the ledger promises.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")
SCREENSHOTS_ENV = "LEDGER_SCREENSHOTS"
DOCS_IMAGES = ROOT / "docs" / "images" / "web"
_tmp_shots: Path | None = None


JAVASCRIPT: dict[int, bool] = {}  # filled by conftest's new_page: id(page) -> JavaScript on?
CONSOLE: dict[int, list[str]] = {}  # filled by conftest's new_page: id(page) -> errors and warnings printed


@dataclass(frozen=True)
class LiveServer:
    """The app under test, served on this computer (the ``live_server`` fixture)."""

    base_url: str
    database_url: str
    app: Any

    def url(self, path: str) -> str:
        return self.base_url + path


def console_problems(page: Any) -> list[str]:
    """Errors and warnings the page printed (a Content-Security-Policy refusal shows up here)."""
    return list(CONSOLE.get(id(page), []))


def javascript_on(page: Any) -> bool:
    return JAVASCRIPT.get(id(page), True)


def _needs_javascript(page: Any, check: str) -> None:
    # Playwright cannot evaluate anything in a page with JavaScript off (the call would never return).
    if not javascript_on(page):
        raise AssertionError(f"{check} runs inside the page, so it needs a page with JavaScript on: check the "
                             "same page in a second, JavaScript-on page (new_page()) instead")


def _load_axe(page: Any) -> None:
    _needs_javascript(page, "check_accessibility")
    # Evaluated through the DevTools protocol, so the page's Content-Security-Policy (no inline or injected
    # scripts) stays on for the page itself while axe is added for the check.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8") + "\n;true")


def axe_violations(page: Any, *, include_minor: bool = False) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page as shown now (serious and critical unless asked)."""
    _load_axe(page)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations: list[dict[str, Any]] = result["violations"]
    if include_minor:
        return violations
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", [])[:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def check_accessibility(page: Any, what: str = "") -> None:
    """Fail with a readable list if axe-core finds any serious or critical WCAG 2.2 AA violation."""
    violations = axe_violations(page)
    where = what or page.url
    assert not violations, (
        f"axe-core {AXE_VERSION} found {len(violations)} serious/critical problem(s) on {where}:\n"
        + describe_violations(violations)
    )


def overflowing_elements(page: Any) -> list[str]:
    """Elements sticking out past the right edge of the viewport (what makes a page scroll sideways)."""
    _needs_javascript(page, "overflowing_elements")
    found: list[str] = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.width > 0 && box.right > width + 1) {
                    const id = el.id ? '#' + el.id : '';
                    const cls = el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                    out.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(box.right)}px)`);
                }
            }
            return out.slice(0, 10);
        }"""
    )
    return found


def check_reflow(page: Any, width: int = 320) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide the page must not scroll sideways (scrollWidth <= clientWidth)."""
    _needs_javascript(page, "check_reflow")
    old = page.viewport_size
    page.set_viewport_size({"width": width, "height": 900})
    try:
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width, (
            f"{page.url} scrolls sideways at {width}px wide (scrollWidth {scroll_width} > clientWidth "
            f"{client_width}); sticking out: {overflowing_elements(page)}"
        )
    finally:
        if old:
            page.set_viewport_size(old)


def screenshot_dir() -> Path:
    """``docs/images/web`` when ``LEDGER_SCREENSHOTS=docs`` (to refresh the docs), else a temporary folder."""
    global _tmp_shots
    if os.environ.get(SCREENSHOTS_ENV, "").strip().lower() == "docs":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        return DOCS_IMAGES
    if _tmp_shots is None:
        _tmp_shots = Path(tempfile.mkdtemp(prefix="ledger-screenshots-"))
    return _tmp_shots


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as ``<name>.png`` (see :func:`screenshot_dir`); returns its path."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"screenshot names are lower-case words and dashes, not {name!r}")
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# ------------------------------------------------------------------------------------------ keyboard

def focused(page: Any) -> dict[str, str]:
    """What has the keyboard focus: tag, id, name, text and href (empty strings when absent).

    Read through Playwright's own selector engine (``:focus``), so it works in a page with JavaScript off.
    """
    here = page.locator(":focus")
    if here.count() == 0:
        return {"tag": "", "id": "", "name": "", "text": "", "href": ""}
    here = here.first
    text = here.inner_text().strip() or (here.get_attribute("value") or "")
    return {
        "tag": str(here.evaluate("(el) => el.tagName.toLowerCase()") if javascript_on(page) else ""),
        "id": here.get_attribute("id") or "",
        "name": here.get_attribute("name") or "",
        "text": text[:80],
        "href": here.get_attribute("href") or "",
    }


def press_tab_until(page: Any, wanted: Callable[[dict[str, str]], bool], *, max_presses: int = 60,
                    key: str = "Tab") -> dict[str, str]:
    """Press Tab (or ``key``, e.g. "Shift+Tab") until ``wanted(focused(page))``; fail after ``max_presses``."""
    seen: list[str] = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        now = focused(page)
        if wanted(now):
            return now
        seen.append(now["text"] or now["id"] or now["name"] or now["tag"])
    raise AssertionError(f"never reached the element with {max_presses} presses of {key}; focus went: {seen}")


def tab_to(page: Any, selector: str, *, max_presses: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user would)."""
    page.locator(selector).first.wait_for(state="attached")

    def is_it(_: dict[str, str]) -> bool:
        return page.locator(f"{selector}:focus").count() > 0

    press_tab_until(page, is_it, max_presses=max_presses)


def tab_to_text(page: Any, text: str, *, max_presses: int = 60) -> dict[str, str]:
    """Press Tab until a link or button whose words contain ``text`` has the focus."""
    return press_tab_until(page, lambda f: text.lower() in f["text"].lower(), max_presses=max_presses)


def press_and_wait(page: Any, key: str = "Enter") -> None:
    """Press ``key`` on what has the focus and wait for the page it loads (a link or a form's button).

    Without waiting, the next ``goto`` or check can run on the old page or abort the navigation.
    """
    with page.expect_navigation():
        page.keyboard.press(key)


def submit_by_keyboard(page: Any, button: str = "form[method=post] button[type=submit], form button") -> None:
    """Tab to the form's button and press Enter, as a keyboard user sends a form; waits for the answer."""
    tab_to(page, button)
    press_and_wait(page)
