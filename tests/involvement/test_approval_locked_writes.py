"""The approval's locked writes (``_write_decision``) under attack: what they must never allow.

- The chain's last hash is read after the lock is held, so an event another transaction appended (and
  committed) while this approval waited on the lock is the one it links to: no fork.
- Postings written by the one PostgreSQL statement are still checked by the database's deferred balance
  check at commit, even when the code's own check is bypassed.
- An approval with no fees (or no money at all) keeps exact postings, summaries and chain: zero legs are
  dropped, the entry and its memo stay.
- A failure in the locked writes keeps nothing: the record stays submitted and can be approved again.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit import record_event
from ledger.audit.chain import chain_key, pending_event, verify_chain
from ledger.db.engine import transaction
from ledger.db.models import (
    AuditEvent,
    EntryKind,
    JournalEntry,
    PaymentPreference,
    Posting,
    Record,
    RecordLine,
    RecordStatus,
)
from ledger.involvement import approval
from ledger.involvement.activities import project_card
from ledger.involvement.approval import approve_record
from ledger.involvement.calc import quote_part
from ledger.involvement.records import record_expense_requests, record_mileage
from ledger.payments.postings import insert_entry
from ledger.rates.contract import ExpenseRequest
from ledger.reports.spend_summaries import check

from .support import ADMIN, APPROVER, attendee, meeting, participant, project
from .test_concurrency import shared

__all__ = ["shared"]  # the fixture: SQLite file or a private PostgreSQL database, sessions see each other's commits

PARKING = [ExpenseRequest(category="parking", amount="4.50")]


def _records(factory: sessionmaker[Session], *attendees: dict[str, Any]) -> list[int]:
    with transaction(factory) as session:
        proj = project(session)
        people = [participant(session, name=f"Person {i}") for i in range(len(attendees))]
        made = meeting(session, proj.id, [attendee(p.id, **a) for p, a in zip(people, attendees, strict=True)])
        return [r.id for r in made.records]


def _chain_ok(session: Session) -> None:
    assert verify_chain(session).ok
    hashes = session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(set(hashes)) == len(hashes), "two events link to the same predecessor: the chain forked"


def test_an_event_committed_while_the_approval_waits_on_the_lock_is_linked_to(
    shared: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holds the chain's lock and appends; the approval reaches the lock, waits, and must
    then read that writer's event as the last hash (on SQLite the write lock taken at BEGIN does it)."""
    (record_id,) = _records(shared, {"minutes": 90})
    holding, approval_at_lock = threading.Event(), threading.Event()
    real_lock = approval.lock_chain

    def lock_and_tell(session: Session) -> None:
        approval_at_lock.set()
        real_lock(session)

    monkeypatch.setattr(approval, "lock_chain", lock_and_tell)
    postgres = shared.kw["bind"].dialect.name == "postgresql"
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with transaction(shared) as session:
                record_event(session, ADMIN, "test.meanwhile", "test", 1, None, {"n": 1})
                holding.set()
                if postgres:  # the approval is now waiting on this transaction's lock
                    assert approval_at_lock.wait(30)
                    threading.Event().wait(0.3)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
            holding.set()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert holding.wait(30)
    if not postgres:
        writer.join(30)
    with transaction(shared) as session:
        approve_record(session, APPROVER, record_id)
    writer.join(30)
    assert not writer.is_alive() and not errors, errors
    with shared() as session:
        _chain_ok(session)
        meanwhile = session.scalars(select(AuditEvent).where(AuditEvent.action == "test.meanwhile")).one()
        approved = session.scalars(select(AuditEvent).where(AuditEvent.action == "record.approve")).one()
        assert approved.prev_hash == meanwhile.hash


