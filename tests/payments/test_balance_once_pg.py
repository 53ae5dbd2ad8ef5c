"""PostgreSQL checks each journal entry balances once per transaction, and still refuses an unbalanced one.

Migration 0003 replaced the per-posting trigger (which re-summed the whole entry for every row: a
10,000-payee payment took minutes) by a deferred check per entry plus a guard against adding postings to
an entry committed earlier. These tests show the guarantee held: nothing unbalanced can commit, whichever
way it is written.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, EntryKind, JournalEntry
from ledger.payments.batches import approve_batch, build_batch, mark_paid
from ledger.payments.integrity import BatchIntegrityError
from ledger.security.actor import Actor
from payments.factory import approve, export_file, participant, project

pytestmark = pytest.mark.postgres

ENTRY = ("INSERT INTO journal_entries (kind, booked_on, memo, created_at) "
         "VALUES ('payment', '2025-06-01', 'test', now()) RETURNING id")
POSTING = ("INSERT INTO postings (entry_id, account_kind, category, amount_minor, currency) "
           "VALUES (:e, 'payments_clearing', 'fee', :a, 'GBP')")


def _triggers(session: Session) -> set[str]:
    return set(session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))


def test_the_per_row_trigger_is_gone_and_the_per_entry_check_is_there(pg_factory: sessionmaker[Session]) -> None:
    with pg_factory() as s:
        names = _triggers(s)
    assert "postings_balanced" not in names
    assert {"journal_entries_balanced", "postings_into_open_entry", "journal_entries_stamp_xact"} <= names


def test_an_unbalanced_entry_cannot_commit(pg_factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError, match="does not balance"), transaction(pg_factory) as s:
        entry = s.scalar(text(ENTRY))
        s.execute(text(POSTING), [{"e": entry, "a": 500}, {"e": entry, "a": -400}])
    with pg_factory() as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 0


def test_a_balanced_entry_written_row_by_row_commits(pg_factory: sessionmaker[Session]) -> None:
    with transaction(pg_factory) as s:
        entry = s.scalar(text(ENTRY))
        for amount in (500, -200, -300):
            s.execute(text(POSTING), {"e": entry, "a": amount})
    with pg_factory() as s:
        assert s.scalar(text("SELECT sum(amount_minor) FROM postings WHERE entry_id = :e"), {"e": entry}) == 0


def test_postings_cannot_be_added_to_an_entry_committed_earlier(pg_factory: sessionmaker[Session]) -> None:
    with transaction(pg_factory) as s:
        entry = s.scalar(text(ENTRY))
        s.execute(text(POSTING), [{"e": entry, "a": 100}, {"e": entry, "a": -100}])
    # Even a balanced pair added later is refused: the entry was checked when it was committed.
    with pytest.raises(IntegrityError, match="earlier transaction"), transaction(pg_factory) as s:
        s.execute(text(POSTING), [{"e": entry, "a": 700}, {"e": entry, "a": -700}])
    with pytest.raises(IntegrityError, match="earlier transaction"), transaction(pg_factory) as s:
        s.execute(text(POSTING), {"e": entry, "a": 700})


def test_entries_inside_savepoints_still_work(pg_factory: sessionmaker[Session]) -> None:
    with transaction(pg_factory) as s:
        with s.begin_nested():
            entry = s.scalar(text(ENTRY))
        s.execute(text(POSTING), [{"e": entry, "a": 100}, {"e": entry, "a": -100}])
    with pytest.raises(IntegrityError, match="does not balance"), transaction(pg_factory) as s:
        entry = s.scalar(text(ENTRY))
        with s.begin_nested():
            s.execute(text(POSTING), {"e": entry, "a": 100})


def test_batch_life_and_integrity_refusal_on_postgres(pg_factory: sessionmaker[Session]) -> None:
    builder, checker = Actor.system("finance one"), Actor.system("finance two")
    with transaction(pg_factory) as s:
        proj = project(s)
        for i in range(3):
            approve(s, participant(s, f"Person {i}"), proj, date(2025, 5, 1), 2000 + i, 150)
        batch_id = build_batch(s, builder, "bank_transfer").batch.id
    with transaction(pg_factory) as s:
        approve_batch(s, checker, batch_id)
    with pytest.raises(IntegrityError, match="fixed when the batch is built"), transaction(pg_factory) as s:
        s.execute(text("UPDATE batch_lines SET amount_minor = 1007325 WHERE batch_id = :b"), {"b": batch_id})
    with transaction(pg_factory) as s:  # an owner of the database can drop the trigger; the re-check holds
        s.execute(text("DROP TRIGGER batch_lines_money_fixed ON batch_lines"))
        s.execute(text("UPDATE batch_lines SET amount_minor = 1007325, fees_minor = 1007175 "
                       "WHERE id = (SELECT min(id) FROM batch_lines WHERE batch_id = :b)"), {"b": batch_id})
    with pytest.raises(BatchIntegrityError), transaction(pg_factory) as s:
        export_file(s, checker, batch_id, "bank-csv")
    with pytest.raises(BatchIntegrityError), transaction(pg_factory) as s:
        mark_paid(s, checker, batch_id, date.today())
    with pg_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "batch.integrity_refused")) == 2
        assert s.scalar(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.kind == EntryKind.PAYMENT)) == 0
