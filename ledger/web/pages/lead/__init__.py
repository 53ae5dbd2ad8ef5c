"""The lead pages (listed in ledger.web.routes): home, participants, activities, approvals and records."""

from __future__ import annotations

from typing import Any

from ledger.web.pages.lead import activities, approvals, home, participants

PAGES: list[Any] = [*home.PAGES, *participants.PAGES, *activities.PAGES, *approvals.PAGES]
