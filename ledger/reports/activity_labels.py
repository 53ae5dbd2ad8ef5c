"""The rate card's own words for an activity key: one rule for statements, remittances, spend reports,
outcomes and records of involvement (moved here from ``ledger.reports.statements`` so the recognition
modules can use it without an import loop; ``statements.activity_label`` is the same function)."""

from __future__ import annotations

from datetime import date

from ledger.rates.registry import default_registry


def activity_label(rate_card: str | None, activity: str, on: date) -> str:
    """The rate card's own words for an activity key ("Meeting"), or the key itself when unknown."""
    registry = default_registry()
    if rate_card and rate_card in registry:
        try:
            return registry.get(rate_card).version_on(on).activity(activity).label
        except Exception:  # an unknown key or date: show the key rather than fail the statement
            return activity.replace("_", " ").capitalize()
    return activity.replace("_", " ").capitalize()
