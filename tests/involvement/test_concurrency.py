"""Races: sessions in separate threads, each its own transaction, as concurrent API requests would be.

Two approvals of one record at the same moment must post once (the record row is locked and its status
re-read after locking); twenty activities submitted at once must all land, each exactly once.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models import Activity, AuditEvent, JournalEntry, Posting, Record
from ledger.errors import Conflict
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record
from ledger.involvement.schemas import ActivityCreate
from ledger.security.actor import Actor

from .support import APPROVER, LEAD, attendee, meeting, participant, project


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "postgres":
        yield request.getfixturevalue("fresh_postgres")
        return
    path = tmp_path / "race.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_session_factory(engine)
    engine.dispose()


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Start ``count`` threads that wait at a barrier, then all call ``work(i)`` at once."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def runner(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)  # a deadlock fails the test instead of hanging CI
        assert not thread.is_alive(), "a thread was still running after 120 s"
    return results


def test_two_approvals_at_once_post_once(shared: sessionmaker[Session]) -> None:
    with transaction(shared) as session:
        proj = project(session)
        person = participant(session)
        record_id = meeting(session, proj.id, [attendee(person.id, 90)]).records[0].id
    other_approver = Actor(token_id=99, name="Second approver", role=APPROVER.role)

    def approve(index: int) -> str:
        with transaction(shared) as session:
            return approve_record(session, (APPROVER, other_approver)[index], record_id).status

    results = run_together(2, approve)
    assert len([r for r in results if isinstance(r, Conflict)]) == 1
    assert [r for r in results if not isinstance(r, Conflict)] == ["approved"]
    with shared() as session:
        assert session.scalar(select(func.count()).select_from(JournalEntry)) == 1
        assert session.scalar(select(func.sum(Posting.amount_minor))) == 0
        assert session.scalar(select(func.count()).select_from(Posting)) == 2
        approvals = session.scalar(select(func.count()).where(AuditEvent.action == "record.approve"))
        assert approvals == 1


def test_twenty_activities_submitted_at_once_all_land_once(shared: sessionmaker[Session]) -> None:
    with transaction(shared) as session:
        proj_id = project(session).id
        people = [participant(session, name=f"Person {i}").id for i in range(20)]

    def submit(index: int) -> int:
        with transaction(shared) as session:
            made = record_activity(session, LEAD, ActivityCreate(
                project=proj_id, date=date(2026, 1, 7), activity="meeting", description=f"meeting {index}",
                attendees=[attendee(people[index], 60), attendee(people[(index + 1) % 20], 30)],
            ))
            return made.id

    results = run_together(20, submit)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 20
    with shared() as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 20
        assert session.scalar(select(func.count()).select_from(Record)) == 40
        descriptions = set(session.scalars(select(Activity.description)))
        assert descriptions == {f"meeting {i}" for i in range(20)}
        per_person = session.execute(
            select(Record.participant_id, func.count()).group_by(Record.participant_id)).all()
        assert sorted(count for _pid, count in per_person) == [2] * 20
