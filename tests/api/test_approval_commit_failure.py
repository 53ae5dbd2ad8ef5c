"""An approval whose commit fails (the handler commits it itself, ``answer_committed``): the client gets an
error, nothing of the approval is kept, and sending it again approves it once.

The failure is a clash the database only finds at commit (a pending row with a taken project code), so the
approval's own writes have all run by then: the lines, the entry, the record's new state, the postings and
the audit event must all go, with or without an Idempotency-Key (and then the key is not kept either).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit.chain import verify_chain
from ledger.db.engine import transaction
from ledger.db.models import (
    AuditEvent,
    IdempotencyRecord,
    JournalEntry,
    Posting,
    Project,
    Record,
    RecordLine,
    Role,
)
from ledger.involvement import approval

API = "/api/v1"
Auth = Callable[[str], dict[str, str]]


def count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _approvable(client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth) -> tuple[int, dict[str, str]]:
    """A submitted record with fees, mileage and a watch limit, and a lead who did not record it."""
    admin, recorder = auth(make_token(Role.ADMIN)), auth(make_token(Role.LEAD, name="records"))
    project = client.post(f"{API}/projects", headers=admin, json={
        "code": "FAST", "name": "Fast", "rate_card": "nihr-style", "budget": "5000.00"}).json()
    person = client.post(f"{API}/participants", headers=recorder, json={
        "name": "Sam Lee", "payment_preference": "voucher",
        "watch_limits": [{"period": "week", "amount": "30.00", "label": "ESA permitted work"}]}).json()
    made = client.post(f"{API}/activities", headers=recorder, json={
        "project": project["id"], "date": "2026-01-07", "activity": "meeting", "attendees": [
            {"participant": person["id"], "involvement_minutes": 90, "preparation_minutes": 60,
             "mileage": {"vehicle": "car", "miles": 14, "passengers": 0},
             "expenses": [{"category": "public_transport", "amount": "4.50"}]}]})
    assert made.status_code == 201, made.text
    return made.json()["records"][0]["id"], auth(make_token(Role.LEAD, name="approves"))


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


def _nothing_kept(factory: sessionmaker[Session], record_id: int) -> None:
    with transaction(factory) as session:
        record = session.get(Record, record_id)
        assert record is not None and record.status == "submitted" and record.decided_at is None
        for model, column in ((JournalEntry, JournalEntry.record_id), (Posting, Posting.record_id),
                              (RecordLine, RecordLine.record_id)):
            assert session.scalar(select(func.count()).select_from(model).where(column == record_id)) == 0, model
        assert session.scalar(select(func.count()).where(AuditEvent.action == "record.approve")) == 0
        assert verify_chain(session).ok


@pytest.mark.parametrize("key", [None, "approve-fails-once"])
def test_an_approval_whose_commit_fails_is_an_error_keeps_nothing_and_can_be_sent_again(
    client: TestClient[Litestar], make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch, key: str | None,
) -> None:
    record_id, approver = _approvable(client, make_token, auth)
    headers = {**approver, **({"Idempotency-Key": key} if key else {})}
    real = approval._write_decision

    def then_a_clash(session: Session, *args: Any) -> None:
        real(session, *args)
        session.add(Project(code="FAST", name="clash", rate_card="nihr-style", currency="GBP"))  # flushed at commit

    monkeypatch.setattr(approval, "_write_decision", then_a_clash)
    failed = client.post(f"{API}/records/{record_id}/approve", headers=headers)
    assert failed.status_code == 409, failed.text
    assert failed.headers["content-type"].startswith("application/problem+json")
    _nothing_kept(session_factory, record_id)
    assert count(session_factory, IdempotencyRecord) == 0

    monkeypatch.undo()
    again = client.post(f"{API}/records/{record_id}/approve", headers=headers)
    assert again.status_code == 200, again.text
    assert client.post(f"{API}/records/{record_id}/approve", headers=approver).status_code == 409
    with transaction(session_factory) as session:
        entries = session.scalars(select(JournalEntry.id).where(JournalEntry.record_id == record_id)).all()
        assert len(entries) == 1
        assert session.scalar(select(func.sum(Posting.amount_minor)).where(Posting.entry_id == entries[0])) == 0
        assert verify_chain(session).ok
