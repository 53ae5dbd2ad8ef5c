"""What the approver sees over HTTP (payee, masked account, amount) and the 409 when a batch no longer adds up."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Participant, Role
from ledger.organisation import save_organisation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from payments.factory import EXAMPLE_ORGANISATION, GOOD_ACCOUNT, approve, participant, project

Auth = Callable[[str], dict[str, str]]
MakeToken = Callable[..., str]
API = "/api/v1"


def _arrange(session_factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(session_factory) as s:
        save_organisation(s, EXAMPLE_ORGANISATION)
        proj = project(s, "APPROVE")
        ann, bob = participant(s, "Ann Example"), participant(s, "Bob Example", account_name="Robert Example")
        approve(s, ann, proj, date(2025, 5, 1), 3438, 1250)
        approve(s, bob, proj, date(2025, 5, 2), 2000)
        return {"ann": ann.id, "bob": bob.id}


def test_show_and_approve_list_payee_masked_account_and_amount(
    client: TestClient[Litestar], make_token: MakeToken, auth: Auth, session_factory: sessionmaker[Session],
) -> None:
    ids = _arrange(session_factory)
    builder, checker = auth(make_token(Role.FINANCE, name="f1")), auth(make_token(Role.FINANCE, name="f2"))
    created = client.post(f"{API}/batches", json={"method": "bank_transfer"}, headers=builder)
    assert created.status_code == 201, created.text
    bid = created.json()["id"]
    shown = client.get(f"{API}/batches/{bid}", headers=checker)
    approved = client.post(f"{API}/batches/{bid}/approve", headers=checker)
    assert shown.status_code == 200 and approved.status_code == 200
    for body in (shown.json(), approved.json()):
        lines = {line["participant"]: line for line in body["lines"]}
        assert (lines[ids["ann"]]["payee_name"], lines[ids["ann"]]["paid_to"], lines[ids["ann"]]["amount"]) == (
            "Ann Example", "Ann Example **-**-99 ****4958", "46.88")
        assert (lines[ids["bob"]]["payee_name"], lines[ids["bob"]]["amount"]) == ("Robert Example", "20.00")
    assert GOOD_ACCOUNT not in shown.text and GOOD_ACCOUNT not in approved.text

    # A change confirmed after approval does not move the money: the file pays the approved account.
    with transaction(session_factory) as s:
        s.get_one(Participant, ids["ann"]).bank_account_number = "88837491"
        s.get_one(Participant, ids["ann"]).bank_sort_code = "107999"
    exported = client.get(f"{API}/batches/{bid}/export?format=bank-csv", headers=builder)
    assert exported.status_code == 200, exported.text
    rows = [r for r in csv.reader(io.StringIO(exported.text)) if r[0] == "D"]
    assert {(r[1], r[2]) for r in rows} == {("089999", GOOD_ACCOUNT)}


def test_inflated_line_gets_409_problem_and_an_audit_event(
    client: TestClient[Litestar], make_token: MakeToken, auth: Auth, session_factory: sessionmaker[Session],
) -> None:
    _arrange(session_factory)
    builder, checker = auth(make_token(Role.FINANCE, name="f1")), auth(make_token(Role.FINANCE, name="f2"))
    bid = client.post(f"{API}/batches", json={"method": "bank_transfer"}, headers=builder).json()["id"]
    assert client.post(f"{API}/batches/{bid}/approve", headers=checker).status_code == 200
    with transaction(session_factory) as s:
        s.execute(text("DROP TRIGGER batch_lines_money_fixed"))
        s.execute(text("UPDATE batch_lines SET amount_minor = 1007325, fees_minor = 1007325 - expenses_minor "
                       "WHERE id = (SELECT min(id) FROM batch_lines WHERE batch_id = :b)"), {"b": bid})
    refused = client.get(f"{API}/batches/{bid}/export?format=bank-csv", headers=builder)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["title"] == "Batch does not add up" and "10073.25" in problem["detail"]
    paid = client.post(f"{API}/batches/{bid}/paid", json={"paid_on": date.today().isoformat()}, headers=builder)
    assert paid.status_code == 409 and "was not marked paid" in paid.json()["detail"]
    with session_factory() as s:
        refusals = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "batch.integrity_refused")).all()
    assert [r["refused"] for r in refusals] == ["exported", "marked paid"]  # type: ignore[index]
    assert client.get(f"{API}/batches/{bid}", headers=checker).json()["status"] == "approved"
