"""The finance pages (listed in ledger.web.routes): payable now, batches, payee changes."""

from __future__ import annotations

from typing import Any

from ledger.web.pages.finance import batches, payee_changes

PAGES: list[Any] = [*batches.PAGES, *payee_changes.PAGES]
