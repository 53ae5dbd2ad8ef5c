"""Double-entry posting: the only way money gets into the ledger.

Every change of money is a ``JournalEntry`` whose ``Posting`` legs sum to zero per currency. This
module checks that in code before anything is written (the database checks again on PostgreSQL), and
offers ``reverse_entry``: the one way to undo posted money. Nothing here updates or deletes a posting.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from ledger.db.models import AccountKind, Category, EntryKind, JournalEntry, Posting
from ledger.errors import Conflict

JOURNAL_ENTRIES = cast(Table, JournalEntry.__table__)
POSTINGS = cast(Table, Posting.__table__)
_INSERT_ENTRY = insert(JOURNAL_ENTRIES).returning(JOURNAL_ENTRIES.c.id)


@dataclass(frozen=True)
class Leg:
    """One side of an entry before it is written: debit positive, credit negative, in minor units."""

    account_kind: AccountKind
    category: Category
    amount_minor: int
    currency: str
    participant_id: int | None = None
    project_id: int | None = None
    record_id: int | None = None
    activity_date: date | None = None
    minutes: int | None = None


class UnbalancedEntry(ValueError):
    """A programming error: an entry whose legs do not sum to zero. Never reaches a user as a 4xx."""


def check_balanced(legs: list[Leg]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if isinstance(leg.amount_minor, bool) or not isinstance(leg.amount_minor, int):
            raise UnbalancedEntry("posting amounts must be integer minor units")
        totals[leg.currency] += leg.amount_minor
    off = {currency: total for currency, total in totals.items() if total != 0}
    if off:
        raise UnbalancedEntry(f"journal entry does not balance: {off}")


def posting_rows(entry_id: int, legs: list[Leg]) -> list[dict[str, object]]:
    """The postings table's rows for ``legs`` (already checked to balance), every column in each row."""
    return [
        {
            "entry_id": entry_id,
            "account_kind": leg.account_kind.value,
            "category": leg.category.value,
            "amount_minor": leg.amount_minor,
            "currency": leg.currency,
            "participant_id": leg.participant_id,
            "project_id": leg.project_id,
            "record_id": leg.record_id,
            "activity_date": leg.activity_date,
            "minutes": leg.minutes,
        }
        for leg in legs
    ]


def insert_entry(
    session: Session,
    *,
    kind: EntryKind,
    booked_on: date,
    memo: str,
    legs: list[Leg],
    record_id: int | None = None,
    token_id: int | None = None,
) -> list[dict[str, object]]:
    """Write one balanced entry's header (one INSERT, no ORM object) and return its postings' rows for the
    caller to write in one INSERT of its own, later in the same transaction (zero-amount legs dropped).

    For a caller that must choose when the postings are written: on PostgreSQL their summary trigger takes
    the audit chain's lock, so approvals write them last. The balance is checked here, and again by the
    database at commit, once per entry.
    """
    legs = [leg for leg in legs if leg.amount_minor != 0]
    check_balanced(legs)
    entry_id = session.connection().execute(_INSERT_ENTRY, {
        "kind": kind.value, "booked_on": booked_on, "memo": memo, "record_id": record_id, "batch_id": None,
        "reverses_id": None, "created_by_token_id": token_id,
    }).scalar_one()
    return posting_rows(entry_id, legs)


def post_entry(
    session: Session,
    *,
    kind: EntryKind,
    booked_on: date,
    memo: str,
    legs: list[Leg],
    record_id: int | None = None,
    batch_id: int | None = None,
    reverses_id: int | None = None,
    token_id: int | None = None,
) -> JournalEntry:
    """Write one balanced entry with its legs (zero-amount legs are dropped) and flush it."""
    legs = [leg for leg in legs if leg.amount_minor != 0]
    check_balanced(legs)
    entry = JournalEntry(
        kind=kind,
        booked_on=booked_on,
        memo=memo,
        record_id=record_id,
        batch_id=batch_id,
        reverses_id=reverses_id,
        created_by_token_id=token_id,
    )
    session.add(entry)
    session.flush()
    if legs:
        # One multi-row INSERT for the legs: nothing needs their ids back, and approvals are a hot path.
        # render_nulls: every row has the same columns (a None is sent as NULL, not left out), so the ORM
        # does not split legs with and without minutes/record into separate INSERT statements.
        session.execute(insert(Posting).execution_options(render_nulls=True), posting_rows(entry.id, legs))
    return entry


def reverse_entry(
    session: Session,
    entry: JournalEntry,
    *,
    kind: EntryKind,
    booked_on: date,
    memo: str,
    token_id: int | None = None,
    batch_id: int | None = None,
) -> JournalEntry:
    """Post the mirror image of ``entry``, linked to it. An entry is reversed at most once.

    The UNIQUE ``reverses_id`` column makes the database refuse a second reversal even under a race;
    the check here turns the common case into a clear 409.
    """
    already = session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id))
    if already is not None:
        raise Conflict(f"entry {entry.id} has already been reversed (by entry {already})")
    legs = [
        Leg(
            account_kind=AccountKind(p.account_kind),
            category=Category(p.category),
            amount_minor=-p.amount_minor,
            currency=p.currency,
            participant_id=p.participant_id,
            project_id=p.project_id,
            record_id=p.record_id,
            activity_date=p.activity_date,
            minutes=-p.minutes if p.minutes is not None else None,
        )
        for p in entry.postings
    ]
    return post_entry(
        session,
        kind=kind,
        booked_on=booked_on,
        memo=memo,
        legs=legs,
        record_id=entry.record_id,
        batch_id=batch_id,
        reverses_id=entry.id,
        token_id=token_id,
    )
