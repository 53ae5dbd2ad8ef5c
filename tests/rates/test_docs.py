"""docs/rate-cards.md stays true: its example card loads, and its example quote is what the engine says."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import msgspec

from ledger.rates.contract import decode_request, encode_response, run_quote
from ledger.rates.engine import QuoteInput, calculate
from ledger.rates.loader import check_card_file, parse_card

DOC = Path(__file__).resolve().parents[2] / "docs" / "rate-cards.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_complete_example_card_in_the_docs_loads_and_quotes() -> None:
    [text] = blocks("toml")
    card = parse_card(tomllib.loads(text), "docs example")
    assert [v.effective_from for v in card.versions] == [date(2024, 4, 1), date(2026, 4, 1)]
    # A 5-hour workshop on 1 May 2026: full-day band £165.00, at the £165.00 daily cap exactly.
    result = calculate(card, QuoteInput(date(2026, 5, 1), "workshop", involvement_minutes=300))
    assert result.fees_total == Decimal("165.00")
    # Chairing a 3-hour meeting plus 3 hours of preparation on 1 May 2024: £112.50 + £75.00 = £187.50,
    # reduced to the £150.00 daily cap.
    capped = calculate(card, QuoteInput(date(2024, 5, 1), "meeting", role="chair",
                                        involvement_minutes=180, preparation_minutes=180))
    assert [line.amount for line in capped.lines] == [Decimal("112.50"), Decimal("75.00"), Decimal("-37.50")]


def test_the_example_card_uses_every_key_of_the_format() -> None:
    [text] = blocks("toml")
    for key in ("key", "name", "currency", "description", "source", "effective_from", "rounding_unit_minutes",
                "minimum_involvement_minutes", "preparation_cap", "follow_up_cap_minutes", "travel_time_paid",
                "hourly_rate", "fixed_fee", "bands", "up_to_minutes", "fee", "multiplier", "daily_fee_cap",
                "online_allowance", "passenger_rate_per_mile", "receipt_required_above", "rate_per_mile",
                "threshold_miles", "rate_beyond_threshold", "daily_cap", "label"):
        assert re.search(rf"\b{key} =", text), key


def test_the_example_quote_in_the_docs_is_what_the_engine_answers() -> None:
    request_text, response_text = blocks("json")
    response = run_quote(decode_request(request_text.encode()))
    assert json.loads(encode_response(response)) == json.loads(response_text)
    assert msgspec.json.decode(response_text.encode())["total"] == "124.13"


def test_the_check_output_shown_in_the_docs_is_what_check_reports(tmp_path: Path) -> None:
    [text] = blocks("toml")
    broken = (text.replace("minimum_involvement_minutes = 30 ", "minimum_involvement_minutes = 20 ", 1)
              .replace('hourly_rate = "25.00"', "hourly_rate = 25.0")
              .replace('multiplier = "1.5"\n\n[versions.limits]\ndaily_fee_cap = "165.00"',
                       'multipler = "1.5"\n\n[versions.limits]\ndaily_fee_cap = "165.00"'))
    path = tmp_path / "our-rates.toml"
    path.write_text(broken, encoding="utf-8")
    found = [f"{p.version}: {p.key}: {p.message}" for p in check_card_file(path)]
    documented = re.findall(r"  - our-rates\.toml: (.*)", DOC.read_text(encoding="utf-8"))
    assert documented == found
