"""Staying up, second round: /health sees a full database, the per-token limit cannot be dodged by
rewriting the header, a wrong-token lock-out does not shut out colleagues at the same address, and batch
lines over the API show the account name beside the masked account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from payments.factory import approve, participant, project
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.api.limits import ServiceLimits
from ledger.db.engine import transaction
from ledger.db.models import Role, Setting

API = "/api/v1"
PROBLEM = "application/problem+json"




# ------------------------------------------------------------------------------------ /health when full


def test_health_is_503_when_the_database_file_is_full(db_file: Path, token_on: Callable[..., str]) -> None:
    app = create_app(f"sqlite:///{db_file}", limits=ServiceLimits.unlimited())
    database: LedgerDatabase = app.state[STATE_KEY]
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token_on(app)}"}
        database.engine.dispose()

        @event.listens_for(database.engine, "connect")
        def no_room(dbapi_connection: Any, _record: Any) -> None:  # the file may not grow by one more page
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        # Fill whatever room is left, as a busy ledger on a full disk would.
        for i in range(300):
            written = client.post(f"{API}/participants", headers=headers,
                                  json={"name": f"Participant {i} " + "x" * 100, "payment_preference": "voucher"})
            if written.status_code != 201:
                break
        assert written.status_code == 503, "the database never filled up: the test proved nothing"
        assert written.json()["type"].endswith("storage-full")

        health = client.get(f"{API}/health")
        assert health.status_code == 503, health.text
        assert health.headers["content-type"].startswith(PROBLEM)
        assert health.json()["type"].endswith("storage-full")
        assert "full" in health.json()["detail"]


def test_health_probe_writes_nothing(backend_database_url: str) -> None:
    app = create_app(backend_database_url, limits=ServiceLimits.unlimited())
    database: LedgerDatabase = app.state[STATE_KEY]
    with TestClient(app) as client:
        with database.session_factory() as session:
            before = session.scalar(select(func.count()).select_from(Setting))
        for _ in range(3):
            health = client.get(f"{API}/health")
            assert health.status_code == 200, health.text
            assert health.json()["database"] == "writable"
        with database.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Setting)) == before
    database.engine.dispose()


# ------------------------------------------------------------------------------------------ rate limits


def tight() -> ServiceLimits:
    return ServiceLimits(auth_failures=("minute", 3), anonymous=("minute", 5), per_token=("minute", 8))


@pytest.fixture
def limited(database_url: str, token_on: Callable[..., str]) -> Iterator[tuple[TestClient[Litestar], str]]:
    app = create_app(database_url, limits=tight())
    with TestClient(app) as client:
        yield client, token_on(app, name="good")


def assert_429(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert int(response.headers["retry-after"]) >= 1


def test_rewriting_the_header_does_not_dodge_the_per_token_limit(
        limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    spellings = [f"Bearer {good}", f"bearer {good}", f"Bearer  {good}", f"Bearer {good} ", f"BEARER {good}",
                 f" Bearer {good}", f"Bearer   {good}", f"bEaReR {good}"]
    for spelling in spellings:  # each is the same valid token, and each counts against it
        assert client.get(f"{API}/me", headers={"Authorization": spelling}).status_code == 200
    for spelling in [f"Bearer {good}", f"bearer  {good}  ", f"Bearer    {good}"]:
        assert_429(client.get(f"{API}/me", headers={"Authorization": spelling}))


def test_a_valid_token_gets_through_while_its_address_is_locked_out(
        limited: tuple[TestClient[Litestar], str]) -> None:
    client, good = limited
    wrong = {"Authorization": "Bearer not-a-real-token"}
    for _ in range(3):
        assert client.get(f"{API}/me", headers=wrong).status_code == 401
    assert_429(client.get(f"{API}/me", headers=wrong))
    # A colleague behind the same address (one office NAT) is not locked out...
    colleague = client.get(f"{API}/me", headers={"Authorization": f"Bearer {good}"})
    assert colleague.status_code == 200, colleague.text
    assert colleague.json()["name"] == "good"
    # ...and their success does not lift the lock-out for the wrong tokens.
    locked = client.get(f"{API}/me", headers={"Authorization": "Bearer another-guess"})
    assert_429(locked)
    assert "Retry-After" in locked.json()["detail"]


# ------------------------------------------------------------------------------ batch lines over the API


def test_api_batch_lines_show_the_account_name_beside_the_masked_account(
        client: TestClient[Litestar], make_token: Any, auth: Any, session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as s:
        proj = project(s, "ELLIS")
        margaret = participant(s, "Margaret Ellis", account_name="DANIEL OKAFOR")
        approve(s, margaret, proj, date(2025, 5, 1), 2000)
        margaret_id = margaret.id
    builder = auth(make_token(Role.FINANCE, name="Bea Builder"))
    created = client.post(f"{API}/batches", json={"method": "bank_transfer"}, headers=builder)
    assert created.status_code == 201, created.text
    line = next(line for line in created.json()["lines"] if line["participant"] == margaret_id)
    # The line is Margaret Ellis's; the account it pays into is named, so a stranger's account stands out.
    assert line["participant_name"] == "Margaret Ellis"
    assert line["paid_to"] == "DANIEL OKAFOR **-**-99 ****4958"
    shown = client.get(f"{API}/batches/{created.json()['id']}", headers=auth(make_token(Role.AUDITOR)))
    assert shown.status_code == 200, shown.text
    assert {line["paid_to"] for line in shown.json()["lines"]} == {"DANIEL OKAFOR **-**-99 ****4958"}
