"""Strict input through the API: activity and quote dates inside the window, amounts only as plain
decimals with at most two places. Each bad value is a 422 problem+json naming the field, and nothing is
written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.clock import today
from ledger.db.models import Role
from ledger.involvement.dates import add_months

API = "/api/v1"
BAD_AMOUNTS = [" 5.00", "5.00 ", "1e3", "5.001", "+5", "5.", ".5", "1_000", "NaN", "Infinity", "٥"]


@pytest.fixture
def world(client: TestClient[Litestar], make_token: Callable[..., str],
          auth: Callable[[str], dict[str, str]]) -> dict[str, Any]:
    admin = auth(make_token(Role.ADMIN))
    project = client.post(f"{API}/projects", headers=admin,
                          json={"code": "STRICT", "name": "Strict", "rate_card": "nihr-style"})
    assert project.status_code == 201, project.text
    person = client.post(f"{API}/participants", headers=admin,
                         json={"name": "Dee Clines", "payment_preference": "decline",
                               "projects": [project.json()["id"]]})
    if person.status_code == 422 and "projects" in person.text:  # without project membership support
        person = client.post(f"{API}/participants", headers=admin,
                             json={"name": "Dee Clines", "payment_preference": "decline"})
    assert person.status_code == 201, person.text
    return {"client": client, "admin": admin, "project": project.json()["id"], "person": person.json()["id"]}


def _activity(world: dict[str, Any], on: str, expenses: list[dict[str, str]] | None = None) -> Any:
    attendee: dict[str, Any] = {"participant": world["person"], "involvement_minutes": 60}
    if expenses is not None:
        attendee["expenses"] = expenses
    return world["client"].post(f"{API}/activities", headers=world["admin"], json={
        "project": world["project"], "date": on, "activity": "meeting", "attendees": [attendee]})


def _records(world: dict[str, Any]) -> int:
    listed = world["client"].get(f"{API}/records", headers=world["admin"])
    assert listed.status_code == 200
    return int(listed.json()["total"])


def _assert_refused(response: Any, field: str) -> None:
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [error["field"] for error in response.json().get("errors", [])]
    assert any(f == field or f.endswith(field) for f in fields), (field, response.text)


@pytest.mark.parametrize("on", ["9999-12-31", "1999-12-31", "0001-01-01", "far-future"])
def test_activity_dates_outside_the_window_are_refused(world: dict[str, Any], on: str) -> None:
    if on == "far-future":
        on = (add_months(today(), 12) + timedelta(days=1)).isoformat()
    response = _activity(world, on)
    _assert_refused(response, "date")
    assert _records(world) == 0


def test_dates_at_the_edges_of_the_window_are_taken(world: dict[str, Any]) -> None:
    assert _activity(world, add_months(today(), 12).isoformat()).status_code == 201
    assert _activity(world, today().isoformat()).status_code == 201


def test_the_window_is_configurable(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_ACTIVITY_MONTHS_AHEAD", "1")
    _assert_refused(_activity(world, add_months(today(), 2).isoformat()), "date")
    monkeypatch.setenv("LEDGER_EARLIEST_ACTIVITY_DATE", "2024-01-01")
    _assert_refused(_activity(world, "2023-12-31"), "date")


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_expense_amounts_must_be_plain_decimals(world: dict[str, Any], amount: str) -> None:
    on = today().isoformat()
    response = _activity(world, on, [{"category": "public_transport", "amount": amount}])
    _assert_refused(response, "expenses[0].amount")
    assert _records(world) == 0
    quote = world["client"].post(f"{API}/quotes", json={
        "rate_card": "nihr-style", "date": on, "activity": "meeting", "involvement_minutes": 60,
        "expenses": [{"category": "public_transport", "amount": amount}]})
    _assert_refused(quote, "expenses[0].amount")


@pytest.mark.parametrize("on", ["9999-12-31", "1999-12-31"])
def test_quote_dates_outside_the_window_are_refused(world: dict[str, Any], on: str) -> None:
    quote = world["client"].post(f"{API}/quotes", json={
        "rate_card": "nihr-style", "date": on, "activity": "meeting", "involvement_minutes": 60})
    _assert_refused(quote, "date")


@pytest.mark.parametrize("amount", [" 5.00", "1e3", "5.001", "+5", "5."])
def test_watch_limits_and_budgets_must_be_plain_decimals(world: dict[str, Any], amount: str) -> None:
    client, admin = world["client"], world["admin"]
    limit = client.patch(f"{API}/participants/{world['person']}", headers=admin, json={
        "watch_limits": [{"period": "week", "amount": amount, "label": "Carer's Allowance"}]})
    _assert_refused(limit, "watch_limits[0].amount")
    budget = client.post(f"{API}/projects", headers=admin,
                         json={"code": "B", "name": "B", "rate_card": "nihr-style", "budget": amount})
    _assert_refused(budget, "budget")


def test_plain_amounts_are_taken(world: dict[str, Any]) -> None:
    response = _activity(world, today().isoformat(), [{"category": "public_transport", "amount": "5.5"},
                                                      {"category": "public_transport", "amount": "3"}])
    assert response.status_code == 201, response.text
