"""Every error is problem+json with a useful detail; client input never causes a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import msgspec
import pytest
from litestar import Controller, Litestar, get, post
from litestar.testing import TestClient

from ledger.api.auth import PUBLIC_ROUTE
from ledger.errors import Conflict, Forbidden, NoRateInForce, NotFound, invalid_field

PROBLEM = "application/problem+json"


class Attendee(msgspec.Struct, forbid_unknown_fields=True):
    participant: int
    involvement_minutes: Annotated[int, msgspec.Meta(ge=0, le=1440)]


class ActivityIn(msgspec.Struct, forbid_unknown_fields=True):
    activity: str
    attendees: list[Attendee]


class ErrorProbe(Controller):
    path = "/probe"

    @post("/validate", sync_to_thread=False, **PUBLIC_ROUTE)
    def validate(self, data: ActivityIn) -> dict[str, int]:
        return {"attendees": len(data.attendees)}

    @get("/needs-query", sync_to_thread=False, **PUBLIC_ROUTE)
    def needs_query(self, week: int) -> dict[str, int]:
        return {"week": week}

    @post("/raise/{kind:str}", sync_to_thread=False, **PUBLIC_ROUTE)
    def raise_kind(self, kind: str) -> None:
        errors: dict[str, Exception] = {
            "not-found": NotFound("no participant with id 7"),
            "conflict": Conflict("record 3 is already approved"),
            "forbidden": Forbidden("a lead may not approve their own record"),
            "invalid": invalid_field("expenses[0].amount", "must be more than 0.00"),
            "no-rate": invalid_field("date", "no rate is in force on 2019-01-01", cls=NoRateInForce),
            "crash": RuntimeError("password=hunter2 at /srv/secret/path.py line 42"),
        }
        raise errors[kind]


@pytest.fixture
def api_handlers() -> Sequence[Any]:
    return [ErrorProbe]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return dict(body)


def test_unknown_route_is_404_problem(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert "/api/v1/no-such-thing" in body["detail"]


def test_wrong_method_is_405_problem_with_allow(client: TestClient[Litestar]) -> None:
    response = client.delete("/api/v1/health")
    body = assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert "DELETE" in body["detail"]


def test_nested_validation_error_is_422_naming_the_field(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/api/v1/probe/validate",
        json={"activity": "meeting", "attendees": [{"participant": 1, "involvement_minutes": -5}]},
    )
    body = assert_problem(response, 422)
    assert body["type"].endswith(":validation")
    fields = [e["field"] for e in body["errors"]]
    assert fields == ["attendees[0].involvement_minutes"]
    assert body["errors"][0]["message"] == (
        "involvement minutes of attendee 1 (attendees[0].involvement_minutes) must be a whole number from 0 to "
        "1440 (not -5)"
    )
    assert "involvement_minutes" in body["detail"]


def test_missing_and_unknown_fields_are_named(client: TestClient[Litestar]) -> None:
    missing = assert_problem(client.post("/api/v1/probe/validate", json={"attendees": []}), 422)
    assert [e["field"] for e in missing["errors"]] == ["activity"]
    nested = assert_problem(
        client.post("/api/v1/probe/validate", json={"activity": "x", "attendees": [{"participant": 1}]}), 422
    )
    assert [e["field"] for e in nested["errors"]] == ["attendees[0].involvement_minutes"]
    unknown = assert_problem(
        client.post("/api/v1/probe/validate", json={"activity": "x", "attendees": [], "colour": "red"}), 422
    )
    assert [e["field"] for e in unknown["errors"]] == ["colour"]


def test_wrong_type_is_422(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.post("/api/v1/probe/validate", json={"activity": 3, "attendees": []}), 422)
    assert body["errors"][0]["field"] == "activity"
    whole = assert_problem(client.post("/api/v1/probe/validate", json=[1, 2]), 422)
    assert whole["errors"][0]["field"] == "body"


def test_malformed_json_is_400_with_clear_detail(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/api/v1/probe/validate", content=b'{"activity": "x",', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert body["title"] == "Malformed request body"
    assert "not valid JSON" in body["detail"]


def test_bad_query_parameter_is_422(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]
) -> None:
    headers = auth(make_token("auditor"))
    body = assert_problem(client.get("/api/v1/audit?limit=0", headers=headers), 422)
    assert body["errors"][0]["field"] == "limit"
    body = assert_problem(client.get("/api/v1/audit?offset=minus", headers=headers), 422)
    assert body["errors"][0]["field"] == "offset"


@pytest.mark.parametrize(
    ("kind", "status", "slug", "field"),
    [
        ("not-found", 404, "not-found", None),
        ("conflict", 409, "conflict", None),
        ("forbidden", 403, "forbidden", None),
        ("invalid", 422, "invalid", "expenses[0].amount"),
        ("no-rate", 422, "no-rate-in-force", "date"),
    ],
)
def test_domain_errors_map_to_their_status(
    client: TestClient[Litestar], kind: str, status: int, slug: str, field: str | None
) -> None:
    body = assert_problem(client.post(f"/api/v1/probe/raise/{kind}"), status)
    assert body["type"].endswith(f":{slug}")
    assert body["instance"] == f"/api/v1/probe/raise/{kind}"
    if field is None:
        assert "errors" not in body
    else:
        assert body["errors"] == [{"field": field, "message": body["errors"][0]["message"]}]


def test_unexpected_error_is_500_without_internals_and_is_logged(
    client: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ledger.api"):
        response = client.post("/api/v1/probe/raise/crash")
    assert_problem(response, 500)
    assert "hunter2" not in response.text and "secret" not in response.text
    assert "RuntimeError" not in response.text
    assert any("hunter2" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_openapi_document_declares_bearer_and_public_routes(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Involvement ledger"
    scheme = document["components"]["securitySchemes"]["BearerToken"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": scheme["description"]}
    assert document["security"] == [{"BearerToken": []}]
    assert document["paths"]["/api/v1/health"]["get"]["security"] == [{}]
    assert client.get("/api/v1/schema").status_code == 200


# ------------------------------------------------------------------ plain words, every problem at once (8.7)

PROGRAMMER_WORDS = ("Expected `", "RFC3339", "Please check", "body: 'data'", "Invalid enum value", "msgspec", "$.")


def assert_plain(body: dict[str, Any]) -> None:
    text = body["detail"] + " ".join(e["message"] for e in body["errors"])
    for words in PROGRAMMER_WORDS:
        assert words not in text, (words, text)


@pytest.fixture
def lead(make_token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('admin')}"}


def test_an_enum_lists_its_allowed_values(client: TestClient[Litestar], lead: dict[str, str]) -> None:
    body = assert_problem(client.post("/api/v1/participants", headers=lead, json={
        "name": "Jo", "payment_preference": "voucher", "statement_style": "large print"}), 422)
    assert_plain(body)
    assert body["errors"] == [{"field": "statement_style", "message":
                               "statement style must be one of: standard, large_print, easy_read (not 'large print')"}]


def test_a_date_in_another_form_is_named_in_plain_words(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.post("/api/v1/quotes", json={
        "rate_card": "nihr-style", "date": "07/01/2026", "activity": "meeting", "involvement_minutes": 60}), 422)
    assert_plain(body)
    assert body["errors"] == [{"field": "date", "message": "date of the activity (date) must be a date written as "
                               "YYYY-MM-DD, for example 2026-04-06 (not '07/01/2026')"}]


def test_every_problem_is_reported_at_once(client: TestClient[Litestar], lead: dict[str, str]) -> None:
    body = assert_problem(client.post("/api/v1/participants", headers=lead, json={
        "name": 5, "payment_preference": "cash", "statement_style": "large print", "colour": "red"}), 422)
    assert_plain(body)
    assert {e["field"] for e in body["errors"]} == {"name", "payment_preference", "statement_style", "colour"}
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages["name"] == "name must be text (not a number)"
    assert messages["payment_preference"].startswith("payment choice (payment_preference) must be one of: "
                                                     "bank_transfer, voucher, organisation")
    assert body["detail"].startswith("There are 4 problems with the request: ")


def test_every_problem_in_an_activity_is_reported_at_once(client: TestClient[Litestar],
                                                          lead: dict[str, str]) -> None:
    body = assert_problem(client.post("/api/v1/activities", headers=lead, json={
        "project": 1, "date": "2026-02-30", "activity": "meeting",
        "attendees": [{"participant": 1, "involvement_minutes": "90"},
                      {"participant": 2, "involvement_minutes": 60,
                       "expenses": [{"category": "taxi", "amount": 12.5}]}]}), 422)
    assert_plain(body)
    assert [e["field"] for e in body["errors"]] == [
        "date", "attendees[0].involvement_minutes", "attendees[1].expenses[0].amount"]
    assert "is not a real date" in body["errors"][0]["message"]
    assert body["errors"][2]["message"].startswith("amount of expense 1 of attendee 2")


@pytest.mark.parametrize("raw", [b"", b"[]", b'"text"', b"null", b"5"])
def test_a_body_that_is_not_an_object_is_named_plainly(client: TestClient[Litestar], lead: dict[str, str],
                                                       raw: bytes) -> None:
    response = client.post("/api/v1/participants", headers={**lead, "Content-Type": "application/json"},
                           content=raw)
    assert response.status_code in (400, 422), response.text
    body = assert_problem(response, response.status_code)
    assert_plain(body)
    if response.status_code == 422:
        assert [e["field"] for e in body["errors"]] == ["body"]
        assert "request" in body["errors"][0]["message"]


def test_query_parameters_are_named_plainly(client: TestClient[Litestar], lead: dict[str, str]) -> None:
    body = assert_problem(client.get("/api/v1/participants?limit=lots", headers=lead), 422)
    assert_plain(body)
    assert [e["field"] for e in body["errors"]] == ["limit"]
    assert "whole number" in body["errors"][0]["message"]


def test_a_missing_query_parameter_is_named(client: TestClient[Litestar]) -> None:
    body = assert_problem(client.get("/api/v1/probe/needs-query"), 422)
    assert_plain(body)
    assert body["errors"] == [{"field": "week", "message": "week is required (a query parameter)"}]
    wrong = assert_problem(client.get("/api/v1/probe/needs-query?week=soon"), 422)
    assert wrong["errors"] == [{"field": "week", "message": "week must be a whole number (not 'soon')"}]
