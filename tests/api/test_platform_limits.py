"""Staying up: rate limits, body size and nesting caps, and heavy work kept off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient, transport

import ledger.api.rates as rates_api
from ledger.api.app import create_app
from ledger.api.limits import (
    MAX_JSON_DEPTH,
    ServiceLimits,
    json_depth_exceeds,
    parse_limit,
)
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.security.tokens import create_token

API = "/api/v1"
PROBLEM = "application/problem+json"
QUOTE = {"rate_card": "nihr-style", "date": "2026-01-07", "activity": "meeting", "involvement_minutes": 60}


def tight(**changes: Any) -> ServiceLimits:
    base = {"auth_failures": ("minute", 3), "anonymous": ("minute", 5), "per_token": ("minute", 8)}
    base.update(changes)
    return ServiceLimits(**base)


@pytest.fixture
def limited(database_url: str) -> Iterator[tuple[TestClient[Litestar], str]]:
    app = create_app(database_url, limits=tight())
    with TestClient(app) as client:
        factory = app.state["ledger_db"].session_factory
        with transaction(factory) as session:
            good = create_token(session, "good", Role.ADMIN, None, None)[1]
        yield client, good


@pytest.fixture
def client_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a test request name its client address (``X-Test-Client``), as requests from other machines."""
    original = transport.TestClientTransport.parse_request

    def parse_request(self: transport.TestClientTransport[Any], request: Any) -> dict[str, Any]:
        scope = original(self, request)
        host = request.headers.get("x-test-client")
        if host:
            scope["client"] = (host, 50000)
        return scope

    monkeypatch.setattr(transport.TestClientTransport, "parse_request", parse_request)


