"""One transaction per request: a failed request leaves nothing behind, and a failed commit is an error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import pytest
from litestar import Controller, Litestar, post
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.auth import require_roles
from ledger.audit import record_event
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, IdempotencyRecord, Project, Role
from ledger.errors import invalid_field
from ledger.security.actor import Actor

Auth = Callable[[str], dict[str, str]]


class ProjectIn(msgspec.Struct):
    code: str


class WriteProbe(Controller):
    path = "/probe"
    guards = (require_roles(Role.LEAD),)

    @post("/projects", sync_to_thread=True)
    def create(self, data: ProjectIn, db_session: Session, actor: Actor) -> dict[str, Any]:
        project = Project(code=data.code, name=data.code, rate_card="nihr-style", currency="GBP")
        db_session.add(project)
        db_session.flush()
        record_event(db_session, actor, "project.create", "project", project.id, None, {"code": data.code})
        return {"id": project.id}

    @post("/write-then-fail/{how:str}", sync_to_thread=True)
    def write_then_fail(self, how: str, db_session: Session, actor: Actor) -> None:
        project = Project(code="DOOMED", name="doomed", rate_card="nihr-style", currency="GBP")
        db_session.add(project)
        db_session.flush()
        record_event(db_session, actor, "project.create", "project", project.id, None, {"code": "DOOMED"})
        if how == "invalid":
            raise invalid_field("code", "is not allowed")
        raise RuntimeError("boom")

    @post("/late-duplicate/{code:str}", sync_to_thread=True)
    def late_duplicate(self, code: str, db_session: Session) -> dict[str, str]:
        db_session.add(Project(code=code, name="again", rate_card="nihr-style", currency="GBP"))
        return {"status": "looks fine until the commit"}


@pytest.fixture
def api_handlers() -> Sequence[Any]:
    return [WriteProbe]


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


def count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_success_commits_work_and_audit(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = auth(make_token("lead"))
    before = count(session_factory, AuditEvent)
    response = client.post("/api/v1/probe/projects", json={"code": "OK1"}, headers=headers)
    assert response.status_code == 201
    assert count(session_factory, Project) == 1
    assert count(session_factory, AuditEvent) == before + 1


@pytest.mark.parametrize(("how", "status"), [("invalid", 422), ("crash", 500)])
def test_failed_request_leaves_nothing(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Auth,
    session_factory: sessionmaker[Session],
    how: str,
    status: int,
) -> None:
    headers = auth(make_token("lead"))
    events_before = count(session_factory, AuditEvent)
    response = client.post(f"/api/v1/probe/write-then-fail/{how}", headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count(session_factory, Project) == 0
    assert count(session_factory, AuditEvent) == events_before


def test_commit_failure_is_an_error_not_a_false_success(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = auth(make_token("lead"))
    assert client.post("/api/v1/probe/projects", json={"code": "DUP"}, headers=headers).status_code == 201
    response = client.post("/api/v1/probe/late-duplicate/DUP", headers={**headers, "Idempotency-Key": "k-dup"})
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count(session_factory, Project) == 1
    assert count(session_factory, IdempotencyRecord) == 0  # released, so a fixed retry may run
