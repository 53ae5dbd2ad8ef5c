"""Arrange ledger data for payment and report tests: people, projects and approved records.

Approval is posted exactly as the involvement service does it: debit PROJECT_SPEND, credit
PARTICIPANT_PAYABLE (declined fees to PROJECT_FOREGONE / PARTICIPANT_FOREGONE), ``minutes`` on the
project-side fee leg and ``activity_date`` on every leg, with the record's explained lines beside it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from db_template import copy_database  # tests/db_template.py
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from ledger.db.models import (
    AccountKind,
    Activity,
    Batch,
    Category,
    EntryKind,
    JournalEntry,
    Participant,
    Project,
    Record,
    RecordLine,
    RecordStatus,
    WatchLimit,
)
from ledger.exports.finance import get_exporter
from ledger.payments.batches import mark_exported
from ledger.payments.postings import Leg, post_entry, reverse_entry
from ledger.reports.batch_export import batch_export_data
from ledger.security.actor import Actor

_counter = itertools.count(1)

# Sort code / account pair that passes the Vocalink modulus check (a published test case).
GOOD_SORT = "089999"
GOOD_ACCOUNT = "66374958"


EXAMPLE_ORGANISATION = {
    "name": "Northshire Health and Care NHS Trust",
    "contact_name": "Priya Shah",
    "contact_phone": "0161 496 0000",
    "contact_email": "involvement@example.org",
    "postal_address": "1 Example Road, Northshire, NS1 1AA",
    "payer_name": "NORTHSHIRE HCT",
    "reference_prefix": "NHC",
}


def set_organisation(factory: sessionmaker[Session]) -> None:
    """Batches and documents need the organisation's details (``ledger setup``)."""
    from ledger.organisation import save_organisation

    with factory() as session, session.begin():
        save_organisation(session, EXAMPLE_ORGANISATION)


def migrated_factory(tmp_path: Path, template: Path | None = None) -> sessionmaker[Session]:
    """A migrated SQLite ledger in ``tmp_path`` with the organisation set up: a copy of ``template`` (the
    run's ``sqlite_template`` fixture, much quicker) when given, else migrated here."""
    path = tmp_path / "ledger.db"
    if template is not None:
        copy_database(template, path)
    engine = make_engine(f"sqlite:///{path}")
    if template is None:
        upgrade(engine)
    factory = make_session_factory(engine)
    set_organisation(factory)
    return factory


def participant(
    session: Session,
    name: str = "Ann Example",
    preference: str = "bank_transfer",
    *,
    sort_code: str | None = GOOD_SORT,
    account: str | None = GOOD_ACCOUNT,
    account_name: str | None = None,
    organisation: str | None = None,
    style: str = "standard",
    weekly_limit: str | None = None,
) -> Participant:
    n = next(_counter)
    person = Participant(
        reference=f"P-{n:04d}",
        name=name,
        payment_preference=preference,
        bank_account_name=account_name or (name if preference in ("bank_transfer", "expenses_only") else None),
        bank_sort_code=sort_code if preference in ("bank_transfer", "expenses_only") else None,
        bank_account_number=account if preference in ("bank_transfer", "expenses_only") else None,
        organisation_name=organisation,
        statement_style=style,
    )
    session.add(person)
    session.flush()
    if weekly_limit is not None:
        from decimal import Decimal

        session.add(WatchLimit(participant_id=person.id, period="week",
                               amount_minor=int(Decimal(weekly_limit) * 100), currency="GBP",
                               label="ESA permitted work limit"))
        session.flush()
    return person


def project(session: Session, code: str = "PRJ", budget_minor: int | None = 500000) -> Project:
    proj = Project(code=f"{code}{next(_counter)}", name=f"Project {code}", rate_card="nihr-style",
                   currency="GBP", budget_minor=budget_minor, cost_code="CC-1")
    session.add(proj)
    session.flush()
    return proj


@dataclass(frozen=True)
class Approved:
    record: Record
    entry: JournalEntry


