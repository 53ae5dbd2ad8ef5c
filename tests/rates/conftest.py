"""Fixtures for the rate-card tests.

Quotes through the default registry (as the docs example does) must see the shipped presets only, not
whatever LEDGER_RATE_CARDS happens to name on the machine running the tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import Phase, settings

from ledger.rates.registry import default_registry

# tools/mutation/run.py sets LEDGER_MUTATION_RUN=1: the default profile's examples, no shrinking (a
# mutant is killed by the first failure; shrinking it only costs time) and no deadline (a busy machine).
if os.environ.get("LEDGER_MUTATION_RUN") == "1":
    settings.register_profile("mutation", max_examples=100, deadline=None,
                              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("mutation")


@pytest.fixture(autouse=True)
def presets_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LEDGER_RATE_CARDS", raising=False)
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()