@pytest.mark.postgres
def test_the_database_refuses_unbalanced_postings_from_the_locked_statement(shared: sessionmaker[Session]) -> None:
    """The code's balance check is bypassed on purpose: the deferred check must still refuse at commit."""
    if shared.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite has no deferred balance check; the code's check is the guard there")
    (record_id,) = _records(shared, {"minutes": 90})
    with pytest.raises(sa_exc.IntegrityError, match="does not balance"), transaction(shared) as session:
        record = session.get(Record, record_id)
        assert record is not None
        rows = insert_entry(session, kind=EntryKind.APPROVAL, booked_on=record.activity.date, memo="forged",
                            legs=approval.approval_legs(record, record.activity.project_id,
                                                        PaymentPreference.BANK_TRANSFER,
                                                        _quote(session, record)),
                            record_id=record_id)
        rows[1] = {**rows[1], "amount_minor": int(rows[1]["amount_minor"]) + 1}  # type: ignore[call-overload]
        decided = {"status": "approved", "decided_by_token_id": 3, "decided_at": None, "rate_card": "x",
                   "version_from": None, "currency": "GBP", "fees_minor": 0, "expenses_minor": 0,
                   "payment_preference_at_approval": "bank_transfer"}
        event = pending_event(APPROVER, "record.approve", "record", record_id, None, {"status": "approved"})
        approval._write_decision(session, record_id, decided, rows, event, chain_key())
    with shared() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 0
        assert session.get(Record, record_id).status == RecordStatus.SUBMITTED  # type: ignore[union-attr]


def _quote(session: Session, record: Record) -> Any:
    activity = record.activity
    card = project_card(activity.project, None)
    return quote_part(session, card, participant_id=record.participant_id, on=activity.date,
                      activity=activity.activity, mode=activity.mode, part=record, mileage=record_mileage(record),
                      expenses=record_expense_requests(record, card.currency), exclude_record_id=record.id)


@pytest.mark.parametrize(("minutes", "expenses", "postings"), [(0, PARKING, 2), (0, [], 0), (90, [], 2)])
def test_an_approval_with_zero_legs_keeps_exact_money_summaries_and_chain(
    shared: sessionmaker[Session], minutes: int, expenses: list[ExpenseRequest], postings: int
) -> None:
    (record_id,) = _records(shared, {"minutes": minutes, "expenses": expenses})
    with transaction(shared) as session:
        out = approve_record(session, APPROVER, record_id)
    assert out.status == RecordStatus.APPROVED
    with shared() as session:
        entry = session.scalars(select(JournalEntry).where(JournalEntry.record_id == record_id)).one()
        assert entry.memo.startswith(f"Approved record {record_id}:")
        rows = session.scalars(select(Posting).where(Posting.entry_id == entry.id)).all()
        assert len(rows) == postings and all(p.amount_minor != 0 for p in rows)
        record = session.get(Record, record_id)
        assert record is not None and record.status == RecordStatus.APPROVED
        posted = (record.fees_minor or 0) + (record.expenses_minor or 0)
        assert sum(p.amount_minor for p in rows if p.amount_minor > 0) == posted
        assert sum(p.amount_minor for p in rows) == 0
        assert all(table.ok for table in check(session)), check(session)
        _chain_ok(session)


def test_a_failure_in_the_locked_writes_keeps_nothing(
    shared: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    (record_id,) = _records(shared, {"minutes": 90, "expenses": PARKING})

    def refuse(*_args: Any) -> None:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(approval, "append_event", refuse)
    with pytest.raises(RuntimeError), transaction(shared) as session:
        approve_record(session, APPROVER, record_id)
    with shared() as session:
        assert session.get(Record, record_id).status == RecordStatus.SUBMITTED  # type: ignore[union-attr]
        for model in (JournalEntry, Posting, RecordLine):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
        assert session.scalar(select(func.count()).where(AuditEvent.action == "record.approve")) == 0
        assert all(table.ok for table in check(session)), check(session)
    monkeypatch.undo()
    with transaction(shared) as session:
        assert approve_record(session, APPROVER, record_id).status == RecordStatus.APPROVED
    with shared() as session:
        _chain_ok(session)
