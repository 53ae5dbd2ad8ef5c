"""Idempotency-Key: replay the first answer, refuse a reused key, never run one request twice at once."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec
import pytest
from litestar import Controller, Litestar, post
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ledger.api import idempotency
from ledger.api.auth import PUBLIC_ROUTE, require_roles
from ledger.db.base import utcnow
from ledger.db.engine import READ_ONLY, transaction
from ledger.db.models import IdempotencyRecord, Project, Role
from ledger.errors import Conflict, invalid_field

Auth = Callable[[str], dict[str, str]]


class ProjectIn(msgspec.Struct):
    code: str


class Gate:
    """Lets a test hold a request inside its handler (no sleeps, no timing)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()


GATE = Gate()
FLAKY: dict[str, int] = {"failures_left": 0}


def new_project(session: Session, code: str) -> dict[str, Any]:
    project = Project(code=code, name=code, rate_card="nihr-style", currency="GBP")
    session.add(project)
    session.flush()
    return {"id": project.id, "code": code, "nonce": uuid.uuid4().hex}


class IdempotencyProbe(Controller):
    path = "/probe"

    @post("/projects", guards=[require_roles(Role.LEAD)], sync_to_thread=True)
    def create(self, data: ProjectIn, db_session: Session) -> dict[str, Any]:
        if data.code == "":
            raise invalid_field("code", "must not be empty")
        if FLAKY["failures_left"] > 0:
            FLAKY["failures_left"] -= 1
            raise RuntimeError("temporary failure")
        return new_project(db_session, data.code)

    @post("/slow", guards=[require_roles(Role.LEAD)], sync_to_thread=True)
    def slow(self, data: ProjectIn, db_session: Session) -> dict[str, Any]:
        GATE.entered.set()
        assert GATE.release.wait(timeout=60), "the test never released the gate"
        return new_project(db_session, data.code)

    @post("/public-nonce", sync_to_thread=False, **PUBLIC_ROUTE)
    def public_nonce(self) -> dict[str, str]:
        return {"nonce": uuid.uuid4().hex}


@pytest.fixture
def api_handlers() -> Sequence[Any]:
    return [IdempotencyProbe]


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


@pytest.fixture(autouse=True)
def fresh_probe_state() -> Iterator[None]:
    global GATE
    GATE = Gate()
    FLAKY["failures_left"] = 0
    yield
    GATE.release.set()


def projects(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(Project)) or 0


