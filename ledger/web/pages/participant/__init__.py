"""The participant pages (listed in ledger.web.routes): ``/me`` and its parts."""

from __future__ import annotations

from typing import Any

from ledger.web.pages.participant import my_money

PAGES: list[Any] = [*my_money.PAGES]