def approve(
    session: Session,
    person: Participant,
    proj: Project,
    on: date,
    fee_minor: int,
    expense_minor: int = 0,
    *,
    minutes: int = 60,
    activity: str = "meeting",
    declined: bool = False,
    costs_declined: bool = False,
) -> Approved:
    """Record and approve one activity for one person, posting the approval entry.

    ``declined`` declines the fee ("expenses only"); with ``costs_declined`` too the expenses go to the
    FOREGONE accounts as well, as approval does for someone who chose "decline"."""
    act = Activity(project_id=proj.id, date=on, activity=activity, mode="online", description=None)
    session.add(act)
    session.flush()
    rec = Record(activity_id=act.id, participant_id=person.id, involvement_minutes=minutes,
                 status=RecordStatus.APPROVED.value, rate_card="nihr-style", version_from=date(2024, 4, 1),
                 currency="GBP", fees_minor=fee_minor, expenses_minor=expense_minor,
                 payment_preference_at_approval=person.payment_preference)
    session.add(rec)
    session.flush()
    position = 0
    if fee_minor:
        session.add(RecordLine(record_id=rec.id, position=position, kind="involvement", category="fee",
                               minutes=minutes, rate="27.50", amount_minor=fee_minor,
                               explanation=f"Meeting of {minutes} minutes on {on.isoformat()} (fee {fee_minor}p)"))
        position += 1
    if expense_minor:
        session.add(RecordLine(record_id=rec.id, position=position, kind="expense", category="expense",
                               minutes=None, rate="1", amount_minor=expense_minor,
                               explanation=f"Train fare paid back at cost ({expense_minor}p)"))
    session.flush()
    spend, payable = AccountKind.PROJECT_SPEND, AccountKind.PARTICIPANT_PAYABLE
    fee_debit = AccountKind.PROJECT_FOREGONE if declined else spend
    fee_credit = AccountKind.PARTICIPANT_FOREGONE if declined else payable
    common = {"record_id": rec.id, "activity_date": on}
    if costs_declined:
        spend, payable = AccountKind.PROJECT_FOREGONE, AccountKind.PARTICIPANT_FOREGONE
    legs = [
        Leg(fee_debit, Category.FEE, fee_minor, "GBP", participant_id=person.id, project_id=proj.id,
            minutes=minutes, **common),  # type: ignore[arg-type]
        Leg(fee_credit, Category.FEE, -fee_minor, "GBP", participant_id=person.id, project_id=proj.id,
            **common),  # type: ignore[arg-type]
        Leg(spend, Category.EXPENSE, expense_minor, "GBP", participant_id=person.id, project_id=proj.id,
            **common),  # type: ignore[arg-type]
        Leg(payable, Category.EXPENSE, -expense_minor, "GBP", participant_id=person.id, project_id=proj.id,
            **common),  # type: ignore[arg-type]
    ]
    entry = post_entry(session, kind=EntryKind.APPROVAL, booked_on=on, memo="approved", legs=legs,
                       record_id=rec.id)
    return Approved(rec, entry)


def reverse(session: Session, approved: Approved, on: date) -> JournalEntry:
    session.refresh(approved.entry)
    entry = reverse_entry(session, approved.entry, kind=EntryKind.REVERSAL, booked_on=on, memo="reversed")
    approved.record.status = RecordStatus.REVERSED.value
    approved.record.reversal_reason = "recorded twice"
    session.flush()
    return entry


def backdate(session: Session, batch: Batch, on: date) -> None:
    """Pretend the batch was built on ``on`` (batches are mutable; postings never are)."""
    batch.created_at = datetime(on.year, on.month, on.day, 9, 0, tzinfo=UTC)
    session.flush()


def export_file(session: Session, actor: Actor, batch_id: int, fmt: str) -> bytes:
    """Export a batch exactly as the API and CLI do: choose the exporter, mark exported, render the data."""
    exporter = get_exporter(fmt)
    data = batch_export_data(session, mark_exported(session, actor, batch_id, exporter.name))
    return b"".join(exporter.iter_chunks(data))
