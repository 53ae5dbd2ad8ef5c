"""Approvals commit in the handler's thread (``answer_committed``) and keep every promise of the unit of work.

The answer is sent only once the work is committed; a commit that fails answers an error and keeps
nothing; an answer that cannot be encoded keeps nothing; with an ``Idempotency-Key`` the answer is stored
with the work (the middleware commits) and replayed. And the approval itself, through HTTP, writes
exactly what it always wrote: record, lines, one balanced entry, one audit event, a chain that verifies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec
import pytest
from litestar import Controller, Litestar, Request, post
from litestar.testing import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.auth import require_roles
from ledger.api.database import STATE_KEY
from ledger.api.idempotency import REPLAY_HEADER
from ledger.api.transaction import answer_committed
from ledger.audit import record_event
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
from ledger.security.actor import Actor

API = "/api/v1"
Auth = Callable[[str], dict[str, str]]
Client = TestClient[Litestar]


class Made(msgspec.Struct):
    id: int
    code: str


class Unencodable:
    """Not something msgspec (or Litestar's encoders) can turn into JSON."""


class EarlyProbe(Controller):
    path = "/early"
    guards = (require_roles(Role.LEAD),)

    @post("/projects/{code:str}", sync_to_thread=True)
    def create(self, code: str, request: Request, db_session: Session, actor: Actor) -> Made:
        project = Project(code=code, name=code, rate_card="nihr-style", currency="GBP")
        db_session.add(project)
        db_session.flush()
        record_event(db_session, actor, "project.create", "project", project.id, None, {"code": code})
        answer: Made = answer_committed(request, db_session, Made(id=project.id, code=code), status=201)
        return answer

    @post("/late-duplicate/{code:str}", sync_to_thread=True)
    def late_duplicate(self, code: str, request: Request, db_session: Session) -> Made:
        db_session.add(Project(code=code, name="again", rate_card="nihr-style", currency="GBP"))
        answer: Made = answer_committed(request, db_session, Made(id=0, code=code))  # the flush is at commit
        return answer

    @post("/unencodable/{code:str}", sync_to_thread=True)
    def unencodable(self, code: str, request: Request, db_session: Session) -> dict[str, Any]:
        db_session.add(Project(code=code, name=code, rate_card="nihr-style", currency="GBP"))
        db_session.flush()
        answer: dict[str, Any] = answer_committed(request, db_session, {"odd": Unencodable()})
        return answer


@pytest.fixture
def api_handlers() -> Sequence[Any]:
    return [EarlyProbe]


@pytest.fixture
def database_url(backend_database_url: str) -> str:
    return backend_database_url


def count(factory: sessionmaker[Session], model: type[Any]) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_answer_is_sent_after_the_work_is_committed(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = auth(make_token("lead"))
    events = count(session_factory, AuditEvent)
    response = client.post(f"{API}/early/projects/P1", headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "P1"
    assert count(session_factory, Project) == 1
    assert count(session_factory, AuditEvent) == events + 1


def test_a_commit_that_fails_is_an_error_and_keeps_nothing(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = auth(make_token("lead"))
    assert client.post(f"{API}/early/projects/DUP", headers=headers).status_code == 201
    response = client.post(f"{API}/early/late-duplicate/DUP", headers=headers)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count(session_factory, Project) == 1


def test_an_answer_that_cannot_be_encoded_keeps_nothing(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    response = client.post(f"{API}/early/unencodable/ODD", headers=auth(make_token("lead")))
    assert response.status_code == 500, response.text
    assert count(session_factory, Project) == 0


def test_with_an_idempotency_key_the_answer_is_stored_with_the_work_and_replayed(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = {**auth(make_token("lead")), "Idempotency-Key": "early-1"}
    first = client.post(f"{API}/early/projects/K1", headers=headers)
    again = client.post(f"{API}/early/projects/K1", headers=headers)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.content == first.content and again.headers.get(REPLAY_HEADER) == "true"
    assert count(session_factory, Project) == 1
    assert count(session_factory, IdempotencyRecord) == 1


def test_a_late_failure_with_a_key_keeps_neither_the_work_nor_the_key(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    headers = auth(make_token("lead"))
    assert client.post(f"{API}/early/projects/DUP2", headers=headers).status_code == 201
    response = client.post(f"{API}/early/late-duplicate/DUP2", headers={**headers, "Idempotency-Key": "k-late"})
    assert response.status_code == 409, response.text
    assert count(session_factory, IdempotencyRecord) == 0


# ------------------------------------------------------------------------------------ approvals through HTTP


@contextmanager
def statements(client: Client) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    engine = client.app.state[STATE_KEY].engine
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _approvable(client: Client, make_token: Callable[..., str], auth: Auth) -> tuple[list[int], dict[str, str]]:
    admin, recorder = auth(make_token(Role.ADMIN)), auth(make_token(Role.LEAD, name="records"))
    project = client.post(f"{API}/projects", headers=admin, json={
        "code": "FAST", "name": "Fast", "rate_card": "nihr-style", "budget": "5000.00"}).json()
    watched = client.post(f"{API}/participants", headers=recorder, json={
        "name": "Sam Lee", "payment_preference": "voucher",
        "watch_limits": [{"period": "week", "amount": "30.00", "label": "ESA permitted work"}]}).json()
    declining = client.post(f"{API}/participants", headers=recorder, json={
        "name": "Cal Green", "payment_preference": "decline"}).json()
    made = client.post(f"{API}/activities", headers=recorder, json={
        "project": project["id"], "date": "2026-01-07", "activity": "meeting", "attendees": [
            {"participant": watched["id"], "involvement_minutes": 90, "preparation_minutes": 60,
             "mileage": {"vehicle": "car", "miles": 14, "passengers": 0}},
            {"participant": declining["id"], "involvement_minutes": 90,
             "expenses": [{"category": "public_transport", "amount": "4.50"}]},
        ]})
    assert made.status_code == 201, made.text
    return [r["id"] for r in made.json()["records"]], auth(make_token(Role.LEAD, name="approves"))


def test_an_approval_writes_everything_once_and_the_chain_still_verifies(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    record_ids, approver = _approvable(client, make_token, auth)
    answers = []
    for record_id in record_ids:
        response = client.post(f"{API}/records/{record_id}/approve", headers=approver)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    assert client.post(f"{API}/records/{record_ids[0]}/approve", headers=approver).status_code == 409
    assert answers[0]["warnings"] and answers[0]["warnings"][0]["label"] == "ESA permitted work"
    with transaction(session_factory) as session:
        for answer in answers:
            record = session.get(Record, answer["id"])
            assert record is not None and record.status == "approved"
            assert record.decided_by_token_id == answer["decided_by_token_id"]
            lines = session.scalars(select(RecordLine).where(RecordLine.record_id == record.id)
                                    .order_by(RecordLine.position)).all()
            assert [line.explanation for line in lines] == [line["explanation"] for line in answer["quote"]["lines"]]
            entries = session.scalars(select(JournalEntry).where(JournalEntry.record_id == record.id)).all()
            assert len(entries) == 1
            postings = session.scalars(select(Posting).where(Posting.entry_id == entries[0].id)).all()
            assert sum(p.amount_minor for p in postings) == 0 and len(postings) == 4
            events = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.approve",
                                                              AuditEvent.entity_id == str(record.id))).all()
            assert len(events) == 1 and events[0].after is not None
            assert events[0].after["status"] == "approved"
            assert events[0].after["fees_minor"] == record.fees_minor
            assert events[0].after["payment_preference_at_approval"] == record.payment_preference_at_approval
        assert verify_chain(session).ok
        # The declining participant's fees and expenses are recognised as foregone, not owed.
        declined = session.scalars(select(Posting.account_kind).where(Posting.record_id == answers[1]["id"])).all()
        assert set(declined) == {"project_foregone", "participant_foregone"}


def test_an_approval_runs_a_known_number_of_statements(
    client: Client, make_token: Callable[..., str], auth: Auth
) -> None:
    """Counted so that a change that adds a round trip to the hot path is seen (the mileage claim's
    look-backs are one query; the watch limit adds its sum)."""
    record_ids, approver = _approvable(client, make_token, auth)
    with statements(client) as seen:
        assert client.post(f"{API}/records/{record_ids[0]}/approve", headers=approver).status_code == 200
    work = [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # token; record (locked) with its expenses; look-backs; the watch limits and their sum; lines; entry;
    # then PostgreSQL: chain lock, ONE statement for the record, the postings and the last hash; SQLite:
    # record, postings, last hash; then the audit event.
    postgres = client.app.state[STATE_KEY].engine.dialect.name == "postgresql"
    assert len(work) == (11 if postgres else 12), "\n".join(work)


def test_an_approval_sent_twice_with_one_key_is_approved_once_and_replayed(
    client: Client, make_token: Callable[..., str], auth: Auth, session_factory: sessionmaker[Session]
) -> None:
    record_ids, approver = _approvable(client, make_token, auth)
    headers = {**approver, "Idempotency-Key": "approve-once"}
    first = client.post(f"{API}/records/{record_ids[0]}/approve", headers=headers)
    again = client.post(f"{API}/records/{record_ids[0]}/approve", headers=headers)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.content == first.content and again.headers.get(REPLAY_HEADER) == "true"
    assert count(session_factory, IdempotencyRecord) == 1
    with transaction(session_factory) as session:
        entries = session.scalar(select(func.count()).select_from(JournalEntry)
                                 .where(JournalEntry.record_id == record_ids[0]))
        assert entries == 1
