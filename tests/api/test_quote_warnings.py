"""``POST /quotes`` with a named participant reports their watch limits; without one it stays public."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

QUOTE = {"rate_card": "nihr-style", "date": "2026-01-05", "activity": "meeting", "involvement_minutes": 180}


def _participant(client: Any, headers: dict[str, str], limit: str) -> int:
    response = client.post("/api/v1/participants", headers=headers, json={
        "name": "Alex Example", "payment_preference": "voucher",
        "watch_limits": [{"period": "week", "amount": limit, "label": "ESA permitted work"}],
    })
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_quote_that_crosses_a_weekly_limit_warns_in_plain_words(
    client: Any, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]
) -> None:
    headers = auth(make_token("lead"))
    pid = _participant(client, headers, "50.00")
    response = client.post("/api/v1/quotes", headers=headers, json={**QUOTE, "participant": pid})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fees_total"] == "82.50"  # 3 h at 27.50
    [warning] = body["warnings"]
    assert warning["period"] == "week"
    assert warning["period_start"] == "2026-01-05" and warning["period_end"] == "2026-01-11"
    assert warning["limit"] == "50.00" and warning["fees_after"] == "82.50"
    assert "£82.50" in warning["message"] and "£50.00" in warning["message"]


def test_a_quote_below_the_limit_has_no_warning(
    client: Any, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]
) -> None:
    headers = auth(make_token("lead"))
    pid = _participant(client, headers, "195.50")
    response = client.post("/api/v1/quotes", headers=headers, json={**QUOTE, "participant": pid})
    assert response.status_code == 200
    assert response.json()["warnings"] == []


def test_naming_a_participant_needs_a_token_but_plain_quotes_are_public(
    client: Any, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]
) -> None:
    pid = _participant(client, auth(make_token("lead")), "50.00")
    refused = client.post("/api/v1/quotes", json={**QUOTE, "participant": pid})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    public = client.post("/api/v1/quotes", json=QUOTE)
    assert public.status_code == 200 and "warnings" not in public.json()


def test_an_unknown_participant_is_a_clear_422(
    client: Any, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]
) -> None:
    response = client.post("/api/v1/quotes", headers=auth(make_token("lead")), json={**QUOTE, "participant": 9999})
    assert response.status_code == 422
    assert "participant" in response.text