def test_same_key_same_body_replays_the_first_response(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": "a1"}
    first = client.post("/api/v1/probe/projects", json={"code": "P1"}, headers=headers)
    second = client.post("/api/v1/probe/projects", json={"code": "P1"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert projects(session_factory) == 1


def test_same_key_different_body_is_409(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": "a2"}
    assert client.post("/api/v1/probe/projects", json={"code": "P1"}, headers=headers).status_code == 201
    response = client.post("/api/v1/probe/projects", json={"code": "P2"}, headers=headers)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "Idempotency key reused"
    assert projects(session_factory) == 1


def test_keys_belong_to_a_token(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    one = client.post(
        "/api/v1/probe/projects", json={"code": "A"}, headers={**auth(make_token("lead")), "Idempotency-Key": "shared"}
    )
    two = client.post(
        "/api/v1/probe/projects", json={"code": "B"}, headers={**auth(make_token("lead")), "Idempotency-Key": "shared"}
    )
    assert one.status_code == two.status_code == 201
    assert projects(session_factory) == 2


def test_a_refused_request_does_not_use_up_its_key(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    """Fix a rejected request and send it again with the same key: it is done (issue 8.7)."""
    headers = {**auth(make_token("lead")), "Idempotency-Key": "bad-then-fixed"}
    first = client.post("/api/v1/probe/projects", json={"code": ""}, headers=headers)
    assert first.status_code == 422
    fixed = client.post("/api/v1/probe/projects", json={"code": "FIXED"}, headers=headers)
    assert fixed.status_code == 201 and "idempotent-replayed" not in fixed.headers
    again = client.post("/api/v1/probe/projects", json={"code": "FIXED"}, headers=headers)
    assert again.status_code == 201 and again.content == fixed.content
    assert again.headers["idempotent-replayed"] == "true"
    assert projects(session_factory) == 1


def test_a_server_error_frees_the_key(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    FLAKY["failures_left"] = 1
    headers = {**auth(make_token("lead")), "Idempotency-Key": "crash-then-retry"}
    crashed = client.post("/api/v1/probe/projects", json={"code": "R"}, headers=headers)
    assert crashed.status_code == 500
    retried = client.post("/api/v1/probe/projects", json={"code": "R"}, headers=headers)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert projects(session_factory) == 1


def keys_stored(factory: sessionmaker[Session]) -> int:
    with factory() as session:  # read-only: on SQLite it must not queue behind a writer
        session.connection(execution_options={READ_ONLY: True})
        return session.scalar(select(func.count()).select_from(IdempotencyRecord)) or 0


def test_concurrent_duplicate_gets_409_in_progress(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": "same-time"}
    results: dict[str, Any] = {}

    def first_request() -> None:
        results["first"] = client.post("/api/v1/probe/slow", json={"code": "S"}, headers=headers)

    worker = threading.Thread(target=first_request)
    worker.start()
    assert GATE.entered.wait(timeout=60)
    duplicate = client.post("/api/v1/probe/slow", json={"code": "S"}, headers=headers)
    # Nothing is written while the key is held, so a server killed now would leave the key free.
    assert keys_stored(session_factory) == 0
    GATE.release.set()
    worker.join(timeout=60)
    assert not worker.is_alive()

    assert duplicate.status_code == 409
    assert duplicate.json()["title"] == "Request already in progress"
    assert results["first"].status_code == 201
    replay = client.post("/api/v1/probe/slow", json={"code": "S"}, headers=headers)
    assert replay.status_code == 201 and replay.content == results["first"].content
    assert projects(session_factory) == 1


def test_a_pending_key_left_by_an_earlier_version_is_free_at_once(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": "orphan"}
    GATE.release.set()
    assert client.post("/api/v1/probe/slow", json={"code": "O"}, headers=headers).status_code == 201
    with transaction(session_factory) as session:  # a "pending" row written a second ago by a request that died
        session.execute(update(IdempotencyRecord).values(status_code=0, created_at=utcnow()))
        session.execute(Project.__table__.delete())
    response = client.post("/api/v1/probe/slow", json={"code": "O"}, headers=headers)
    assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    assert projects(session_factory) == 1 and keys_stored(session_factory) == 1


@pytest.mark.postgres
def test_postgresql_hold_ends_with_the_transaction_that_took_it(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    """Across server processes the key is an advisory lock of the request's own transaction: it is
    refused to a second transaction while the first lives, and free the moment the first ends."""
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's")
    with session_factory() as holder, session_factory() as other:
        idempotency.hold_in_transaction(holder, 7, "k")
        with pytest.raises(Conflict, match="still being processed"):
            idempotency.hold_in_transaction(other, 7, "k")
        other.rollback()
        idempotency.hold_in_transaction(other, 7, "another key")  # other keys are not held up
        other.rollback()
        holder.connection().invalidate()  # the request's connection dies (as with a killed server)
        holder.rollback()
        _hold_once_the_server_sees_the_connection_gone(other, 7, "k")
        other.rollback()


def _hold_once_the_server_sees_the_connection_gone(session: Session, token_id: int, key: str) -> None:
    """PostgreSQL ends a dropped connection's backend (and its locks) a moment after the socket closes,
    not at once; wait for that (a bounded wait for an event, not a timing check), then the key is free."""
    deadline = time.monotonic() + 30
    while True:
        try:
            idempotency.hold_in_transaction(session, token_id, key)
            return
        except Conflict:
            session.rollback()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_anonymous_keys_work_on_public_routes(client: TestClient[Litestar]) -> None:
    first = client.post("/api/v1/probe/public-nonce", headers={"Idempotency-Key": "anon"})
    second = client.post("/api/v1/probe/public-nonce", headers={"Idempotency-Key": "anon"})
    other = client.post("/api/v1/probe/public-nonce", headers={"Idempotency-Key": "anon-2"})
    assert first.status_code == 201 and second.content == first.content
    assert other.content != first.content


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, b"caf\xe9", "tab\there"])
def test_bad_keys_are_422(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Auth,
    session_factory: sessionmaker[Session],
    key: str | bytes,
) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": key}
    response = client.post("/api/v1/probe/projects", json={"code": "K"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert projects(session_factory) == 0


def test_without_a_key_nothing_is_stored(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = auth(make_token("lead"))
    assert client.post("/api/v1/probe/projects", json={"code": "N1"}, headers=headers).status_code == 201
    assert client.post("/api/v1/probe/projects", json={"code": "N2"}, headers=headers).status_code == 201
    with transaction(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
