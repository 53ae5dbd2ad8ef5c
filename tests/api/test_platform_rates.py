"""Public rate-card routes: quotes need no token and refuse bad input with a named field, never a 500."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.rates.contract import QuoteRequest, encode_response, run_quote

MEETING: dict[str, Any] = {
    "rate_card": "nihr-style",
    "date": "2025-06-01",
    "activity": "meeting",
    "involvement_minutes": 90,
    "preparation_minutes": 120,
}


def test_quote_is_public_and_matches_the_engine(client: TestClient[Litestar]) -> None:
    response = client.post("/api/v1/quotes", json=MEETING)
    assert response.status_code == 200, response.text
    expected = encode_response(run_quote(msgspec.convert(MEETING, QuoteRequest, strict=False)))
    assert response.content == expected
    body = response.json()
    assert body["rate_card"] == "nihr-style" and body["version_from"] == "2022-08-31"
    assert isinstance(body["total"], str)


def test_quote_accepts_a_token_and_an_idempotency_key(client: TestClient[Litestar], make_token: Any, auth: Any) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": "quote-1"}
    first = client.post("/api/v1/quotes", json=MEETING, headers=headers)
    second = client.post("/api/v1/quotes", json=MEETING, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and second.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"rate_card": "no-such-card"}, 404, None),
        ({"date": "2001-01-01"}, 422, "date"),
        ({"date": "31/12/2025"}, 422, "date"),
        ({"involvement_minutes": -1}, 422, "involvement_minutes"),
        ({"involvement_minutes": "90"}, 422, "involvement_minutes"),
        ({"involvement_minutes": 1441}, 422, "involvement_minutes"),
        ({"activity": "juggling"}, 422, "activity"),
        ({"mode": "telepathy"}, 422, "mode"),
        ({"expenses": [{"category": "taxi", "amount": "12.3.4"}]}, 422, "expenses[0].amount"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_bad_quotes_name_the_field(
    client: TestClient[Litestar], change: dict[str, Any], status: int, field: str | None
) -> None:
    response = client.post("/api/v1/quotes", json={**MEETING, **change})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_rate_cards_are_public(client: TestClient[Litestar]) -> None:
    cards = client.get("/api/v1/rate-cards")
    assert cards.status_code == 200
    keys = [card["key"] for card in cards.json()]
    assert "nihr-style" in keys
    nihr = next(card for card in cards.json() if card["key"] == "nihr-style")
    assert nihr["versions"][:2] == ["2022-08-31", "2025-12-16"]
    full = client.get("/api/v1/rate-cards/nihr-style")
    assert full.status_code == 200
    first = full.json()["versions"][0]
    assert first["effective_from"] == "2022-08-31"
    assert first["activities"]["meeting"]["hourly_rate"] == "25.00"


def test_unknown_rate_card_is_404(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/rate-cards/no-such-card")
    assert response.status_code == 404
    assert "known cards" in response.json()["detail"]
