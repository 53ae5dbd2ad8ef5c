"""The approval's entry written without the ORM (``insert_entry``): balance checked first, zero legs dropped.

Approvals write the entry header early and the postings later, in the statement that also marks the
record approved (see ``ledger.involvement.approval``); the balance check must still happen, once, before
anything is written.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import AccountKind, Category, EntryKind, JournalEntry
from ledger.payments.postings import Leg, UnbalancedEntry, insert_entry

ON = date(2026, 1, 7)


def test_an_unbalanced_entry_is_refused_before_anything_is_written(session: Session) -> None:
    legs = [Leg(AccountKind.PROJECT_SPEND, Category.FEE, 1000, "GBP"),
            Leg(AccountKind.PARTICIPANT_PAYABLE, Category.FEE, -999, "GBP")]
    with pytest.raises(UnbalancedEntry):
        insert_entry(session, kind=EntryKind.APPROVAL, booked_on=ON, memo="off by a penny", legs=legs)
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == 0


def test_the_header_is_written_and_the_postings_rows_come_back_without_zero_legs(session: Session) -> None:
    legs = [Leg(AccountKind.PROJECT_SPEND, Category.FEE, 1000, "GBP", minutes=90),
            Leg(AccountKind.PARTICIPANT_PAYABLE, Category.FEE, -1000, "GBP"),
            Leg(AccountKind.PROJECT_SPEND, Category.EXPENSE, 0, "GBP"),
            Leg(AccountKind.PARTICIPANT_PAYABLE, Category.EXPENSE, 0, "GBP")]
    rows = insert_entry(session, kind=EntryKind.APPROVAL, booked_on=ON, memo="fees only", legs=legs, token_id=7)
    entry = session.scalars(select(JournalEntry)).one()
    assert (entry.kind, entry.booked_on, entry.memo, entry.created_by_token_id) == ("approval", ON, "fees only", 7)
    assert entry.created_at is not None
    assert [(r["entry_id"], r["account_kind"], r["amount_minor"], r["minutes"]) for r in rows] == [
        (entry.id, "project_spend", 1000, 90), (entry.id, "participant_payable", -1000, None)]


@pytest.mark.parametrize("legs", range(5))
def test_the_locked_statement_is_compiled_once_not_per_approval(legs: int) -> None:
    """The PostgreSQL statement run while holding the chain's lock must have a cache key: without one
    SQLAlchemy compiles it again for every approval (a multi-row VALUES has none), inside the lock."""
    from ledger.involvement.approval import _decision_statement

    assert _decision_statement(legs)._generate_cache_key() is not None
