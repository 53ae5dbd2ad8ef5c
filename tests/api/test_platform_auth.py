"""Tokens: 401 without a valid one, 403 for a role that may not, public routes open to all."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from litestar import Controller, Litestar, get, post
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.auth import PUBLIC_ROUTE, require_roles
from ledger.db.engine import transaction
from ledger.db.models import ApiToken, Participant, PaymentPreference, Project, Role
from ledger.errors import Invalid
from ledger.security.actor import Actor
from ledger.security.tokens import TOKEN_PREFIX, authenticate, create_token, revoke

Auth = Callable[[str], dict[str, str]]


class RoleProbe(Controller):
    path = "/probe"

    @post("/leads-only", guards=[require_roles(Role.LEAD)], sync_to_thread=False)
    def leads_only(self, actor: Actor) -> dict[str, Any]:
        return {"role": actor.role.value, "token": actor.token_id}

    @get("/public", sync_to_thread=False, **PUBLIC_ROUTE)
    def public(self, optional_actor: Actor | None) -> dict[str, Any]:
        return {"who": optional_actor.name if optional_actor else None}


@pytest.fixture
def api_handlers() -> Sequence[Any]:
    return [RoleProbe]


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


def add_participant(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        person = Participant(reference="P-0001", name="Ada", payment_preference=PaymentPreference.VOUCHER)
        session.add(person)
        session.flush()
        return person.id


def add_project(factory: sessionmaker[Session], code: str = "CARE") -> int:
    with transaction(factory) as session:
        project = Project(code=code, name="Care pathway", rate_card="nihr-style", currency="GBP")
        session.add(project)
        session.flush()
        return project.id


def assert_401(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_missing_malformed_and_unknown_tokens_are_401(client: TestClient[Litestar]) -> None:
    assert_401(client.get("/api/v1/me"))
    assert_401(client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}))
    assert_401(client.get("/api/v1/me", headers={"Authorization": "Bearer"}))
    assert_401(client.get("/api/v1/me", headers={"Authorization": f"Bearer {TOKEN_PREFIX}not-a-real-token"}))


def test_valid_token_names_the_caller(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    project = add_project(session_factory)
    token = make_token("lead", name="Jo (lead)", project_ids=[project])
    assert token.startswith(TOKEN_PREFIX)
    body = client.get("/api/v1/me", headers=auth(token)).json()
    assert body["name"] == "Jo (lead)" and body["role"] == "lead" and body["project_ids"] == [project]


def test_revoked_token_is_401(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    token = make_token("finance")
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    with transaction(session_factory) as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.role == "finance"))
        assert token_id is not None
        revoke(session, token_id)
    assert_401(client.get("/api/v1/me", headers=auth(token)))


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("auditor", 200), ("lead", 403), ("finance", 403), ("participant", 403)]
)
def test_audit_trail_is_for_admins_and_auditors(
    client: TestClient[Litestar],
    make_token: Callable[..., str],
    auth: Auth,
    session_factory: sessionmaker[Session],
    role: str,
    status: int,
) -> None:
    scope = {"participant_id": add_participant(session_factory)} if role == "participant" else {}
    response = client.get("/api/v1/audit", headers=auth(make_token(role, **scope)))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert f"A {role} token may not do this" in response.json()["detail"]


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("lead", 201), ("finance", 403), ("auditor", 403)])
def test_require_roles_always_admits_admin(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, role: str, status: int
) -> None:
    response = client.post("/api/v1/probe/leads-only", headers=auth(make_token(role)))
    assert response.status_code == status, response.text


def test_public_routes_need_no_token_but_check_one_that_is_sent(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth
) -> None:
    assert client.get("/api/v1/probe/public").json() == {"who": None}
    assert client.get("/api/v1/probe/public", headers=auth(make_token("auditor", name="Kim"))).json() == {"who": "Kim"}
    assert_401(client.get("/api/v1/probe/public", headers=auth("ldg_revoked-or-made-up")))
    assert client.get("/api/v1/health").status_code == 200


def test_only_the_hash_of_a_secret_is_stored(
    client: TestClient[Litestar], session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        token, secret = create_token(session, "Sam", Role.FINANCE)
    with transaction(session_factory) as session:
        stored = session.get(ApiToken, token.id)
        assert stored is not None
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert all(secret not in str(value) for value in vars(stored).values())
        actor = authenticate(session, secret)
        assert actor is not None and actor.role is Role.FINANCE and actor.token_id == token.id
        assert authenticate(session, secret + "x") is None
        assert authenticate(session, "") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  ", "role": "admin"}, "name"),
        ({"name": "x", "role": "owner"}, "role"),
        ({"name": "x", "role": "participant"}, "participant_id"),
        ({"name": "x", "role": "participant", "participant_id": 999}, "participant_id"),
        ({"name": "x", "role": "finance", "participant_id": "PARTICIPANT"}, "participant_id"),
        ({"name": "x", "role": "finance", "project_ids": ["PROJECT"]}, "project_ids"),
        ({"name": "x", "role": "lead", "project_ids": [999]}, "project_ids"),
    ],
)
def test_create_token_refuses_bad_scopes(
    client: TestClient[Litestar], session_factory: sessionmaker[Session], kwargs: dict[str, Any], field: str
) -> None:
    participant = add_participant(session_factory)
    project = add_project(session_factory)
    resolved = dict(kwargs)
    if resolved.get("participant_id") == "PARTICIPANT":
        resolved["participant_id"] = participant
    if resolved.get("project_ids") == ["PROJECT"]:
        resolved["project_ids"] = [project]
    with transaction(session_factory) as session, pytest.raises(Invalid) as caught:
        create_token(session, **resolved)
    assert caught.value.problems[0].field == field
    with transaction(session_factory) as session:
        assert session.scalar(select(ApiToken.id)) is None


def test_participant_and_lead_scopes_are_kept(
    client: TestClient[Litestar], session_factory: sessionmaker[Session]
) -> None:
    participant = add_participant(session_factory)
    first, second = add_project(session_factory, "A"), add_project(session_factory, "B")
    with transaction(session_factory) as session:
        _, p_secret = create_token(session, "Ada", "participant", participant_id=participant)
        _, l_secret = create_token(session, "Jo", "lead", project_ids=[second, first, second])
        _, all_secret = create_token(session, "Lee", "lead")
    with transaction(session_factory) as session:
        p_actor, l_actor, all_actor = (authenticate(session, s) for s in (p_secret, l_secret, all_secret))
    assert p_actor is not None and p_actor.participant_id == participant
    assert l_actor is not None and l_actor.project_ids == (first, second)
    assert l_actor.can_see_project(first) and not l_actor.can_see_project(first + second + 1)
    assert all_actor is not None and all_actor.project_ids is None
