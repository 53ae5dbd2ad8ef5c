"""Fixtures for the rate-card tests.

Quotes through the default registry (as the docs example does) must see the shipped presets only, not
whatever LEDGER_RATE_CARDS happens to name on the machine running the tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.rates.registry import default_registry


@pytest.fixture(autouse=True)
def presets_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LEDGER_RATE_CARDS", raising=False)
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()
