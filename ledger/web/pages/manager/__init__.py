"""The manager and administrator pages (listed in ledger.web.routes): spend, the audit trail, rate cards."""

from __future__ import annotations

from typing import Any

from ledger.web.pages.manager import audit, rate_cards, spend

PAGES: list[Any] = [*spend.PAGES, *audit.PAGES, *rate_cards.PAGES]
