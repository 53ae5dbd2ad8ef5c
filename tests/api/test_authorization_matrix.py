"""Who may call what: every route of the app against every kind of caller, written out from API.md.

The routes come from the app itself, so a new route without a row here FAILS. "Allowed" means the
request got past the role and scope checks: any status but 401 and 403 (a 404, 409 or 422 is the
route doing its work). "Denied" means 401 without a token and 403 with one.

Where the table goes beyond API.md's role table it follows the user docs (say so in the row):
* leads read statements of people involved in their projects (docs/payments.md, section 9);
* leads read the spend of their own projects: the sum of the records of their projects they may read;
* finance reads projects (the spend reports are per project) and ``GET /health`` is public
  (docs/administrators.md, for monitoring); ``GET /me`` answers any token.
The targets are one participant (Jo) with a record in project P1, recorded by a third lead, and a
batch built by a second finance token, so no row is refused for being the recorder or the builder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from payments.factory import set_organisation

from ledger.api.app import API_PREFIX, SCHEMA_PATH, create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.clock import today
from ledger.db.engine import transaction
from ledger.db.models import Role
from ledger.security.tokens import create_token

API = "/api/v1"
BANK = {"account_name": "J SMITH", "sort_code": "12-34-56", "account_number": "12345678"}

CALLERS = ("admin", "lead", "lead_elsewhere", "finance", "auditor", "participant", "other_participant", "anonymous")
EVERYONE = frozenset(CALLERS)
TOKENS = EVERYONE - {"anonymous"}
ADMIN = frozenset({"admin"})
LEADS = frozenset({"lead", "lead_elsewhere"})
FINANCE = frozenset({"admin", "finance"})
FINANCE_READ = FINANCE | {"auditor"}


def api_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path template) of every route the app serves under /api/v1, but its OpenAPI pages."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            continue  # the web pages have their own matrix (tests/web/test_page_matrix.py)
        if route.path.startswith(SCHEMA_PATH):
            continue
        for handler in route.route_handlers:
            found.update((method, route.path) for method in handler.http_methods if method not in ("OPTIONS", "HEAD"))
    return found


# (method, route) -> (concrete path, body, who may). Jo is "participant"; "lead_elsewhere" covers only P2.
MATRIX: dict[tuple[str, str], tuple[str, Any, frozenset[str]]] = {
    ("GET", f"{API}/health"): ("/health", None, EVERYONE),  # public: docs/administrators.md
    ("GET", f"{API}/me"): ("/me", None, TOKENS),
    ("GET", f"{API}/rate-cards"): ("/rate-cards", None, EVERYONE),  # public: API.md
    ("GET", f"{API}/rate-cards/{{key:str}}"): ("/rate-cards/nihr-style", None, EVERYONE),
    ("POST", f"{API}/quotes"): ("/quotes", {"rate_card": "nihr-style", "date": "2026-01-07", "activity": "meeting",
                                            "involvement_minutes": 60}, EVERYONE),
    # lead: create and update participants, read participants; auditor reads everything; a participant
    # token reads its own (the list shows only itself). A lead limited to projects sees only the people
    # who belong to them (Jo belongs to P1, so "lead_elsewhere" is refused; its list is simply shorter),
    # and must name one of its projects when adding someone (a 422 here, not a refusal).
    ("POST", f"{API}/participants"): ("/participants", {"name": "New", "payment_preference": "voucher"},
                                      ADMIN | LEADS),
    ("GET", f"{API}/participants"): ("/participants", None,
                                     ADMIN | LEADS | {"auditor", "participant", "other_participant"}),
    ("GET", f"{API}/participants/{{participant_id:int}}"): ("/participants/{jo}", None,
                                                            frozenset({"admin", "lead", "auditor", "participant"})),
    ("PATCH", f"{API}/participants/{{participant_id:int}}"): ("/participants/{jo}", {"preferred_name": "Jo"},
                                                              frozenset({"admin", "lead"})),
    ("POST", f"{API}/participants/{{participant_id:int}}/projects"): (
        "/participants/{jo}/projects", {"project": "{p1}"}, frozenset({"admin", "lead"})),
    # payee changes (four eyes): finance and administrators decide, auditors read; leads propose them
    # through PATCH /participants. Sam's pending bank change was proposed by the recorder.
    ("GET", f"{API}/payee-changes"): ("/payee-changes", None, FINANCE_READ),
    ("GET", f"{API}/payee-changes/{{change_id:int}}"): ("/payee-changes/{change}", None, FINANCE_READ),
    ("POST", f"{API}/payee-changes/{{change_id:int}}/confirm"): ("/payee-changes/{change}/confirm", None, FINANCE),
    ("POST", f"{API}/payee-changes/{{change_id:int}}/refuse"): ("/payee-changes/{change}/refuse",
                                                                {"reason": "Not asked for"}, FINANCE),
    # balances: lead of their projects, finance, auditor, the participant themself
    ("GET", f"{API}/participants/{{participant_id:int}}/balance"): (
        "/participants/{jo}/balance", None, frozenset({"admin", "lead", "finance", "auditor", "participant"})),
    # statements: finance, auditor, the participant; leads of their projects (docs/payments.md)
    ("GET", f"{API}/participants/{{participant_id:int}}/statement"): (
        "/participants/{jo}/statement?format=json", None,
        frozenset({"admin", "lead", "finance", "auditor", "participant"})),
    # retention and erasure (UK GDPR): administrators only (docs/administrators.md). Jo's retention period
    # has not ended, so the administrator's erasure is a 409 that changes nothing.
    ("GET", f"{API}/participants/retention"): ("/participants/retention", None, ADMIN),
    ("POST", f"{API}/participants/{{participant_id:int}}/erasure"): ("/participants/{jo}/erasure", None, ADMIN),
    # projects: created by admin; read by leads (their own), finance (reports) and auditors
    ("POST", f"{API}/projects"): ("/projects", {"code": "NEW", "name": "New", "rate_card": "nihr-style"}, ADMIN),
    ("GET", f"{API}/projects"): ("/projects", None, ADMIN | LEADS | {"finance", "auditor"}),
    ("GET", f"{API}/projects/{{project_id:int}}"): ("/projects/{p1}", None,
                                                    frozenset({"admin", "lead", "finance", "auditor"})),
    ("GET", f"{API}/projects/{{project_id:int}}/spend"): ("/projects/{p1}/spend", None,
                                                          frozenset({"admin", "lead", "finance", "auditor"})),
    ("GET", f"{API}/reports/spend"): ("/reports/spend", None, ADMIN | LEADS | {"finance", "auditor"}),
    # records: leads record and decide in their projects; auditors and the participant read
    ("POST", f"{API}/activities"): ("/activities", {
        "project": "{p1}", "date": "2026-01-14", "activity": "meeting",
        "attendees": [{"participant": "{jo}", "involvement_minutes": 60}]}, frozenset({"admin", "lead"})),
    ("GET", f"{API}/records"): ("/records", None, ADMIN | LEADS | {"auditor", "participant", "other_participant"}),
    ("GET", f"{API}/records/{{record_id:int}}"): ("/records/{record}", None,
                                                  frozenset({"admin", "lead", "auditor", "participant"})),
    ("POST", f"{API}/records/{{record_id:int}}/approve"): ("/records/{record}/approve", None,
                                                           frozenset({"admin", "lead"})),
    ("POST", f"{API}/records/{{record_id:int}}/reject"): ("/records/{record}/reject", {"reason": "Not there"},
                                                          frozenset({"admin", "lead"})),
    ("POST", f"{API}/records/{{record_id:int}}/reverse"): ("/records/{record}/reverse", {"reason": "Twice"},
                                                           frozenset({"admin", "lead"})),
    ("POST", f"{API}/records/{{record_id:int}}/corrections"): ("/records/{record}/corrections",
                                                               {"involvement_minutes": 30},
                                                               frozenset({"admin", "lead"})),
    # imports (docs/importing.md): leads and administrators; a lead limited to some projects imports only into
    # them (each row for another project is a problem on that row, so "lead_elsewhere" gets past the guard).
    # The matrix sends no multipart form, so allowed callers get a 400 for the missing form.
    ("POST", f"{API}/imports"): ("/imports", None, ADMIN | LEADS),
    # the audit trail: administrators and auditors
    ("GET", f"{API}/audit"): ("/audit", None, frozenset({"admin", "auditor"})),
    ("GET", f"{API}/audit/verify"): ("/audit/verify", None, frozenset({"admin", "auditor"})),
    # payments: finance; auditors read (an export changes the batch's status, so it is a write)
    ("POST", f"{API}/batches"): ("/batches", {"method": "bank_transfer"}, FINANCE),
    ("GET", f"{API}/batches"): ("/batches", None, FINANCE_READ),
    ("GET", f"{API}/batches/{{batch_id:int}}"): ("/batches/{batch}", None, FINANCE_READ),
    ("POST", f"{API}/batches/{{batch_id:int}}/approve"): ("/batches/{batch}/approve", None, FINANCE),
    ("GET", f"{API}/batches/{{batch_id:int}}/export"): ("/batches/{batch}/export?format=csv", None, FINANCE),
    ("POST", f"{API}/batches/{{batch_id:int}}/paid"): ("/batches/{batch}/paid", {"paid_on": "{today}"}, FINANCE),
    ("POST", f"{API}/batches/{{batch_id:int}}/lines/{{line_id:int}}/return"): (
        "/batches/{batch}/lines/{line}/return", {"reason": "Account closed"}, FINANCE),
    ("GET", f"{API}/batches/{{batch_id:int}}/remittances"): ("/batches/{batch}/remittances", None, FINANCE_READ),
    ("GET", f"{API}/batches/{{batch_id:int}}/remittances/{{participant_id:int}}"): (
        "/batches/{batch}/remittances/{jo}", None, FINANCE_READ),
    # messages (docs/messages.md): finance acts, auditors read the list. No message exists in this world, so
    # the allowed callers get 404/409/422 (the route doing its work), the others 401/403.
    ("GET", f"{API}/messages"): ("/messages?status=failed", None, FINANCE_READ),
    ("GET", f"{API}/messages/{{message_id:int}}"): ("/messages/999999", None, FINANCE_READ),
    ("POST", f"{API}/messages/{{message_id:int}}/resend"): ("/messages/999999/resend", None, FINANCE),
    ("POST", f"{API}/messages/statements"): ("/messages/statements", {"participant": "{jo}"}, FINANCE),
    ("POST", f"{API}/messages/year-end"): ("/messages/year-end", {}, FINANCE),
    ("GET", f"{API}/messages/letters"): ("/messages/letters?batch={batch}", None, FINANCE),
    # recognition (docs/recognition.md): a person, a lead of their projects or an admin issues and withdraws
    # records of involvement (auditors list them); anyone checks a code; leads add outcomes in their projects
    ("POST", f"{API}/participants/{{participant_id:int}}/involvement-records"): (
        "/participants/{jo}/involvement-records", {"format": "json"}, frozenset({"admin", "lead", "participant"})),
    ("GET", f"{API}/participants/{{participant_id:int}}/involvement-records"): (
        "/participants/{jo}/involvement-records", None, frozenset({"admin", "lead", "auditor", "participant"})),
    ("POST", f"{API}/involvement-records/{{record_id:int}}/withdraw"): (
        "/involvement-records/{involvement_record}/withdraw", {"reason": "lost"},
        frozenset({"admin", "lead", "participant"})),
    ("GET", f"{API}/verify/{{code:str}}"): ("/verify/0000000000000000", None, EVERYONE),  # public: a 404 here
    ("POST", f"{API}/outcomes"): ("/outcomes", {"project": "{p1}", "date": "{today}", "text": "New leaflet"},
                                  frozenset({"admin", "lead"})),
    ("GET", f"{API}/outcomes"): ("/outcomes", None, ADMIN | LEADS | {"auditor"}),
    ("GET", f"{API}/outcomes/overdue"): ("/outcomes/overdue", None, ADMIN | LEADS | {"auditor"}),
    ("GET", f"{API}/projects/{{project_id:int}}/involvement"): ("/projects/{p1}/involvement", None,
                                                              frozenset({"admin", "lead", "finance", "auditor"})),
    ("GET", f"{API}/participants/{{participant_id:int}}/outcomes"): (
        "/participants/{jo}/outcomes", None, frozenset({"admin", "lead", "finance", "auditor", "participant"})),
}


@dataclass
class World:
    client: TestClient[Litestar]
    tokens: dict[str, str]
    ids: dict[str, Any]

    def call(self, caller: str, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[caller]}"} if caller in self.tokens else {}
        return self.client.request(method, API + path.format(**self.ids), json=_fill(body, self.ids),
                                   headers=headers)

    def ok(self, caller: str, method: str, path: str, body: Any = None) -> Any:
        response = self.call(caller, method, path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()


def _fill(body: Any, ids: dict[str, Any]) -> Any:
    """Put the world's ids into a body template (``"{jo}"`` becomes Jo's id)."""
    if isinstance(body, dict):
        return {key: _fill(value, ids) for key, value in body.items()}
    if isinstance(body, list):
        return [_fill(value, ids) for value in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        value = ids[body[1:-1]]
        return value
    return body


def build_world(tmp_path: Path) -> Iterator[World]:
    app = create_app(f"sqlite:///{tmp_path / 'ledger.db'}")
    with TestClient(app) as client:
        database: LedgerDatabase = app.state[STATE_KEY]
        set_organisation(database.session_factory)  # batches need the organisation's details

        def token(name: str, role: Role, projects: list[int] | None = None, participant: int | None = None) -> str:
            with transaction(database.session_factory) as session:
                return create_token(session, name, role, projects, participant)[1]

        tokens = {"admin": token("admin", Role.ADMIN), "recorder": token("recorder", Role.LEAD),
                  "builder": token("builder", Role.FINANCE)}
        world = World(client, tokens, {"today": today().isoformat()})
        p1 = world.ok("admin", "POST", "/projects", {"code": "P1", "name": "One", "rate_card": "nihr-style"})["id"]
        p2 = world.ok("admin", "POST", "/projects", {"code": "P2", "name": "Two", "rate_card": "nihr-style"})["id"]
        jo = world.ok("recorder", "POST", "/participants",
                      {"name": "Jo", "payment_preference": "bank_transfer", "bank": BANK})["id"]
        sam = world.ok("recorder", "POST", "/participants", {"name": "Sam", "payment_preference": "voucher"})["id"]
        world.ids.update(p1=p1, p2=p2, jo=jo, sam=sam)
        jo_bank = world.ok("admin", "GET", f"/payee-changes?participant={jo}")["items"][0]["id"]
        world.ok("admin", "POST", f"/payee-changes/{jo_bank}/confirm")  # a second person: Jo can be paid
        world.ids["change"] = world.ok("recorder", "PATCH", f"/participants/{sam}",
                                       {"bank": BANK})["pending_payee_change"]["id"]
        activity = {"project": p1, "date": "2026-01-07", "activity": "meeting",
                    "attendees": [{"participant": jo, "involvement_minutes": 90}]}
        paid = world.ok("recorder", "POST", "/activities", activity)["records"][0]["id"]
        world.ok("admin", "POST", f"/records/{paid}/approve")
        batch = world.ok("builder", "POST", "/batches", {"method": "bank_transfer"})
        world.ids.update(batch=batch["id"], line=batch["lines"][0]["id"])
        record = world.ok("recorder", "POST", "/activities", {**activity, "date": "2026-01-08"})
        world.ids["record"] = record["records"][0]["id"]
        world.ids["involvement_record"] = world.ok("admin", "POST", f"/participants/{jo}/involvement-records",
                                                   {"format": "json"})["id"]
        tokens.update(
            lead=token("lead", Role.LEAD),
            lead_elsewhere=token("lead elsewhere", Role.LEAD, projects=[p2]),
            finance=token("finance", Role.FINANCE),
            auditor=token("auditor", Role.AUDITOR),
            participant=token("jo", Role.PARTICIPANT, participant=jo),
            other_participant=token("sam", Role.PARTICIPANT, participant=sam),
        )
        yield world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from build_world(tmp_path)


def test_every_route_has_a_row_in_the_matrix(world: World) -> None:
    app = world.client.app
    assert isinstance(app, Litestar)
    routes = api_routes(app)
    assert routes - set(MATRIX) == set(), "a route without a row: say who may call it"
    assert set(MATRIX) - routes == set(), "a row for a route that no longer exists"


def test_each_caller_gets_exactly_what_the_role_table_allows(world: World) -> None:
    """Denied callers go first on each route (they must change nothing), then the allowed ones in turn."""
    wrong: list[str] = []
    for (method, route), (path, body, allowed) in MATRIX.items():
        denied = [c for c in CALLERS if c not in allowed]
        for caller in [*denied, *(c for c in CALLERS if c in allowed)]:
            response = world.call(caller, method, path, body)
            status = response.status_code
            if status >= 500:
                wrong.append(f"{method} {route} as {caller}: server error {status}")
            elif caller in allowed and status in (401, 403):
                wrong.append(f"{method} {route} as {caller}: refused {status} ({response.json()['detail']})")
            elif caller not in allowed:
                expected = 401 if caller == "anonymous" else 403
                if status != expected:
                    wrong.append(f"{method} {route} as {caller}: {status}, expected {expected}")
                elif not response.headers["content-type"].startswith("application/problem+json"):
                    wrong.append(f"{method} {route} as {caller}: refusal is not problem+json")
    assert wrong == [], "\n".join(wrong)


def test_a_lead_never_decides_a_record_they_recorded(world: World) -> None:
    record = world.ids["record"]
    for action, body in (("approve", None), ("reject", {"reason": "mine"}), ("reverse", {"reason": "mine"})):
        response = world.call("recorder", "POST", f"/records/{record}/{action}", body)
        if action != "reverse":  # a submitted record cannot be reversed by anyone (409): skip to approval
            assert response.status_code == 403, (action, response.text)
            assert "recorded" in response.json()["detail"]
    world.ok("lead", "POST", f"/records/{record}/approve")
    refused = world.call("recorder", "POST", f"/records/{record}/reverse", {"reason": "mine"})
    assert refused.status_code == 403 and "recorded" in refused.json()["detail"], refused.text
    with_own_token = world.ok("recorder", "POST", "/activities", {
        "project": world.ids["p1"], "date": "2026-01-09", "activity": "meeting",
        "attendees": [{"participant": world.ids["sam"], "involvement_minutes": 30}]})["records"][0]["id"]
    assert world.call("recorder", "POST", f"/records/{with_own_token}/approve").status_code == 403
    assert world.call("lead", "POST", f"/records/{with_own_token}/approve").status_code == 200


def test_a_participant_token_reads_only_its_own_data(world: World) -> None:
    jo, sam = world.ids["jo"], world.ids["sam"]
    listed = world.ok("participant", "GET", "/participants")
    assert [p["id"] for p in listed["items"]] == [jo] and listed["total"] == 1
    records = world.ok("participant", "GET", "/records")
    assert records["total"] >= 2 and {r["participant"] for r in records["items"]} == {jo}
    assert world.ok("other_participant", "GET", "/records")["total"] == 0
    filtered = world.ok("other_participant", "GET", f"/records?participant={jo}")
    assert filtered["total"] == 0, "a filter must not widen what a participant token sees"
    for path in (f"/participants/{jo}", f"/participants/{jo}/balance", f"/participants/{jo}/statement?format=json",
                 f"/records/{world.ids['record']}"):
        assert world.call("participant", "GET", path).status_code == 200, path
        refused = world.call("other_participant", "GET", path)
        assert refused.status_code == 403, (path, refused.text)
    assert world.ok("participant", "GET", f"/participants/{jo}/balance")["participant"] == jo
    own_statement = world.ok("other_participant", "GET", f"/participants/{sam}/statement?format=json")
    assert "Jo" not in str(own_statement)
    for path in ("/projects", "/batches", "/audit", "/reports/spend"):
        assert world.call("participant", "GET", path).status_code == 403, path
