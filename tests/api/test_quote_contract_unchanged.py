"""The quote contract, byte for byte: POST /quotes and ``ledger quote`` answer exactly as recorded.

``data/quote_contract.json`` holds 40 varied requests (every kind of line the shipped rate cards make:
hourly time with and without a role multiplier, the minimum paid time, capped preparation, follow-up,
bands, fixed fees, the online allowance, mileage on both sides of the threshold, passengers, costs paid
back at cost and above a daily cap, pennies shared between lines) with the exact API body and CLI output
the engine gave when its explanations were still written as each line was made. The engine now keeps
each explanation's parts and writes the sentence when it is shown (``ledger.rates.engine.Said``); these
answers must not change by a single byte. A deliberate change of wording updates the file in the same
commit, so the change is visible in review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient

from ledger.cli import main
from ledger.rates.registry import default_registry

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "quote_contract.json").read_text("utf-8"))


@pytest.fixture(autouse=True)
def presets_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the shipped cards, whatever the machine's environment says."""
    monkeypatch.delenv("LEDGER_RATE_CARDS", raising=False)
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()


def test_the_recorded_cases_cover_every_kind_of_line() -> None:
    kinds = {line["kind"] for case in CASES for line in json.loads(case["api"])["lines"]}
    assert kinds >= {"involvement", "preparation", "follow_up", "band", "fixed_fee", "online_allowance", "mileage",
                     "passenger", "expense"}
    explanations = [line["explanation"] for case in CASES for line in json.loads(case["api"])["lines"]]
    assert any("pennies are" in text for text in explanations)
    assert any("rounded up" in text for text in explanations)


def test_api_answers_are_byte_for_byte_the_same(client: TestClient[Litestar]) -> None:
    for case in CASES:
        response = client.post("/api/v1/quotes", json=case["request"])
        assert response.status_code == 200, response.text
        assert response.text == case["api"], case["request"]


def test_cli_answers_are_byte_for_byte_the_same() -> None:
    for case in CASES:
        result = CliRunner().invoke(main, ["quote"], input=json.dumps(case["request"]).encode())
        assert result.exit_code == 0, result.output
        assert result.output == case["cli"], case["request"]
