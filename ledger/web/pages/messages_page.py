"""Pages for this feature (listed in ledger.web.routes)."""

from __future__ import annotations

from typing import Any

PAGES: list[Any] = []
