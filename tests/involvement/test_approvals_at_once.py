"""Many different records approved at the same moment: the audit chain stays one unbroken line.

An approval reads the chain's last hash in the same statement that writes the record and its postings
(PostgreSQL), after taking the chain's lock; if that read could see a stale hash, two events would link to
the same predecessor (a fork) and the chain would fail to verify. The summaries the triggers keep must
still equal their definitions.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.audit.chain import verify_chain
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, JournalEntry, Posting, RecordStatus
from ledger.involvement.approval import approve_record
from ledger.reports.spend_summaries import check

from .support import APPROVER, attendee, meeting, participant, project
from .test_concurrency import run_together, shared

__all__ = ["shared"]  # the fixture, imported so this module runs on SQLite and PostgreSQL like its source

AT_ONCE = 8


def test_approvals_of_different_records_at_once_keep_one_chain(shared: sessionmaker[Session]) -> None:
    with transaction(shared) as session:
        proj = project(session)
        people = [participant(session, name=f"Person {i}") for i in range(AT_ONCE)]
        made = meeting(session, proj.id, [attendee(p.id, 90, preparation_minutes=30) for p in people])
        record_ids = [r.id for r in made.records]

    def approve(index: int) -> str:
        with transaction(shared) as session:
            return approve_record(session, APPROVER, record_ids[index]).status

    results = run_together(AT_ONCE, approve)
    assert results == [RecordStatus.APPROVED] * AT_ONCE, results
    with shared() as session:
        assert verify_chain(session).ok
        approvals = session.scalars(select(AuditEvent.prev_hash).where(AuditEvent.action == "record.approve")).all()
        assert len(approvals) == AT_ONCE
        everyone = session.scalars(select(AuditEvent.prev_hash)).all()
        assert len(set(everyone)) == len(everyone), "two events link to the same predecessor: the chain forked"
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == AT_ONCE
        assert session.scalar(select(func.sum(Posting.amount_minor))) == 0
        assert all(table.ok for table in check(session)), check(session)
