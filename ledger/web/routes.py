"""Every page controller of the web interface, in one list (mounted at ``/`` by ``ledger.web.app``).

Each feature publishes its controllers as ``PAGES`` in its own module, so adding a page never means editing
another feature's file.
"""

from __future__ import annotations

from typing import Any

from ledger.web.pages import (
    admin_pages,
    auth_pages,
    finance,
    imports_page,
    lead,
    manager,
    messages_page,
    outcomes_page,
    participant,
    verify_page,
)

PAGE_HANDLERS: list[Any] = [
    *auth_pages.PAGES,
    *admin_pages.PAGES,
    *lead.PAGES,
    *finance.PAGES,
    *participant.PAGES,
    *manager.PAGES,
    *imports_page.PAGES,
    *messages_page.PAGES,
    *verify_page.PAGES,
    *outcomes_page.PAGES,
]
