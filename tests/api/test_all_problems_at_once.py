"""A refused request names every problem at once, each field in plain words with the values allowed.

The reviewer's cases: a quote with an unknown vehicle, a taxi fare with too many pence and an unknown
expense category came back naming only the vehicle; an unknown activity hid an unknown role; a bad
``status`` query parameter did not say which statuses exist, and ``status=bogus&limit=abc`` named only
``limit``. The allowed values are read from the rate card in force (never typed into the test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.db.models import Role
from ledger.rates.registry import default_registry

API = "/api/v1"
ON = "2026-01-20"
QUOTE = {"rate_card": "nihr-style", "date": ON, "activity": "meeting", "involvement_minutes": 60}
RAW_NAMES = ("mileage.miles:", "involvement_minutes:", "expenses[0].amount '")  # field names leading a message


def _card_version() -> Any:
    from datetime import date

    return default_registry().get("nihr-style").version_on(date.fromisoformat(ON))


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _one_of(keys: Any) -> str:
    return "must be one of: " + ", ".join(sorted(keys))


def test_a_quote_names_the_vehicle_the_fare_and_the_category_together(client: TestClient[Litestar]) -> None:
    version = _card_version()
    body = {**QUOTE, "mileage": {"vehicle": "horse", "miles": 5},
            "expenses": [{"category": "taxi", "amount": "18.405", "receipt": "R1"},
                         {"category": "teleport", "amount": "1.00"}]}
    response = client.post(f"{API}/quotes", json=body)
    errors = _errors(response)
    assert set(errors) == {"mileage.vehicle", "expenses[0].amount", "expenses[1].category"}
    assert errors["mileage.vehicle"].startswith("vehicle ")
    assert _one_of(version.expenses.mileage) + " (not 'horse')" in errors["mileage.vehicle"]
    assert errors["expenses[0].amount"].startswith("amount of expense 1 ")
    assert "18.405" in errors["expenses[0].amount"]
    assert errors["expenses[1].category"].startswith("category of expense 2 ")
    assert _one_of(version.expenses.at_cost) + " (not 'teleport')" in errors["expenses[1].category"]
    detail = response.json()["detail"]
    assert detail.startswith("There are 3 problems with the request: ")
    assert all(message in detail for message in errors.values())


def test_an_unknown_activity_does_not_hide_an_unknown_role(client: TestClient[Litestar]) -> None:
    version = _card_version()
    errors = _errors(client.post(f"{API}/quotes", json={**QUOTE, "activity": "meetin", "role": "chiar"}))
    assert set(errors) == {"activity", "role"}
    assert errors["activity"].startswith("kind of activity ")
    assert _one_of(version.activities) + " (not 'meetin')" in errors["activity"]
    assert _one_of({"member", *version.roles}) + " (not 'chiar')" in errors["role"]


def test_rate_card_problems_come_with_the_other_problems(client: TestClient[Litestar]) -> None:
    body = {**QUOTE, "activity": "meetin", "involvement_minutes": -1,
            "mileage": {"vehicle": "car", "miles": 10_001}}
    errors = _errors(client.post(f"{API}/quotes", json=body))
    assert set(errors) == {"activity", "involvement_minutes", "mileage.miles"}
    assert errors["involvement_minutes"] == "involvement minutes must not be negative (got -1)"
    assert errors["mileage.miles"].startswith("miles driven (mileage.miles) must be a whole number from 0 to")


def test_no_message_leads_with_a_raw_field_name(client: TestClient[Litestar]) -> None:
    body = {**QUOTE, "involvement_minutes": -1, "mileage": {"vehicle": "car", "miles": 20_000},
            "expenses": [{"category": "taxi", "amount": "1.234"}]}
    response = client.post(f"{API}/quotes", json=body)
    errors = _errors(response)
    for message in [*errors.values(), response.json()["detail"]]:
        assert not any(raw in message for raw in RAW_NAMES), message


@pytest.fixture
def lead_world(client: TestClient[Litestar], make_token: Callable[..., str]) -> tuple[dict[str, str], int, int]:
    admin = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    lead = {"Authorization": f"Bearer {make_token(Role.LEAD)}"}
    project = client.post(f"{API}/projects", headers=admin,
                          json={"code": "ALL", "name": "All at once", "rate_card": "nihr-style"}).json()["id"]
    person = client.post(f"{API}/participants", headers=lead,
                         json={"name": "Jo", "payment_preference": "voucher"}).json()["id"]
    return lead, project, person


def test_recording_an_activity_names_every_problem_of_every_attendee(
    client: TestClient[Litestar], lead_world: tuple[dict[str, str], int, int]
) -> None:
    lead, project, person = lead_world
    version = _card_version()
    attendee = {"participant": person, "role": "chiar", "involvement_minutes": 60,
                "mileage": {"vehicle": "horse", "miles": 5},
                "expenses": [{"category": "taxi", "amount": "18.405", "receipt": "R1"},
                             {"category": "teleport", "amount": "1.00"}]}
    body = {"project": project, "date": ON, "activity": "meeting", "attendees": [attendee]}
    errors = _errors(client.post(f"{API}/activities", headers=lead, json=body))
    assert set(errors) == {"attendees[0].role", "attendees[0].mileage.vehicle", "attendees[0].expenses[0].amount",
                           "attendees[0].expenses[1].category"}
    assert errors["attendees[0].role"].startswith("role of attendee 1 ")
    assert errors["attendees[0].mileage.vehicle"].startswith("vehicle of attendee 1 ")
    assert _one_of(version.expenses.mileage) in errors["attendees[0].mileage.vehicle"]
    assert _one_of(version.expenses.at_cost) in errors["attendees[0].expenses[1].category"]
    assert client.get(f"{API}/records", headers=lead).json()["total"] == 0  # nothing half-written


def test_a_bad_query_parameter_lists_the_allowed_values(
    client: TestClient[Litestar], make_token: Callable[..., str]
) -> None:
    admin = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    errors = _errors(client.get(f"{API}/records?status=bogus", headers=admin))
    assert errors == {"status": "status must be one of: submitted, approved, rejected, reversed (not 'bogus')"}


def test_every_bad_query_parameter_is_named_at_once(
    client: TestClient[Litestar], make_token: Callable[..., str]
) -> None:
    admin = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    # limit and offset belong to the paging dependency, which Litestar checks before the handler's own.
    response = client.get(f"{API}/records?status=bogus&limit=abc&offset=-1&participant=0", headers=admin)
    errors = _errors(response)
    assert set(errors) == {"status", "limit", "offset", "participant"}
    assert errors["limit"] == "limit must be a whole number from 1 to 500 (not 'abc')"
    assert errors["offset"].startswith("offset must be a whole number of 0 or more (not '-1')")
    assert response.json()["detail"].startswith("There are 4 problems with the request: ")


def test_a_date_outside_the_window_and_a_huge_amount_do_not_hide_the_rest(client: TestClient[Litestar]) -> None:
    body = {**QUOTE, "date": "9999-12-31", "role": "chiar", "mileage": {"vehicle": "horse", "miles": 5},
            "expenses": [{"category": "taxi", "amount": "5000000000.00", "receipt": "R1"}]}
    errors = _errors(client.post(f"{API}/quotes", json=body))
    assert set(errors) == {"date", "role", "mileage.vehicle", "expenses[0].amount"}
    assert "9999-12-31" in errors["date"] and "one billion" in errors["expenses[0].amount"]


def test_recording_names_a_huge_amount_with_the_attendees_other_problems(
    client: TestClient[Litestar], lead_world: tuple[dict[str, str], int, int]
) -> None:
    lead, project, person = lead_world
    attendee = {"participant": person, "role": "chiar", "involvement_minutes": 60,
                "expenses": [{"category": "taxi", "amount": "5000000000.00", "receipt": "R1"}]}
    body = {"project": project, "date": ON, "activity": "meetin", "attendees": [attendee]}
    errors = _errors(client.post(f"{API}/activities", headers=lead, json=body))
    assert set(errors) == {"activity", "attendees[0].role", "attendees[0].expenses[0].amount"}
