"""``/payee-changes`` and project-scoped ``/participants`` end to end, on SQLite and PostgreSQL.

A lead's change of bank details is pending until finance (or an administrator) other than the proposer
confirms it; a lead of project A gets 403 on a project-B person for every way of reaching them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.db.models import Role

API = "/api/v1"
PROBLEM = "application/problem+json"
BANK = {"account_name": "J SMITH", "sort_code": "12-34-56", "account_number": "12345678"}
NEW_BANK = {"account_name": "MALLORY", "sort_code": "20-00-00", "account_number": "55779911"}
SECRETS = ("12345678", "55779911", "123456", "200000")

Client = TestClient[Litestar]


class World:
    """Projects A and B, Jo in A (bank confirmed), Sam in B, and tokens for each role."""

    def __init__(self, client: Client, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]) -> None:
        self.client = client
        self.auth = auth
        self.admin = make_token(Role.ADMIN, name="Ada Admin")
        self.lead = make_token(Role.LEAD, name="Lee Lead")
        self.finance = make_token(Role.FINANCE, name="Finn Finance")
        self.finance_2 = make_token(Role.FINANCE, name="Fran Finance")
        self.auditor = make_token(Role.AUDITOR)
        new_project = {"rate_card": "nihr-style"}
        self.a = self.ok("post", "/projects", self.admin, {**new_project, "code": "A", "name": "Project A"})["id"]
        self.b = self.ok("post", "/projects", self.admin, {**new_project, "code": "B", "name": "Project B"})["id"]
        self.lead_a = make_token(Role.LEAD, name="Lead of A", project_ids=[self.a])
        self.lead_b = make_token(Role.LEAD, name="Lead of B", project_ids=[self.b])
        jo = self.ok("post", "/participants", self.lead_a, {
            "name": "Jo Smith", "payment_preference": "bank_transfer", "bank": BANK, "projects": [self.a]})
        self.jo = jo["id"]
        self.ok("post", f"/payee-changes/{jo['pending_payee_change']['id']}/confirm", self.finance)
        self.sam = self.ok("post", "/participants", self.lead_b, {
            "name": "Sam Lee", "payment_preference": "voucher", "projects": [self.b]})["id"]

    def call(self, method: str, path: str, token: str | None, body: Any = None) -> Any:
        return self.client.request(method.upper(), API + path, json=body, headers=self.auth(token) if token else {})

    def ok(self, method: str, path: str, token: str, body: Any = None) -> Any:
        response = self.call(method, path, token, body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def refused(self, method: str, path: str, token: str, status: int, body: Any = None) -> dict[str, Any]:
        response = self.call(method, path, token, body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        problem: dict[str, Any] = response.json()
        return problem


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


@pytest.fixture
def world(client: Client, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]) -> World:
    return World(client, make_token, auth)


def _jo_bank(world: World) -> Any:
    return world.ok("get", f"/participants/{world.jo}", world.lead)["bank"]


def test_a_patched_bank_change_is_pending_and_the_response_says_so(world: World) -> None:
    response = world.call("patch", f"/participants/{world.jo}", world.lead_a, {"bank": NEW_BANK})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bank"]["account_number"] == "****5678", "the confirmed details stay in effect"
    pending = body["pending_payee_change"]
    assert pending["status"] == "pending" and pending["changed"] == ["bank"]
    assert pending["proposed"]["bank"] == {"account_name": "MALLORY", "sort_code": "**-**-00",
                                           "account_number": "****9911"}
    assert pending["proposed_by"] == "Lead of A" and "Not in effect yet" in pending["message"]
    assert not any(secret in response.text for secret in SECRETS)
    shown = world.ok("get", f"/participants/{world.jo}", world.lead_a)
    assert shown["pending_payee_change"]["id"] == pending["id"]
    listed = world.ok("get", "/participants", world.lead_a)
    assert listed["items"][0]["pending_payee_change"]["id"] == pending["id"]

    one = world.ok("get", f"/payee-changes/{pending['id']}", world.auditor)
    assert one["current"]["bank"]["account_number"] == "****5678"
    assert one["proposed"]["bank"]["account_number"] == "****9911"
    assert one["participant_reference"] == f"P-{world.jo:04d}" and one["proposed_by"] == "Lead of A"
    queue = world.ok("get", "/payee-changes", world.finance)
    assert [c["id"] for c in queue["items"]] == [pending["id"]] and queue["total"] == 1

    confirmed = world.ok("post", f"/payee-changes/{pending['id']}/confirm", world.finance)
    assert confirmed["status"] == "confirmed" and confirmed["decided_by"] == "Finn Finance"
    assert _jo_bank(world)["account_number"] == "****9911"
    assert world.ok("get", "/payee-changes", world.finance)["total"] == 0
    assert world.ok("get", "/payee-changes?status=all", world.auditor)["total"] == 2


def test_a_lead_and_an_auditor_cannot_confirm_and_the_proposer_cannot_confirm_their_own(world: World) -> None:
    change = world.ok("patch", f"/participants/{world.jo}", world.admin, {"bank": NEW_BANK})["pending_payee_change"]
    for token in (world.lead, world.lead_a, world.auditor):
        world.refused("post", f"/payee-changes/{change['id']}/confirm", token, 403)
        world.refused("post", f"/payee-changes/{change['id']}/refuse", token, 403, {"reason": "no"})
    own = world.refused("post", f"/payee-changes/{change['id']}/confirm", world.admin, 403)
    assert "you cannot confirm it yourself" in own["detail"]
    assert _jo_bank(world)["account_number"] == "****5678"
    world.ok("post", f"/payee-changes/{change['id']}/confirm", world.finance_2)
    assert _jo_bank(world)["account_number"] == "****9911"
    again = world.refused("post", f"/payee-changes/{change['id']}/confirm", world.finance, 409)
    assert "already confirmed" in again["detail"]


def test_a_refused_change_never_takes_effect(world: World) -> None:
    change = world.ok("patch", f"/participants/{world.jo}", world.lead, {"bank": NEW_BANK})["pending_payee_change"]
    problem = world.refused("post", f"/payee-changes/{change['id']}/refuse", world.finance, 422, {"reason": " "})
    assert [e["field"] for e in problem["errors"]] == ["reason"]
    refused = world.ok("post", f"/payee-changes/{change['id']}/refuse", world.finance,
                       {"reason": "Jo did not ask for it (phoned on the number we hold)"})
    assert refused["status"] == "refused" and refused["reason"].startswith("Jo did not ask")
    world.refused("post", f"/payee-changes/{change['id']}/confirm", world.finance_2, 409)
    assert _jo_bank(world)["account_number"] == "****5678"
    assert world.ok("get", f"/participants/{world.jo}", world.lead)["pending_payee_change"] is None


def test_a_newer_change_supersedes_the_older_one(world: World) -> None:
    first = world.ok("patch", f"/participants/{world.jo}", world.lead, {"bank": NEW_BANK})["pending_payee_change"]
    second = world.ok("patch", f"/participants/{world.jo}", world.lead_a,
                      {"payment_preference": "voucher"})["pending_payee_change"]
    assert second["id"] != first["id"]
    assert second["proposed"]["payment_preference"] == "voucher"
    assert second["proposed"]["bank"]["account_number"] == "****5678", "not the other lead's pending account"
    assert world.ok("get", f"/payee-changes/{first['id']}", world.finance)["status"] == "superseded"
    world.refused("post", f"/payee-changes/{first['id']}/confirm", world.finance, 409)
    assert [c["id"] for c in world.ok("get", "/payee-changes", world.finance)["items"]] == [second["id"]]


def test_unknown_changes_and_bad_filters(world: World) -> None:
    world.refused("get", "/payee-changes/999999", world.finance, 404)
    world.refused("post", "/payee-changes/999999/confirm", world.finance, 404)
    response = world.call("get", "/payee-changes?status=maybe", world.finance)
    assert response.status_code in (400, 422) and response.headers["content-type"].startswith(PROBLEM)
    world.refused("get", "/payee-changes", world.lead, 403)
    assert world.call("get", "/payee-changes", None).status_code == 401


def test_the_audit_trail_shows_masked_details_and_both_people(world: World) -> None:
    change = world.ok("patch", f"/participants/{world.jo}", world.lead, {"bank": NEW_BANK})["pending_payee_change"]
    world.ok("post", f"/payee-changes/{change['id']}/confirm", world.finance_2)
    audit = world.call("get", "/audit?limit=500", world.auditor)
    assert audit.status_code == 200
    assert not any(secret in audit.text for secret in SECRETS), "full bank numbers in the audit trail"
    events = [e for e in audit.json()["items"] if e["action"] == "payee_change.confirm"
              and e["entity_id"] == str(change["id"])]
    assert len(events) == 1
    after = events[0]["after"]
    assert after["proposed_by"] == "Lee Lead" and after["confirmed_by"] == "Fran Finance"
    assert after["bank_account_number"] == "****9911" and events[0]["before"]["bank_account_number"] == "****5678"


# ------------------------------------------------------------------------------------------ scope


def test_a_lead_of_project_a_gets_403_on_a_project_b_participant(world: World) -> None:
    sam = world.sam
    for method, path, body in [
        ("get", f"/participants/{sam}", None),
        ("patch", f"/participants/{sam}", {"bank": NEW_BANK}),
        ("patch", f"/participants/{sam}", {"payment_preference": "decline"}),
        ("patch", f"/participants/{sam}", {"preferred_name": "S"}),
        ("get", f"/participants/{sam}/balance", None),
        ("post", f"/participants/{sam}/projects", {"project": world.a}),
        ("post", "/quotes", {"rate_card": "nihr-style", "date": "2026-01-07", "activity": "meeting",
                             "involvement_minutes": 60, "participant": sam}),
        ("post", "/activities", {"project": world.a, "date": "2026-01-07", "activity": "meeting",
                                 "attendees": [{"participant": sam, "involvement_minutes": 60}]}),
    ]:
        problem = world.refused(method, path, world.lead_a, 403, body)
        assert problem["status"] == 403, (method, path)
    assert world.ok("get", f"/participants/{sam}", world.lead)["pending_payee_change"] is None
    assert world.ok("get", "/payee-changes", world.finance)["total"] == 0
    # ... and the same lead reads, changes and quotes for their own person
    assert world.ok("get", f"/participants/{world.jo}", world.lead_a)["id"] == world.jo
    quote = world.ok("post", "/quotes", world.lead_a, {"rate_card": "nihr-style", "date": "2026-01-07",
                                                       "activity": "meeting", "involvement_minutes": 60,
                                                       "participant": world.jo})
    assert quote["total"]


def test_a_scoped_lead_lists_only_their_people(world: World) -> None:
    assert [p["id"] for p in world.ok("get", "/participants", world.lead_a)["items"]] == [world.jo]
    assert [p["id"] for p in world.ok("get", "/participants", world.lead_b)["items"]] == [world.sam]
    assert world.ok("get", "/participants?search=Sam", world.lead_a)["total"] == 0
    assert world.ok("get", "/participants", world.lead)["total"] == 2


def test_a_scoped_lead_names_one_of_their_projects_when_adding_someone(world: World) -> None:
    problem = world.refused("post", "/participants", world.lead_a, 422,
                            {"name": "New", "payment_preference": "voucher"})
    assert [e["field"] for e in problem["errors"]] == ["projects"]
    world.refused("post", "/participants", world.lead_a, 403,
                  {"name": "New", "payment_preference": "voucher", "projects": [world.b]})
    made = world.ok("post", "/participants", world.lead_a,
                    {"name": "New", "payment_preference": "voucher", "projects": [world.a]})
    assert world.ok("get", f"/participants/{made['id']}", world.lead_a)["id"] == made["id"]
    world.refused("get", f"/participants/{made['id']}", world.lead_b, 403)


def test_an_administrator_adds_someone_to_another_project(world: World) -> None:
    world.refused("get", f"/participants/{world.sam}", world.lead_a, 403)
    added = world.ok("post", f"/participants/{world.sam}/projects", world.admin, {"project": world.a})
    assert added == {"participant": world.sam, "projects": [world.a, world.b]}
    assert world.ok("get", f"/participants/{world.sam}", world.lead_a)["id"] == world.sam
    again = world.ok("post", f"/participants/{world.sam}/projects", world.admin, {"project": world.a})
    assert again["projects"] == [world.a, world.b]
