"""The foundation's own page: the accessibility statement (public; linked from every page's footer)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from ledger.web.render import page
from ledger.web.static_files import STATIC_DIR


def shipped_versions() -> dict[str, str]:
    import json

    try:
        return dict(json.loads((STATIC_DIR / "versions.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


@get("/accessibility", name="web-accessibility", sync_to_thread=False)
def accessibility(request: Request[Any, Any, Any]) -> Template:
    """The accessibility statement: how the ledger meets WCAG 2.2 AA, what is known not to, and who to tell."""
    return page(request, "pages/accessibility.html", {"versions": shipped_versions()})


PAGES: list[Any] = [accessibility]