def assert_429(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["status"] == 429 and "Retry-After" in body["detail"]


def test_repeated_bad_tokens_get_429_with_retry_after(limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    bad = {"Authorization": "Bearer not-a-real-token"}
    for _ in range(3):
        assert client.get(f"{API}/me", headers=bad).status_code == 401
    assert_429(client.get(f"{API}/me", headers=bad))
    # While the address is locked out, a right token still gets in (a colleague behind the same address);
    # wrong ones stay refused.
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    assert_429(client.get(f"{API}/me", headers=bad))
    # Requests without a token (public routes) are not affected by the failed sign-ins.
    assert client.get(f"{API}/health").status_code == 200


@pytest.mark.usefixtures("client_addresses")
def test_a_good_token_still_works_for_another_client(limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    attacker = {"X-Test-Client": "198.51.100.66", "Authorization": "Bearer wrong"}
    for _ in range(3):
        assert client.get(f"{API}/me", headers=attacker).status_code == 401
    assert_429(client.get(f"{API}/me", headers=attacker))
    colleague = client.get(f"{API}/me", headers={"X-Test-Client": "192.0.2.7", "Authorization": f"Bearer {good}"})
    assert colleague.status_code == 200, colleague.text
    assert colleague.json()["name"] == "good"


def test_good_tokens_do_not_count_as_failures(limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    for _ in range(6):
        assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_each_token_has_its_own_overall_limit(limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    headers = {"Authorization": f"Bearer {good}"}
    for _ in range(8):
        assert client.get(f"{API}/me", headers=headers).status_code == 200
    assert_429(client.get(f"{API}/me", headers=headers))


def test_anonymous_quotes_are_limited_per_client(limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    for _ in range(5):
        assert client.post(f"{API}/quotes", json=QUOTE).status_code == 200
    assert_429(client.post(f"{API}/quotes", json=QUOTE))
    # A signed-in caller is counted against its token, not the anonymous limit.
    assert client.post(f"{API}/quotes", json=QUOTE, headers={"Authorization": f"Bearer {good}"}).status_code == 200
    # Reading stays open.
    assert client.get(f"{API}/rate-cards").status_code == 200


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_RATE_LIMIT_AUTH_FAILURES", "5/hour")
    monkeypatch.setenv("LEDGER_RATE_LIMIT_ANONYMOUS", "off")
    monkeypatch.setenv("LEDGER_RATE_LIMIT_PER_TOKEN", "100/second")
    monkeypatch.setenv("LEDGER_MAX_BODY_BYTES", "2048")
    limits = ServiceLimits.from_env()
    assert limits == ServiceLimits(auth_failures=("hour", 5), anonymous=None, per_token=("second", 100),
                                   max_body_bytes=2048)
    assert ServiceLimits.from_env({}) == ServiceLimits()


@pytest.mark.parametrize("text", ["ten/minute", "10/fortnight", "-1/minute"])
def test_a_malformed_limit_is_refused_with_the_setting_named(text: str) -> None:
    with pytest.raises(ValueError, match="LEDGER_RATE_LIMIT_ANONYMOUS"):
        parse_limit(text, name="LEDGER_RATE_LIMIT_ANONYMOUS")


# ------------------------------------------------------------------------------------- size and depth


def nested(depth: int) -> bytes:
    return b'{"rate_card": "nihr-style", "x": ' + b"[" * depth + b"]" * depth + b"}"


def test_depth_counting_ignores_brackets_in_strings() -> None:
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 100 + b'"}')
    assert not json_depth_exceeds(b'{"a": "\\"' + b"{" * 100 + b'"}')
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)


@pytest.mark.parametrize("path", ["/quotes", "/participants", "/activities"])
def test_deeply_nested_json_is_a_400_problem(client: TestClient[Litestar], make_token: Callable[..., str],
                                             path: str) -> None:
    headers = {"Authorization": f"Bearer {make_token('admin')}", "Content-Type": "application/json"}
    for anonymous in (True, False):
        response = client.post(f"{API}{path}", content=nested(990), headers={} if anonymous else headers)
        if anonymous and path != "/quotes":
            assert response.status_code == 401  # protected routes refuse before reading the body
            continue
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        assert "nested more than 32 levels" in response.json()["detail"]


def test_an_over_large_body_is_a_413_problem(database_url: str) -> None:
    app = create_app(database_url, limits=ServiceLimits(max_body_bytes=4096))
    with TestClient(app) as client:
        response = client.post(f"{API}/quotes", json={**QUOTE, "activity": "x" * 5000})
        assert response.status_code == 413
        assert response.headers["content-type"].startswith(PROBLEM)
        assert "4,096 bytes" in response.json()["detail"]


def test_a_quote_holds_at_most_100_expenses(client: TestClient[Litestar]) -> None:
    expense = {"category": "parking", "amount": "1.00", "receipt": "R"}
    assert client.post(f"{API}/quotes", json={**QUOTE, "expenses": [expense] * 100}).status_code == 200
    response = client.post(f"{API}/quotes", json={**QUOTE, "expenses": [expense] * 101})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["expenses"]


def test_an_attendee_holds_at_most_100_expenses(client: TestClient[Litestar],
                                                make_token: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {make_token('admin')}"}
    expense = {"category": "parking", "amount": "1.00", "receipt": "R"}
    body = {"project": 1, "date": "2026-01-07", "activity": "meeting",
            "attendees": [{"participant": 1, "involvement_minutes": 60, "expenses": [expense] * 101}]}
    response = client.post(f"{API}/activities", json=body, headers=headers)
    assert response.status_code == 422
    assert "attendees[0].expenses" in [e["field"] for e in response.json()["errors"]]


# ------------------------------------------------------------------------------------------ event loop


def test_a_slow_quote_does_not_hold_up_other_requests(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a quote is being worked out, /health still answers (the quote runs in a worker thread)."""
    entered, release = threading.Event(), threading.Event()
    real = rates_api.run_quote

    def slow_quote(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(timeout=60), "the test never let the quote finish"
        return real(*args, **kwargs)

    monkeypatch.setattr(rates_api, "run_quote", slow_quote)
    results: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: results.update(quote=client.post(f"{API}/quotes", json=QUOTE)))
    worker.start()
    try:
        assert entered.wait(timeout=60)
        health = client.get(f"{API}/health")  # would hang here if the quote held the event loop
        assert health.status_code == 200
        assert not results, "the quote finished before /health answered: the test proved nothing"
    finally:
        release.set()
        worker.join(timeout=60)
    assert results["quote"].status_code == 200


def test_the_quote_decoder_refuses_deep_nesting_without_a_traceback() -> None:
    """``ledger quote`` reads stdin with the same decoder: very deep JSON is an Invalid, not a RecursionError."""
    from ledger.errors import Invalid
    from ledger.rates.contract import decode_request

    for raw in (b'{"rate_card": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"[" * 5000 + b"]" * 5000):
        with pytest.raises(Invalid, match="nested too deeply"):
            decode_request(raw)


# Handlers that may run on the event loop: they read nothing but the request and in-memory data.
ON_THE_LOOP_ALLOWED = {("GET", "/api/v1/me"), ("GET", "/api/v1/rate-cards"), ("GET", "/api/v1/rate-cards/{key:str}")}


def test_every_api_handler_works_off_the_event_loop(app: Litestar) -> None:
    """Database work, quotes, PDFs and exports run in worker threads (``sync_to_thread=True``) or are async
    and hand their work to a thread themselves (POST /quotes, tested above): a new sync handler left on
    the loop would freeze every other request while it runs."""
    import inspect

    from litestar.routes import HTTPRoute

    on_the_loop = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API) or route.path.startswith(f"{API}/schema"):
            continue
        for handler in route.route_handlers:
            methods = handler.http_methods - {"OPTIONS", "HEAD"}
            if methods and not inspect.iscoroutinefunction(handler.fn) and not handler.sync_to_thread:
                on_the_loop |= {(method, route.path) for method in methods}
    assert ("GET", "/api/v1/me") in on_the_loop  # the scan does find handlers on the loop
    assert on_the_loop <= ON_THE_LOOP_ALLOWED, sorted(on_the_loop - ON_THE_LOOP_ALLOWED)
