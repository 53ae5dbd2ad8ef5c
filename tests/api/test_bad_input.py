"""Bad bodies for every POST and PATCH: a 422 (400 for broken JSON) problem+json naming the field, and
nothing written.

The list of writing routes comes from the app itself, so a new POST or PATCH without bad-input cases
here fails ``test_every_writing_route_has_bad_input_cases``. Each case checks the status, the
``application/problem+json`` type, that ``errors`` names the offending field, and that not one row in
any table changed (rows are counted in every table before and after).
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
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.app import SCHEMA_PATH, create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.api.limits import ServiceLimits
from ledger.clock import today
from ledger.db.engine import transaction
from ledger.db.models import Base, Role
from ledger.security.tokens import create_token

API = "/api/v1"
BANK = {"account_name": "J SMITH", "sort_code": "12-34-56", "account_number": "12345678"}
PROBLEM = "application/problem+json"
MALFORMED = b'{"name": "Jo",'  # cut off mid-object
PROGRAMMER_WORDS = ("Expected `", "RFC3339", "Please check", "body: 'data'", "Invalid enum value", "$.")


def writing_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path template) of every POST and PATCH the app serves under /api/v1."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(SCHEMA_PATH) or not route.path.startswith(API):
            continue
        for handler in route.route_handlers:
            found.update((method, route.path) for method in handler.http_methods if method in ("POST", "PATCH"))
    return found


@dataclass
class World:
    """One ledger with something in every state a writing route needs, built through the API."""

    client: TestClient[Litestar]
    factory: sessionmaker[Session]
    tokens: dict[str, str]
    ids: dict[str, int]

    def call(self, method: str, path: str, token: str | None, body: Any = None, raw: bytes | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return self.client.request(method, API + path, content=raw, headers=headers)
        return self.client.request(method, API + path, json=body, headers=headers)

    def ok(self, method: str, path: str, token: str, body: Any = None) -> Any:
        response = self.call(method, path, token, body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def row_counts(self) -> dict[str, int]:
        with self.factory() as session:
            return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                    for table in Base.metadata.sorted_tables}


def _meeting(world: World, on: str, *participants: int) -> list[int]:
    body = {"project": world.ids["project"], "date": on, "activity": "meeting",
            "attendees": [{"participant": p, "involvement_minutes": 90} for p in participants]}
    return [r["id"] for r in world.ok("POST", "/activities", "lead", body)["records"]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("bad_input") / "ledger.db"
    app = create_app(f"sqlite:///{path}", limits=ServiceLimits.unlimited())  # hundreds of requests, one client
    with TestClient(app) as client:
        database: LedgerDatabase = app.state[STATE_KEY]
        set_organisation(database.session_factory)  # batches need the organisation's details
        tokens: dict[str, str] = {}
        for name, role in [("admin", Role.ADMIN), ("lead", Role.LEAD), ("approver", Role.LEAD),
                           ("finance", Role.FINANCE), ("finance2", Role.FINANCE)]:
            with transaction(database.session_factory) as session:
                tokens[name] = create_token(session, name, role, None, None)[1]
        w = World(client, database.session_factory, tokens, {})
        w.ids["project"] = w.ok("POST", "/projects", "admin",
                                {"code": "BAD", "name": "Bad input", "rate_card": "nihr-style"})["id"]
        jo = w.ids["jo"] = w.ok("POST", "/participants", "lead",
                                {"name": "Jo", "payment_preference": "bank_transfer", "bank": BANK})["id"]
        sam = w.ids["sam"] = w.ok("POST", "/participants", "lead",
                                  {"name": "Sam", "payment_preference": "voucher"})["id"]
        # Jo's bank details take effect once a second person confirms them; Sam's change stays pending.
        jo_change = w.ok("GET", f"/payee-changes?participant={jo}", "finance2")["items"][0]["id"]
        w.ok("POST", f"/payee-changes/{jo_change}/confirm", "finance2")
        w.ids["change"] = w.ok("PATCH", f"/participants/{sam}", "lead", {"bank": BANK})["pending_payee_change"]["id"]
        paid_record, w.ids["submitted"] = _meeting(w, "2026-01-07", jo, sam)
        w.ok("POST", f"/records/{paid_record}/approve", "approver")
        batch = w.ok("POST", "/batches", "finance", {"method": "bank_transfer"})
        w.ids["batch"], w.ids["line"] = batch["id"], batch["lines"][0]["id"]
        w.ok("POST", f"/batches/{batch['id']}/approve", "finance2")
        assert w.call("GET", f"/batches/{batch['id']}/export?format=csv", "finance").status_code == 200
        w.ok("POST", f"/batches/{batch['id']}/paid", "finance", {"paid_on": today().isoformat()})
        [w.ids["approved"]] = _meeting(w, "2026-01-14", jo)
        w.ok("POST", f"/records/{w.ids['approved']}/approve", "approver")
        [w.ids["rejected"]] = _meeting(w, "2026-01-21", jo)
        w.ok("POST", f"/records/{w.ids['rejected']}/reject", "approver", {"reason": "Not at this meeting"})
        yield w


# A good body for each writing route, and the bad versions: (label, body or raw bytes, status, field).
Case = tuple[str, Any, int, str | None]
ATTENDEE = {"participant": 1, "involvement_minutes": 90}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def _without(base: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k != key}


PARTICIPANT = {"name": "New Person", "payment_preference": "voucher"}
PROJECT = {"code": "NEW", "name": "New project", "rate_card": "nihr-style", "budget": "100.00"}
ACTIVITY = {"project": 1, "date": "2026-01-07", "activity": "meeting", "attendees": [ATTENDEE]}
QUOTE = {"rate_card": "nihr-style", "date": "2026-01-07", "activity": "meeting", "involvement_minutes": 90}
CORRECTION = {"involvement_minutes": 60}


def _expense(amount: Any) -> list[dict[str, Any]]:
    return [{"category": "parking", "amount": amount, "receipt": "R1"}]


def _limit(amount: Any) -> list[dict[str, Any]]:
    return [{"period": "week", "amount": amount, "label": "ESA permitted work"}]


BAD: dict[tuple[str, str], tuple[str, str, list[Case]]] = {
    # (method, route template): (path with {ids}, token, cases)
    ("POST", f"{API}/participants"): ("/participants", "lead", [
        ("missing name", _without(PARTICIPANT, "name"), 422, "name"),
        ("name of wrong type", _with(PARTICIPANT, name=["Jo"]), 422, "name"),
        ("empty name", _with(PARTICIPANT, name=""), 422, "name"),
        ("unknown field", _with(PARTICIPANT, colour="blue"), 422, "colour"),
        ("unknown payment preference", _with(PARTICIPANT, payment_preference="cash"), 422, "payment_preference"),
        ("negative watch limit", _with(PARTICIPANT, watch_limits=_limit("-5.00")), 422, "watch_limits[0].amount"),
        ("three decimal places", _with(PARTICIPANT, watch_limits=_limit("12.345")), 422, "watch_limits[0].amount"),
        ("money as a JSON number", _with(PARTICIPANT, watch_limits=_limit(12.5)), 422, "watch_limits[0].amount"),
        ("money too large", _with(PARTICIPANT, watch_limits=_limit("1e999")), 422, "watch_limits[0].amount"),
        ("money overflowing storage", _with(PARTICIPANT, watch_limits=_limit("99999999999999999999.00")), 422,
         "watch_limits[0].amount"),
        ("sort code in other digits", _with(PARTICIPANT, payment_preference="bank_transfer",
                                            bank={**BANK, "sort_code": "١٢٣٤٥٦"}), 422, "bank.sort_code"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("PATCH", f"{API}/participants/{{participant_id:int}}"): ("/participants/{jo}", "lead", [
        ("empty name", {"name": ""}, 422, "name"),
        ("name of wrong type", {"name": 7}, 422, "name"),
        ("unknown field", {"nickname": "J"}, 422, "nickname"),
        ("unknown statement style", {"statement_style": "tiny"}, 422, "statement_style"),
        ("bad sort code", {"bank": {**BANK, "sort_code": "12-34"}}, 422, "bank.sort_code"),
        ("negative watch limit", {"watch_limits": _limit("-1.00")}, 422, "watch_limits[0].amount"),
        ("three decimal places", {"watch_limits": _limit("12.345")}, 422, "watch_limits[0].amount"),
        ("money as a JSON number", {"watch_limits": _limit(12.5)}, 422, "watch_limits[0].amount"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/participants/{{participant_id:int}}/projects"): ("/participants/{jo}/projects", "lead", [
        ("missing project", {}, 422, "project"),
        ("project of wrong type", {"project": "BAD"}, 422, "project"),
        ("project id zero", {"project": 0}, 422, "project"),
        ("no such project", {"project": 999_999}, 422, "project"),
        ("unknown field", {"project": 1, "role": "chair"}, 422, "role"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/payee-changes/{{change_id:int}}/confirm"): ("/payee-changes/{id}/confirm", "finance", [
        ("id zero", 0, 422, "change_id"),
        ("id beyond BIGINT", 2**64, 422, "change_id"),
    ]),
    ("POST", f"{API}/participants/{{participant_id:int}}/erasure"): ("/participants/{id}/erasure", "admin", [
        # No body: what a client can get wrong is the id (an erasure before the period is a 409, tested
        # in tests/api/test_erasure_api.py).
        ("id zero", 0, 422, "participant_id"),
        ("id beyond BIGINT", 2**64, 422, "participant_id"),
    ]),
    ("POST", f"{API}/payee-changes/{{change_id:int}}/refuse"): ("/payee-changes/{change}/refuse", "finance", [
        ("missing reason", {}, 422, "reason"),
        ("empty reason", {"reason": ""}, 422, "reason"),
        ("blank reason", {"reason": "   "}, 422, "reason"),
        ("reason of wrong type", {"reason": 3}, 422, "reason"),
        ("reason too long", {"reason": "x" * 1001}, 422, "reason"),
        ("unknown field", {"reason": "not asked for", "by": "me"}, 422, "by"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/projects"): ("/projects", "admin", [
        ("missing name", _without(PROJECT, "name"), 422, "name"),
        ("empty code", _with(PROJECT, code=""), 422, "code"),
        ("code of wrong type", _with(PROJECT, code=12), 422, "code"),
        ("unknown field", _with(PROJECT, owner="me"), 422, "owner"),
        ("unknown rate card", _with(PROJECT, rate_card="no-such-card"), 422, "rate_card"),
        ("negative budget", _with(PROJECT, budget="-5.00"), 422, "budget"),
        ("three decimal places", _with(PROJECT, budget="12.345"), 422, "budget"),
        ("money as a JSON number", _with(PROJECT, budget=12.5), 422, "budget"),
        ("not a number", _with(PROJECT, budget="twelve"), 422, "budget"),
        ("money too large", _with(PROJECT, budget="1e999"), 422, "budget"),
        ("money overflowing storage", _with(PROJECT, budget="99999999999999999999.00"), 422, "budget"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/activities"): ("/activities", "lead", [
        ("impossible date", _with(ACTIVITY, date="2026-02-30"), 422, "date"),
        ("date of wrong type", _with(ACTIVITY, date=20260107), 422, "date"),
        ("missing attendees", _without(ACTIVITY, "attendees"), 422, "attendees"),
        ("no attendees", _with(ACTIVITY, attendees=[]), 422, "attendees"),
        ("empty activity", _with(ACTIVITY, activity=""), 422, "activity"),
        ("unknown field", _with(ACTIVITY, venue="Town hall"), 422, "venue"),
        ("unknown attendee field", _with(ACTIVITY, attendees=[{**ATTENDEE, "colour": 1}]), 422,
         "attendees[0].colour"),
        ("minutes of wrong type", _with(ACTIVITY, attendees=[{**ATTENDEE, "involvement_minutes": "ninety"}]), 422,
         "attendees[0].involvement_minutes"),
        ("negative minutes", _with(ACTIVITY, attendees=[{**ATTENDEE, "involvement_minutes": -5}]), 422,
         "attendees[0].involvement_minutes"),
        ("project id out of range", _with(ACTIVITY, project=2**64), 422, "project"),
        ("negative expense", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense("-1.00")}]), 422,
         "attendees[0].expenses[0].amount"),
        ("three decimal places", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense("12.345")}]), 422,
         "attendees[0].expenses[0].amount"),
        ("money as a JSON number", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense(12.5)}]), 422,
         "attendees[0].expenses[0].amount"),
        ("money too large", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense("1e999")}]), 422,
         "attendees[0].expenses[0].amount"),
        # Strict input (P5): dates inside the window, amounts as plain decimals only.
        ("date far in the future", _with(ACTIVITY, date="9999-12-31"), 422, "date"),
        ("date before 2000", _with(ACTIVITY, date="1999-12-31"), 422, "date"),
        ("amount with a space", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense(" 5.00")}]), 422,
         "attendees[0].expenses[0].amount"),
        ("amount as an exponent", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense("1e3")}]), 422,
         "attendees[0].expenses[0].amount"),
        ("amount with a plus sign", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense("+5")}]), 422,
         "attendees[0].expenses[0].amount"),
        ("amount ending in a point", _with(ACTIVITY, attendees=[{**ATTENDEE, "expenses": _expense("5.")}]), 422,
         "attendees[0].expenses[0].amount"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/records/{{record_id:int}}/approve"): ("/records/{id}/approve", "approver", [
        # No body: what a client can get wrong is the id.
        ("id zero", 0, 422, "record_id"),
        ("id beyond BIGINT", 2**64, 422, "record_id"),
    ]),
    ("POST", f"{API}/records/{{record_id:int}}/reject"): ("/records/{submitted}/reject", "approver", [
        ("missing reason", {}, 422, "reason"),
        ("empty reason", {"reason": ""}, 422, "reason"),
        ("blank reason", {"reason": "   "}, 422, "reason"),
        ("reason of wrong type", {"reason": ["late"]}, 422, "reason"),
        ("unknown field", {"reason": "late", "by": "me"}, 422, "by"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/records/{{record_id:int}}/reverse"): ("/records/{approved}/reverse", "approver", [
        ("missing reason", {}, 422, "reason"),
        ("empty reason", {"reason": ""}, 422, "reason"),
        ("reason of wrong type", {"reason": 5}, 422, "reason"),
        ("unknown field", {"reason": "duplicate", "undo": True}, 422, "undo"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/records/{{record_id:int}}/corrections"): ("/records/{rejected}/corrections", "lead", [
        ("nothing to correct", {}, 422, "body"),  # a correction keeps what it leaves out (P7)
        ("minutes of wrong type", {"involvement_minutes": "an hour"}, 422, "involvement_minutes"),
        ("negative minutes", {"involvement_minutes": -1}, 422, "involvement_minutes"),
        ("unknown field", {**CORRECTION, "date": "2026-01-22"}, 422, "date"),
        ("negative expense", {**CORRECTION, "expenses": _expense("-3.00")}, 422, "expenses[0].amount"),
        ("three decimal places", {**CORRECTION, "expenses": _expense("3.001")}, 422, "expenses[0].amount"),
        ("money as a JSON number", {**CORRECTION, "expenses": _expense(3.5)}, 422, "expenses[0].amount"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/quotes"): ("/quotes", "", [
        ("impossible date", _with(QUOTE, date="2026-02-30"), 422, "date"),
        ("missing date", _without(QUOTE, "date"), 422, "date"),
        ("minutes of wrong type", _with(QUOTE, involvement_minutes="ninety"), 422, "involvement_minutes"),
        ("negative minutes", _with(QUOTE, involvement_minutes=-1), 422, "involvement_minutes"),
        ("unknown field", _with(QUOTE, discount="10%"), 422, "discount"),
        ("rate card of wrong type", _with(QUOTE, rate_card=["nihr-style"]), 422, "rate_card"),
        ("negative expense", _with(QUOTE, expenses=_expense("-2.00")), 422, "expenses[0].amount"),
        ("three decimal places", _with(QUOTE, expenses=_expense("12.345")), 422, "expenses[0].amount"),
        ("money as a JSON number", _with(QUOTE, expenses=_expense(12.5)), 422, "expenses[0].amount"),
        ("money too large", _with(QUOTE, expenses=_expense("1e999")), 422, "expenses[0].amount"),
        ("date far in the future", _with(QUOTE, date="9999-12-31"), 422, "date"),
        ("date before 2000", _with(QUOTE, date="1999-12-31"), 422, "date"),
        ("amount with a space", _with(QUOTE, expenses=_expense(" 5.00")), 422, "expenses[0].amount"),
        ("amount as an exponent", _with(QUOTE, expenses=_expense("1e3")), 422, "expenses[0].amount"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/batches"): ("/batches", "finance", [
        ("missing method", {}, 422, "method"),
        ("empty method", {"method": ""}, 422, "method"),
        ("method of wrong type", {"method": 1}, 422, "method"),
        ("impossible date", {"method": "voucher", "up_to": "2026-02-30"}, 422, "up_to"),
        ("unknown field", {"method": "voucher", "amount": "10.00"}, 422, "amount"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/batches/{{batch_id:int}}/approve"): ("/batches/{id}/approve", "finance2", [
        ("id zero", 0, 422, "batch_id"),
        ("id beyond BIGINT", 2**64, 422, "batch_id"),
    ]),
    ("POST", f"{API}/batches/{{batch_id:int}}/paid"): ("/batches/{batch}/paid", "finance", [
        ("missing date", {}, 422, "paid_on"),
        ("impossible date", {"paid_on": "2026-02-30"}, 422, "paid_on"),
        ("empty date", {"paid_on": ""}, 422, "paid_on"),
        ("date of wrong type", {"paid_on": 20260120}, 422, "paid_on"),
        ("unknown field", {"paid_on": "2026-01-20", "by": "BACS"}, 422, "by"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/batches/{{batch_id:int}}/lines/{{line_id:int}}/return"): (
        "/batches/{batch}/lines/{line}/return", "finance", [
            ("missing reason", {}, 422, "reason"),
            ("empty reason", {"reason": ""}, 422, "reason"),
            ("reason of wrong type", {"reason": False}, 422, "reason"),
            ("unknown field", {"reason": "account closed", "fee": "1.00"}, 422, "fee"),
            ("malformed JSON", MALFORMED, 400, None),
        ]),
    # messages (docs/messages.md)
    ("POST", f"{API}/messages/{{message_id:int}}/resend"): ("/messages/{id}/resend", "finance", [
        ("id zero", 0, 422, "message_id"),
        ("id beyond BIGINT", 2**64, 422, "message_id"),
    ]),
    ("POST", f"{API}/messages/statements"): ("/messages/statements", "finance", [
        ("missing participant", {}, 422, "participant"),
        ("participant of wrong type", {"participant": "Jo"}, 422, "participant"),
        ("participant id zero", {"participant": 0}, 422, "participant"),
        ("impossible date", {"participant": 1, "from": "2026-02-30"}, 422, "from"),
        ("period the wrong way round", {"participant": 1, "from": "2026-04-05", "to": "2025-04-06"}, 422, "from"),
        ("unknown field", {"participant": 1, "style": "large"}, 422, "style"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/messages/year-end"): ("/messages/year-end", "finance", [
        ("impossible date", {"from": "2026-02-30"}, 422, "from"),
        ("period the wrong way round", {"from": "2026-04-05", "to": "2025-04-06"}, 422, "from"),
        ("unknown field", {"everyone": True}, 422, "everyone"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    # recognition (docs/recognition.md)
    ("POST", f"{API}/participants/{{participant_id:int}}/involvement-records"): (
        "/participants/{jo}/involvement-records", "lead", [
            ("unknown style", {"style": "tiny"}, 422, "style"),
            ("amounts flag of wrong type", {"include_amounts": "yes"}, 422, "include_amounts"),
            ("unknown format", {"format": "docx"}, 422, "format"),
            ("unknown field", {"code": "ABCDE-ABCDE-ABCDE"}, 422, "code"),
            ("malformed JSON", MALFORMED, 400, None),
        ]),
    ("POST", f"{API}/involvement-records/{{record_id:int}}/withdraw"): ("/involvement-records/{id}/withdraw", "lead", [
        ("missing reason", {}, 422, "reason"),
        ("reason of wrong type", {"reason": 7}, 422, "reason"),
        ("reason too long", {"reason": "x" * 501}, 422, "reason"),
        ("unknown field", {"reason": "lost", "record": 1}, 422, "record"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    # IMPORT: a multipart form (kind, file, dry_run, project); every missing or wrong field named at once
    ("POST", f"{API}/imports"): ("/imports", "lead", [
        ("no form at all", None, 422, "kind"),
        ("a JSON body instead of a form", {"kind": "activities"}, 400, None),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
    ("POST", f"{API}/outcomes"): ("/outcomes", "lead", [
        ("missing text", {"project": 1, "date": "2026-01-07"}, 422, "text"),
        ("empty text", {"project": 1, "date": "2026-01-07", "text": "  "}, 422, "text"),
        ("text too long", {"project": 1, "date": "2026-01-07", "text": "x" * 2001}, 422, "text"),
        ("impossible date", {"project": 1, "date": "2026-02-30", "text": "x"}, 422, "date"),
        ("date in the future", {"project": 1, "date": "9999-12-31", "text": "x"}, 422, "date"),
        ("neither activity nor project", {"date": "2026-01-07", "text": "x"}, 422, "activity"),
        ("activity id zero", {"activity": 0, "date": "2026-01-07", "text": "x"}, 422, "activity"),
        ("unknown field", {"project": 1, "date": "2026-01-07", "text": "x", "by": "me"}, 422, "by"),
        ("malformed JSON", MALFORMED, 400, None),
    ]),
}

CASES = [
    pytest.param(route, index, id=f"{route[0]} {route[1].removeprefix(API)}: {case[0]}")
    for route, (_path, _token, cases) in BAD.items()
    for index, case in enumerate(cases)
]


def test_every_writing_route_has_bad_input_cases(world: World) -> None:
    app = world.client.app
    assert isinstance(app, Litestar)
    assert writing_routes(app) == set(BAD), "add bad-input cases for each new POST/PATCH route (and drop old ones)"


@pytest.mark.parametrize(("route", "index"), CASES)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    world: World, route: tuple[str, str], index: int
) -> None:
    path_template, token, cases = BAD[route]
    label, body, status, field = cases[index]
    ids: dict[str, Any] = {**world.ids}
    if isinstance(body, int):  # a bodyless route: the case is the path id itself
        ids["id"], body = body, None
    else:
        ids["id"] = world.ids["submitted"] if "records" in path_template else world.ids["batch"]
    path = path_template.format(**ids)
    before = world.row_counts()

    response = world.call(route[0], path, token or None, None if isinstance(body, bytes) else body,
                          raw=body if isinstance(body, bytes) else None)

    assert response.status_code == status, f"{label}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM), label
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"], problem
    if field is not None:
        named = [error["field"] for error in problem.get("errors", [])]
        assert field in named, f"{label}: expected {field!r} among {named}: {problem['detail']}"
    text = problem["detail"] + " ".join(error["message"] for error in problem.get("errors", []))
    for words in PROGRAMMER_WORDS:  # issue 8.7: nothing worded for programmers reaches a person
        assert words not in text, f"{label}: {words!r} in {text}"
    assert world.row_counts() == before, f"{label}: something was written"


def test_the_good_bodies_are_accepted(world: World) -> None:
    """The bad cases are bad for the reason named, not because their base body was already wrong."""
    assert world.call("POST", "/quotes", None, QUOTE).status_code == 200
    assert world.call("POST", "/participants", "lead", PARTICIPANT).status_code == 201
    assert world.call("POST", "/projects", "admin", PROJECT).status_code == 201
    activity = _with(ACTIVITY, project=world.ids["project"], attendees=[{**ATTENDEE, "participant": world.ids["sam"]}],
                     date="2026-01-28")
    assert world.call("POST", "/activities", "lead", activity).status_code == 201
    corrected = world.call("POST", f"/records/{world.ids['rejected']}/corrections", "lead", CORRECTION)
    assert corrected.status_code == 201, corrected.text



@pytest.mark.postgres
@pytest.mark.parametrize("backend_database_url", ["postgres"], indirect=True)
def test_postgresql_refusing_a_value_is_a_422_and_writes_nothing(
    backend_database_url: str, app_factory: Any
) -> None:
    """PostgreSQL refuses U+0000 in text where SQLite stores it: that must be a 422, never a 500 or a 409."""
    app = app_factory(url=backend_database_url)
    with TestClient(app) as client:
        database: LedgerDatabase = app.state[STATE_KEY]
        with transaction(database.session_factory) as session:
            secret = create_token(session, "admin", Role.ADMIN, None, None)[1]
        world = World(client, database.session_factory, {"admin": secret}, {})
        before = world.row_counts()
        for method, path, body in [
            ("POST", "/participants", {"name": "Jo\u0000", "payment_preference": "voucher"}),
            ("POST", "/projects", {"code": "A\u0000", "name": "Nul", "rate_card": "nihr-style"}),
            ("GET", "/participants?search=a%00b", None),
            ("GET", "/audit?entity=a%00", None),
        ]:
            response = world.call(method, path, "admin", body)
            assert response.status_code == 422, (path, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
        assert world.row_counts() == before
