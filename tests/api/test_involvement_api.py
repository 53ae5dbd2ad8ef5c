"""The involvement API end to end through the test client, for every role that uses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from ledger.db.models import Role

API = "/api/v1"
BANK = {"account_name": "J SMITH", "sort_code": "12-34-56", "account_number": "12345678"}

Client = TestClient[Litestar]


class World:
    """Tokens for each role, one project and two participants, made through the API itself."""

    def __init__(self, client: Client, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]) -> None:
        self.client = client
        self.auth = auth
        self.admin = make_token(Role.ADMIN)
        self.lead = make_token(Role.LEAD, name="Lee (records)")
        self.approver = make_token(Role.LEAD, name="Amy (approves)")
        self.finance = make_token(Role.FINANCE)
        self.auditor = make_token(Role.AUDITOR)
        self.project = self.ok("post", "/projects", self.admin, {"code": "STEER", "name": "Steering group",
                                                                  "rate_card": "nihr-style", "budget": "2000.00"})
        self.jo = self.ok("post", "/participants", self.lead,
                          {"name": "Jo Smith", "payment_preference": "bank_transfer", "bank": BANK})
        self.sam = self.ok("post", "/participants", self.lead, {"name": "Sam Lee", "payment_preference": "voucher",
                                                                "watch_limits": [{"period": "week", "amount": "30.00",
                                                                                  "label": "ESA permitted work"}]})
        self.jo_token = make_token(Role.PARTICIPANT, participant_id=self.jo["id"])
        self.scoped_lead = make_token(Role.LEAD, project_ids=[self.project["id"]])

    def call(self, method: str, path: str, token: str | None, body: Any = None, **headers: str) -> Any:
        all_headers = {**(self.auth(token) if token else {}), **headers}
        return self.client.request(method.upper(), API + path, json=body, headers=all_headers)

    def ok(self, method: str, path: str, token: str, body: Any = None) -> Any:
        response = self.call(method, path, token, body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def meeting(self, token: str | None = None, **extra: Any) -> Any:
        body = {"project": self.project["id"], "date": "2026-01-07", "activity": "meeting", "attendees": [
            {"participant": self.jo["id"], "involvement_minutes": 90, "role": "chair"},
            {"participant": self.sam["id"], "involvement_minutes": 90},
        ], **extra}
        return self.call("post", "/activities", token or self.lead, body)


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    """Run every test here on SQLite, and on PostgreSQL too when LEDGER_TEST_DATABASE_URL is set."""
    return backend_database_url


@pytest.fixture
def world(client: Client, make_token: Callable[..., str], auth: Callable[[str], dict[str, str]]) -> World:
    return World(client, make_token, auth)


def test_participants_are_created_with_a_reference_and_masked_everywhere(world: World) -> None:
    assert world.jo["reference"] == f"P-{world.jo['id']:04d}"
    # Bank details given at creation wait for a second person; the response says so, masked.
    assert world.jo["bank"] is None
    pending = world.jo["pending_payee_change"]
    assert pending["proposed"]["bank"] == {"account_name": "J SMITH", "sort_code": "**-**-56",
                                           "account_number": "****5678"}
    world.ok("post", f"/payee-changes/{pending['id']}/confirm", world.finance)
    confirmed = world.ok("get", f"/participants/{world.jo['id']}", world.lead)
    assert confirmed["bank"] == {"account_name": "J SMITH", "sort_code": "**-**-56", "account_number": "****5678"}
    assert confirmed["pending_payee_change"] is None
    for path in ("/participants", f"/participants/{world.jo['id']}"):
        response = world.call("get", path, world.auditor)
        assert response.status_code == 200 and "12345678" not in response.text and "123456" not in response.text
    patched = world.call("patch", f"/participants/{world.jo['id']}", world.lead, {"preferred_name": "Jo"})
    assert patched.status_code == 200 and patched.json()["preferred_name"] == "Jo"
    assert "12345678" not in patched.text
    audit = world.call("get", "/audit", world.auditor)
    assert audit.status_code == 200 and "12345678" not in audit.text


def test_bad_participant_input_names_the_field(world: World) -> None:
    response = world.call("post", "/participants", world.lead, {"name": "X", "payment_preference": "bank_transfer",
                                                                "bank": {**BANK, "sort_code": "12-34"}})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["bank.sort_code"]
    response = world.call("post", "/participants", world.lead, {"name": "X", "payment_preference": "cash"})
    assert response.status_code == 422 and "payment_preference" in response.text
    assert world.call("get", "/participants/999999", world.lead).status_code == 404


@pytest.mark.parametrize("email", ["ann@example.org\r\nBcc: x@example.org", "ann@example.org, bob@example.org",
                                   "Ann <ann@example.org>", "ann@localhost"])
def test_an_address_we_could_not_send_to_is_refused_at_entry(world: World, email: str) -> None:
    """The same one rule the message worker applies (``ledger.email_address.usable_address``)."""
    response = world.call("post", "/participants", world.lead, {"name": "Ann", "payment_preference": "voucher",
                                                                "email": email})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["email"]
    assert "an e-mail address we can send to" in response.text
    created = world.ok("post", "/participants", world.lead, {"name": "Ann", "payment_preference": "voucher",
                                                             "email": "ann@example.org"})
    changed = world.call("patch", f"/participants/{created['id']}", world.lead, {"email": email})
    assert changed.status_code == 422 and [e["field"] for e in changed.json()["errors"]] == ["email"]


def test_projects_admin_creates_duplicates_conflict_and_leads_see_their_scope(world: World) -> None:
    duplicate = world.call("post", "/projects", world.admin, {"code": "STEER", "name": "x", "rate_card": "nihr-style"})
    assert duplicate.status_code == 409
    unknown = world.call("post", "/projects", world.admin, {"code": "NEW", "name": "x", "rate_card": "nope"})
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["rate_card"]
    assert world.call("post", "/projects", world.lead, {"code": "L", "name": "x", "rate_card": "nihr-style"}
                      ).status_code == 403
    other = world.ok("post", "/projects", world.admin, {"code": "OTHER", "name": "Other", "rate_card": "nihr-style"})
    assert other["currency"] == "GBP"
    scoped = world.ok("get", "/projects", world.scoped_lead)
    assert [p["code"] for p in scoped["items"]] == ["STEER"] and scoped["total"] == 1
    assert world.call("get", f"/projects/{other['id']}", world.scoped_lead).status_code == 403
    assert world.ok("get", "/projects", world.finance)["total"] == 2


def test_record_approve_and_read_balance(world: World) -> None:
    created = world.meeting()
    assert created.status_code == 201, created.text
    records = created.json()["records"]
    assert [r["status"] for r in records] == ["submitted", "submitted"]
    assert records[0]["quote"]["fees_total"] == "61.88"
    assert records[1]["quote"]["warnings"][0]["label"] == "ESA permitted work"
    jo_record = records[0]["id"]
    own = world.call("post", f"/records/{jo_record}/approve", world.lead)
    assert own.status_code == 403 and "Ask a colleague" in own.json()["detail"]
    approved = world.call("post", f"/records/{jo_record}/approve", world.approver)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["quote"]["version_from"] == "2025-12-16"
    assert body["quote"]["lines"][0]["kind"] == "involvement" and body["warnings"] == []
    assert world.call("post", f"/records/{jo_record}/approve", world.approver).status_code == 409
    balance = world.ok("get", f"/participants/{world.jo['id']}/balance", world.finance)
    assert balance["owed"] == {"fees": "61.88", "expenses": "0.00", "total": "61.88"}
    assert balance["paid"]["total"] == "0.00" and balance["declined"]["minutes"] == 0
    sam_approved = world.ok("post", f"/records/{records[1]['id']}/approve", world.approver)
    assert sam_approved["warnings"][0]["fees_after"] == "41.25"


def test_reject_reverse_and_correct(world: World) -> None:
    records = world.meeting().json()["records"]
    first, second = records[0]["id"], records[1]["id"]
    no_reason = world.call("post", f"/records/{first}/reject", world.approver, {})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    blank = world.call("post", f"/records/{first}/reject", world.approver, {"reason": " "})
    assert blank.status_code == 422 and [e["field"] for e in blank.json()["errors"]] == ["reason"]
    rejected = world.ok("post", f"/records/{first}/reject", world.approver, {"reason": "Wrong date"})
    assert rejected["status"] == "rejected"
    world.ok("post", f"/records/{second}/approve", world.approver)
    reversed_ = world.ok("post", f"/records/{second}/reverse", world.approver, {"reason": "Not at the meeting"})
    assert reversed_["status"] == "reversed"
    assert world.call("post", f"/records/{second}/reverse", world.approver, {"reason": "again"}).status_code == 409
    fixed = world.call("post", f"/records/{first}/corrections", world.lead, {"involvement_minutes": 60})
    # Only the minutes change: Jo is still the chair (60 min at £41.25), not paid as a member (£27.50).
    assert fixed.status_code == 201 and fixed.json()["quote"]["fees_total"] == "41.25"
    assert fixed.json()["changes"]["fields"] == [{"field": "involvement_minutes", "old": "1 h 30 min", "new": "1 h"}]
    got = world.ok("get", f"/records/{fixed.json()['id']}", world.auditor)
    assert got["corrects_record"] == first and got["status"] == "submitted"
    corrected_reversal = world.call("post", f"/records/{second}/corrections", world.lead, {"involvement_minutes": 30})
    assert corrected_reversal.status_code == 201  # a reversed record can be corrected too, once
    assert world.call("post", f"/records/{second}/corrections", world.lead, {"involvement_minutes": 30}
                      ).status_code == 409


def test_activity_input_problems_are_422_naming_the_place_and_nothing_is_saved(world: World) -> None:
    response = world.call("post", "/activities", world.lead, {
        "project": world.project["id"], "date": "2026-01-07", "activity": "meeting", "attendees": [
            {"participant": world.jo["id"], "involvement_minutes": 60},
            {"participant": world.sam["id"], "involvement_minutes": 60,
             "expenses": [{"category": "taxi", "amount": "25.00"}]},
        ]})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["attendees[1].expenses[0].receipt"]
    missing = world.call("post", "/activities", world.lead, {"project": world.project["id"], "date": "2026-01-07",
                                                             "activity": "meeting"})
    assert missing.status_code == 422 and "attendees" in missing.text
    sneaky = world.meeting(attendees=[{"participant": world.jo["id"], "involvement_minutes": 60,
                                       "mileage": {"vehicle": "car", "miles": 5, "miles_earlier_in_tax_year": 1}}])
    assert sneaky.status_code == 422 and "miles_earlier_in_tax_year" in sneaky.text
    assert world.ok("get", "/records", world.auditor)["total"] == 0
    assert world.call("get", "/records/999999", world.auditor).status_code == 404
    huge = 2**70
    assert world.call("get", f"/records/{huge}", world.auditor).status_code == 422
    assert world.call("get", f"/participants/{huge}/balance", world.auditor).status_code == 422
    too_big = world.meeting(attendees=[{"participant": huge, "involvement_minutes": 60}])
    assert too_big.status_code == 422 and "attendees[0].participant" in too_big.text
    assert world.call("post", "/records/999999/approve", world.approver).status_code == 404


def test_idempotent_activity_submission_records_once(world: World) -> None:
    first = world.meeting()
    assert first.status_code == 201
    headers = {"Idempotency-Key": "meeting-2026-01-07"}
    body = {"project": world.project["id"], "date": "2026-01-08", "activity": "meeting",
            "attendees": [{"participant": world.jo["id"], "involvement_minutes": 60}]}
    one = world.call("post", "/activities", world.lead, body, **headers)
    two = world.call("post", "/activities", world.lead, body, **headers)
    assert (one.status_code, two.status_code) == (201, 201) and one.json() == two.json()
    assert world.ok("get", "/records", world.auditor)["total"] == 3


def test_roles(world: World) -> None:
    record_id = world.meeting().json()["records"][0]["id"]
    assert world.call("get", "/records", world.finance).status_code == 403
    assert world.call("post", "/participants", world.finance, {"name": "x", "payment_preference": "decline"}
                      ).status_code == 403
    assert world.meeting(world.auditor).status_code == 403
    assert world.call("post", f"/records/{record_id}/approve", world.auditor).status_code == 403
    assert world.call("get", "/records", None).status_code == 401
    # The participant reads only their own things.
    mine = world.ok("get", "/records", world.jo_token)
    assert [r["participant"] for r in mine["items"]] == [world.jo["id"]]
    assert world.call("get", f"/participants/{world.sam['id']}", world.jo_token).status_code == 403
    assert world.call("get", f"/participants/{world.sam['id']}/balance", world.jo_token).status_code == 403
    own_balance = world.ok("get", f"/participants/{world.jo['id']}/balance", world.jo_token)
    assert own_balance["reference"] == world.jo["reference"]
    sam_record = world.ok("get", "/records", world.auditor)["items"][0]
    assert world.call("get", f"/records/{sam_record['id']}", world.jo_token).status_code == 403
    assert world.call("post", f"/records/{record_id}/approve", world.jo_token).status_code == 403
    # A lead limited to projects reads records of those projects only.
    assert world.ok("get", "/records", world.scoped_lead)["total"] == 2
