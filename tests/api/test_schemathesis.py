"""The API against its own OpenAPI document: schemathesis-generated requests for EVERY operation.

Each operation gets valid requests (some with the ids of things that exist, so the handlers really run),
and invalid ones (wrong types, out-of-range numbers, odd strings), once with an admin token and once with
no token. Every schemathesis check runs on every answer (no server errors; status codes, content types,
headers and bodies as the document says; invalid data refused; valid data not refused for its shape), and
every error is ``application/problem+json`` with a matching ``status``. It runs on SQLite, and on
PostgreSQL too when ``LEDGER_TEST_DATABASE_URL`` is set.

Bounded and repeatable: ``derandomize`` fixes Hypothesis' choices, and each operation gets
``examples_per_operation()`` examples (about 33 with the default profile, 100 with
``HYPOTHESIS_PROFILE=ci``). The app is served by uvicorn on a free local port for the module.
"""

from __future__ import annotations

import logging
import re
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from payments.factory import set_organisation
from private_pg import private_postgres
from schemathesis import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData  # noqa: F401  (documents what is replaced)
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ledger.api.app import SCHEMA_PATH, create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.api.limits import ServiceLimits
from ledger.clock import today
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.security.tokens import create_token

pytestmark = pytest.mark.slow  # heavy: run by CI, left out of `pytest -m "not slow"`

API = "/api/v1"
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
    """The running server, its schema, an admin token and the ids of seeded things."""

    base_url: str
    schema: Any
    admin: str
    ids: dict[str, Any]

    def known_path_parameters(self, operation: Any) -> dict[str, Any]:
        names = {parameter.name for parameter in operation.path_parameters}
        return {name: value for name, value in self.ids.items() if name in names}


def _ok(client: httpx.Client, method: str, path: str, token: str, body: Any = None) -> Any:
    response = client.request(method, API + path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


def seed(client: httpx.Client, tokens: dict[str, str]) -> dict[str, Any]:
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


@contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port in a thread; yield its base URL; stop it after.

    A real server (not a test client) lets schemathesis run every check as it would against production,
    including the ones that send a request again (another method, no token).
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("the test server did not start")
            threading.Event().wait(0.05)
        else:
            raise RuntimeError("the test server did not start within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_for_fuzzing(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite, and PostgreSQL when LEDGER_TEST_DATABASE_URL is set (a private database, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'ledger.db'}"
        return
    with private_postgres("ledger_fuzz", migrate=False) as url:
        yield url


@pytest.fixture(scope="module")
def target(database_for_fuzzing: str) -> Iterator[Target]:
    # Thousands of requests from one address and one token: rate limits off (tests/api/test_platform_limits.py
    # covers them).
    app = create_app(database_for_fuzzing, limits=ServiceLimits.unlimited())
    # The expected 4xx answers are not news; a 5xx still fails the test, whatever is logged.
    logging.getLogger("ledger.api").setLevel(logging.CRITICAL)
    try:
        with serving(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
            database: LedgerDatabase = app.state[STATE_KEY]
            set_organisation(database.session_factory)
            tokens: dict[str, str] = {}
            for name, role in [("admin", Role.ADMIN), ("lead", Role.LEAD), ("approver", Role.LEAD),
                               ("finance", Role.FINANCE)]:
                with transaction(database.session_factory) as session:
                    tokens[name] = create_token(session, name, role, None, None)[1]
            ids = seed(client, tokens)
            schema = schemathesis.openapi.from_dict(client.get(f"{SCHEMA_PATH}/openapi.json").json())
            schema.config.update(base_url=base_url)
            yield Target(base_url, schema, tokens["admin"], {**ids, "today": today()})
    finally:
        logging.getLogger("ledger.api").setLevel(logging.NOTSET)


WRITTEN_AS_DECIMAL = re.compile(r"must be a whole number.*\(not -?\d+\.0\)")
SHAPE_REFUSALS = ("urn:involvement-ledger:problem:validation", "urn:involvement-ledger:problem:malformed-body")


@schemathesis.check
def schema_valid_data_is_not_refused_for_its_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Data the document calls valid may break a business rule (a date outside the ledger's window, a rate
    card or activity that does not exist, more minutes than a day holds): the service then answers 422
    naming the rule. It must never be refused for its SHAPE (type, format, range, required or unknown
    field), which the document describes: that would mean the document lies."""
    generation = getattr(getattr(case, "meta", None), "generation", None)
    if getattr(generation, "mode", None) != GenerationMode.POSITIVE or response.status_code not in (400, 422):
        return None
    problem = response.json()
    if all(WRITTEN_AS_DECIMAL.search(error.get("message", "")) for error in problem.get("errors") or [{}]):
        return None  # JSON Schema's "integer" also matches 629.0; the API wants whole numbers written as 629
    if problem.get("type", "") in SHAPE_REFUSALS:
        raise AssertionError(f"schema-valid data refused for its shape: {response.text}")
    return True


def check(case: Any, headers: dict[str, str]) -> None:
    """Send the case and run EVERY schemathesis check on the answer, then ours: errors are problem+json.

    Schemathesis' own ``positive_data_acceptance`` wants 2xx for all schema-valid data; it is replaced by
    ``schema_valid_data_is_not_refused_for_its_shape``, which allows a 422 for a business rule only.
    """
    # The document's bearer scheme makes schemathesis write an (empty) Authorization header; a negative case
    # may leave it out on purpose. Put our token where it wrote one, and send none for anonymous runs.
    generated = case.headers or {}
    token = headers.get("Authorization")
    case.headers = {name: value for name, value in generated.items() if name.lower() != "authorization"}
    if token is not None and any(name.lower() == "authorization" for name in generated):
        case.headers["Authorization"] = token
    response = case.call_and_validate(timeout=60, excluded_checks=[positive_data_acceptance])
    if response.status_code >= 400:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith(PROBLEM), (response.status_code, response.text)
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
        check(case, headers)

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
