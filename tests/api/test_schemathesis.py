"""The API against its own OpenAPI document: schemathesis-generated requests for EVERY operation.

Each operation gets valid requests (some with the ids of things that exist, so the handlers really run),
and invalid ones (wrong types, out-of-range numbers, odd strings), once with an admin token and once with
no token. Whatever is sent, the answer is never a 5xx (schemathesis' ``not_a_server_error`` check), and
every error is ``application/problem+json`` with a matching ``status``.

Bounded and repeatable: ``derandomize`` fixes Hypothesis' choices, and each operation gets
``examples_per_operation()`` examples (about 33 with the default profile, 100 with
``HYPOTHESIS_PROFILE=ci``). Requests go through Litestar's own test client, so the app has one lifespan.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from ledger.api.app import SCHEMA_PATH, create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.clock import today
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.security.tokens import create_token

API = "/api/v1"
BASE_URL = "http://testserver.local"
BANK = {"account_name": "J SMITH", "sort_code": "12-34-56", "account_number": "12345678"}
PROBLEM = "application/problem+json"


def examples_per_operation() -> int:
    """A third of the profile's examples, between 25 and 100: one to two minutes for the whole API."""
    return max(25, min(100, settings().max_examples // 3))


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, built without starting the app (to name the tests)."""
    with tempfile.TemporaryDirectory() as folder:
        document: dict[str, Any] = create_app(f"sqlite:///{folder}/schema.db", upgrade=False).openapi_schema.to_schema()
    return document


OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
)


@dataclass
class Target:
    """The running app, its schema, an admin token and the ids of seeded things."""

    client: TestClient[Litestar]
    schema: Any
    admin: str
    ids: dict[str, Any]

    def known_path_parameters(self, operation: Any) -> dict[str, Any]:
        names = {parameter.name for parameter in operation.path_parameters}
        return {name: value for name, value in self.ids.items() if name in names}


def _ok(client: TestClient[Litestar], method: str, path: str, token: str, body: Any = None) -> Any:
    response = client.request(method, API + path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


def seed(client: TestClient[Litestar], tokens: dict[str, str]) -> dict[str, Any]:
    """Participants, a project, an activity with records, an approved record and a batch."""
    project = _ok(client, "POST", "/projects", tokens["admin"],
                  {"code": "FUZZ", "name": "Fuzzing", "rate_card": "nihr-style", "budget": "500.00"})["id"]
    jo_made = _ok(client, "POST", "/participants", tokens["lead"],
                  {"name": "Jo", "payment_preference": "bank_transfer", "bank": BANK})
    jo = jo_made["id"]  # bank details wait for a second person (four eyes): finance confirms them
    _ok(client, "POST", f"/payee-changes/{jo_made['pending_payee_change']['id']}/confirm", tokens["finance"])
    sam = _ok(client, "POST", "/participants", tokens["lead"],
              {"name": "Sam", "payment_preference": "voucher",
               "watch_limits": [{"period": "week", "amount": "30.00", "label": "ESA permitted work"}]})["id"]
    records = _ok(client, "POST", "/activities", tokens["lead"], {
        "project": project, "date": "2026-01-07", "activity": "meeting",
        "attendees": [{"participant": jo, "involvement_minutes": 90, "role": "chair"},
                      {"participant": sam, "involvement_minutes": 60,
                       "expenses": [{"category": "parking", "amount": "4.50", "receipt": "R1"}]}]})["records"]
    _ok(client, "POST", f"/records/{records[0]['id']}/approve", tokens["approver"])
    batch = _ok(client, "POST", "/batches", tokens["finance"], {"method": "bank_transfer"})
    change = _ok(client, "PATCH", f"/participants/{sam}", tokens["lead"], {"bank": BANK})["pending_payee_change"]
    return {"participant_id": jo, "project_id": project, "record_id": records[1]["id"], "batch_id": batch["id"],
            "line_id": batch["lines"][0]["id"], "key": "nihr-style", "change_id": change["id"]}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "ledger.db"
    app = create_app(f"sqlite:///{path}")
    # The expected 4xx answers are not news; a 5xx still fails the test, whatever is logged.
    logging.getLogger("ledger.api").setLevel(logging.CRITICAL)
    try:
        with TestClient(app, base_url=BASE_URL) as client:
            database: LedgerDatabase = app.state[STATE_KEY]
            tokens: dict[str, str] = {}
            for name, role in [("admin", Role.ADMIN), ("lead", Role.LEAD), ("approver", Role.LEAD),
                               ("finance", Role.FINANCE)]:
                with transaction(database.session_factory) as session:
                    tokens[name] = create_token(session, name, role, None, None)[1]
            ids = seed(client, tokens)
            schema = schemathesis.openapi.from_dict(client.get(f"{SCHEMA_PATH}/openapi.json").json())
            yield Target(client, schema, tokens["admin"], {**ids, "today": today()})
    finally:
        logging.getLogger("ledger.api").setLevel(logging.NOTSET)


def send(client: TestClient[Litestar], case: Any, headers: dict[str, str]) -> Any:
    """Send a schemathesis case through Litestar's test client (httpx); return the httpx response."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    method, url, all_headers = kwargs.pop("method"), kwargs.pop("url"), kwargs.pop("headers")
    params = kwargs.pop("params", None)
    cookies = kwargs.pop("cookies", None)
    assert not cookies, "the API takes no cookies"
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs.pop("json")
    if "data" in kwargs:
        body["content"] = kwargs.pop("data")
    assert not kwargs, f"unexpected request parts: {sorted(kwargs)}"
    return client.request(method, url, params=params, headers=all_headers, **body)


def check(case: Any, response: Any) -> None:
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        assert response.headers.get("content-type", "").startswith(PROBLEM), (response.status_code, response.text)
        assert response.json()["status"] == response.status_code, response.text


def strategy(target: Target, method: str, path: str) -> st.SearchStrategy[Any]:
    operation = target.schema[path][method]
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    known = target.known_path_parameters(operation)
    if known:
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=known))
    if operation.path_parameters or operation.query or operation.body:
        # Nothing can be invalid about an operation without inputs: no negative cases for it.
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def run(target: Target, method: str, path: str, headers: dict[str, str]) -> None:
    @settings(max_examples=examples_per_operation(), derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(case=strategy(target, method, path))
    def one(case: Any) -> None:
        check(case, send(target.client, case, headers))

    one()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p.removeprefix(API)}" for m, p in OPERATIONS])
def test_admin_requests_never_cause_a_server_error(target: Target, method: str, path: str) -> None:
    run(target, method, path, {"Authorization": f"Bearer {target.admin}"})


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p.removeprefix(API)}" for m, p in OPERATIONS])
def test_anonymous_requests_never_cause_a_server_error(target: Target, method: str, path: str) -> None:
    run(target, method, path, {})


def test_every_operation_is_exercised(target: Target) -> None:
    """The schema the tests were named from is the one the app serves: no operation goes untested."""
    served = sorted((op.ok().method.upper(), op.ok().path) for op in target.schema.get_all_operations())
    assert served == OPERATIONS
    assert len(OPERATIONS) >= 30
