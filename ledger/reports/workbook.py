"""Reading the ledger for the workbook export: participants (bank details masked), records with the
reason for every amount, and payments. Rows are read in pages (``yield_per``) so memory stays flat.

Reasons are the lines fixed at approval, exactly as stored (with the rate-card version); a record not
yet approved has no fixed amounts or reasons, and the sheet says so rather than guessing a live quote.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ledger import clock
from ledger.db.models import (
    Activity,
    Batch,
    BatchLine,
    Participant,
    ParticipantProject,
    PayeeChange,
    PayeeChangeStatus,
    Project,
    Record,
    RecordLine,
    Role,
)
from ledger.involvement.access import ensure_role
from ledger.involvement.payee_changes import mask_account_name
from ledger.money import Money
from ledger.organisation import read_settings
from ledger.reports.workbook_data import Cell, Sheet, WorkbookData
from ledger.security.actor import Actor
from ledger.security.masking import mask_bank

PAGE = 500


def workbook_data(session: Session, actor: Actor) -> WorkbookData:
    """The whole ledger as sheets; finance, auditors and administrators may export it."""
    ensure_role(actor, Role.FINANCE, Role.AUDITOR, doing="export the whole ledger")
    return WorkbookData(
        organisation=(read_settings(session).get("name") or "").strip(),
        made_on=clock.today().isoformat(),
        sheets=[
            Sheet("Participants", ["Reference", "Name", "Preferred name", "Email", "Phone", "Payment choice",
                                   "Name on bank account", "Sort code", "Account number", "Organisation paid",
                                   "Organisation reference", "Statement style", "Projects",
                                   "Payee change waiting", "Added on", "Erased on"],
                  _participants(session),
                  "Everyone in the ledger, one row each. Bank details are masked: only the last digits show."),
            Sheet("Records", ["Record", "Date", "Project", "Activity", "Way of taking part", "Description",
                              "Participant", "Name", "Role", "Minutes taking part", "Preparation minutes",
                              "Follow-up minutes", "Travel minutes", "Vehicle", "Miles", "Passengers", "Status",
                              "Fees", "Expenses", "Total", "Currency", "Rate card", "Rate card version from",
                              "Decided on", "Rejection reason", "Reversal reason", "Corrects record"],
                  _records(session),
                  "One row per person per activity. Amounts are fixed when a record is approved; a record "
                  "waiting for approval has none yet."),
            Sheet("Reasons", ["Record", "Line", "Kind", "Minutes", "Quantity", "Rate", "Amount", "Currency",
                              "Why (the reason for this amount)"],
                  _lines(session),
                  "Every amount of every approved record, with its reason, exactly as fixed at approval."),
            Sheet("Payments", ["Batch", "Batch status", "Method", "Paid on", "Participant", "Paid to",
                               "Account", "Organisation", "Amount", "Fees", "Expenses", "Currency",
                               "Payment reference", "Line status", "Returned because"],
                  _payments(session),
                  "One row per person per payment batch. Account numbers are masked."),
        ],
    )


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _participants(session: Session) -> Iterator[list[Cell]]:
    projects = {p.id: p.code for p in session.scalars(select(Project))}
    pending = set(session.scalars(select(PayeeChange.participant_id)
                                  .where(PayeeChange.status == PayeeChangeStatus.PENDING)))
    membership: dict[int, list[str]] = {}
    for link in session.scalars(select(ParticipantProject)):
        membership.setdefault(link.participant_id, []).append(projects.get(link.project_id, ""))
    for person in session.scalars(select(Participant).order_by(Participant.id).execution_options(yield_per=PAGE)):
        sort_code, account = mask_bank(person.bank_sort_code, person.bank_account_number)
        yield [person.reference, person.name, person.preferred_name, person.email, person.phone,
               person.payment_preference.replace("_", " "), mask_account_name(person.bank_account_name), sort_code,
               account, person.organisation_name, person.organisation_reference,
               person.statement_style.replace("_", " "), ", ".join(sorted(membership.get(person.id, []))),
               "yes" if person.id in pending else "no", _day(person.created_at), _day(person.erased_at)]


def _money(minor: int | None, currency: str | None) -> Cell:
    return Money.from_minor(minor, currency).amount if minor is not None and currency else None


def _records(session: Session) -> Iterator[list[Cell]]:
    query = (select(Record, Activity, Project.code, Participant.reference, Participant.name)
             .join(Activity, Activity.id == Record.activity_id).join(Project, Project.id == Activity.project_id)
             .join(Participant, Participant.id == Record.participant_id)
             .order_by(Record.id).execution_options(yield_per=PAGE))
    for record, activity, code, reference, name in session.execute(query):
        currency = record.currency
        total = (None if record.fees_minor is None or currency is None
                 else _money((record.fees_minor or 0) + (record.expenses_minor or 0), currency))
        yield [record.id, activity.date, code, activity.activity, activity.mode.replace("_", " "),
               activity.description, reference, name, record.role, record.involvement_minutes,
               record.preparation_minutes, record.follow_up_minutes, record.travel_minutes, record.mileage_vehicle,
               record.mileage_miles, record.mileage_passengers, record.status,
               _money(record.fees_minor, currency), _money(record.expenses_minor, currency), total, currency,
               record.rate_card, record.version_from, _day(record.decided_at), record.rejection_reason,
               record.reversal_reason, record.corrects_record_id]


def _lines(session: Session) -> Iterator[list[Cell]]:
    query = (select(RecordLine, Record.currency).join(Record, Record.id == RecordLine.record_id)
             .order_by(RecordLine.record_id, RecordLine.position).execution_options(yield_per=PAGE))
    for line, currency in session.execute(query):
        yield [line.record_id, line.position + 1, line.kind, line.minutes, line.quantity, line.rate,
               _money(line.amount_minor, currency), currency, line.explanation]


def _payments(session: Session) -> Iterator[list[Cell]]:
    query = (select(BatchLine, Batch, Participant.reference)
             .join(Batch, Batch.id == BatchLine.batch_id).join(Participant, Participant.id == BatchLine.participant_id)
             .order_by(Batch.id, BatchLine.id).options(selectinload(BatchLine.items))
             .execution_options(yield_per=PAGE))
    for line, batch, reference in session.execute(query):
        _, account = mask_bank(line.bank_sort_code, line.bank_account_number)
        yield [batch.reference, batch.status, batch.method.replace("_", " "), batch.paid_on, reference,
               line.payee_name, account, line.organisation_name, _money(line.amount_minor, batch.currency),
               _money(line.fees_minor, batch.currency), _money(line.expenses_minor, batch.currency),
               batch.currency, line.payment_reference, line.status, line.returned_reason]
