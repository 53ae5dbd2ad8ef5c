"""Small readers shared by the manager and administrator pages (spend, audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ledger.errors import FieldProblem


def read_iso_date(query: Mapping[str, str], name: str, problems: list[FieldProblem]) -> date | None:
    """A date filter typed as ``2026-04-06`` (what a date input sends); a bad one is added to ``problems``."""
    text = (query.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(FieldProblem(name, "must be a date written like 2026-04-06"))
        return None
