"""Deciding records: approve (post the money), reject, reverse a mistake, and submit a correction.

Approval fixes the amounts: the record is calculated with the rate-card version in force on the
activity date, its explained lines are stored with that version, and ONE balanced journal entry is
posted. Which accounts it uses depends on how the participant chose to be paid:

* bank transfer, voucher, organisation: fees and expenses are owed (project spend / participant payable);
* expenses only: expenses are owed; fees are recognised but declined (project foregone / participant
  foregone);
* decline: fees and expenses are both recognised as foregone; nothing is owed.

Nothing is ever edited: a mistake is reversed (a mirror entry linked to the approval, at most once) and
a correction is a new record. The record row is locked while it is decided, so two approvals sent at the
same moment post once: the second sees the first's result and gets a conflict.

A reversal of a record whose money sits in a payment batch that has not been paid yet is refused:
finance returns that batch line first. Once the batch is paid, a reversal is allowed and leaves the
participant owing the amount back; it is netted off what the next batch pays them.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ledger import clock
from ledger.audit import record_event
from ledger.audit.chain import PendingEvent, append_event, chain_key, last_hash_query, lock_chain, pending_event
from ledger.db.base import utcnow
from ledger.db.models import (
    AccountKind,
    Batch,
    BatchItem,
    BatchLine,
    BatchLineStatus,
    BatchStatus,
    Category,
    EntryKind,
    JournalEntry,
    PaymentPreference,
    Posting,
    Record,
    RecordLine,
    RecordStatus,
    Role,
)
from ledger.errors import Conflict, FieldProblem, Invalid, invalid_field
from ledger.involvement.access import ensure_not_recorder, ensure_role
from ledger.involvement.activities import new_record, project_card
from ledger.involvement.calc import quote_part
from ledger.involvement.corrections import correction_changes, field_changes, merged_part, part_of
from ledger.involvement.records import (
    load_record,
    participant_of,
    record_expense_requests,
    record_mileage,
    record_out,
)
from ledger.involvement.schemas import CorrectionIn, RecordCreated, RecordOut
from ledger.involvement.watch import warnings_for
from ledger.money import Money, format_rate
from ledger.payments.postings import POSTINGS, Leg, insert_entry, reverse_entry
from ledger.rates.contract import to_response
from ledger.rates.engine import Quote
from ledger.rates.registry import CardRegistry
from ledger.security.actor import Actor

MAX_REASON = 2000
PAYABLE_PREFERENCES = (PaymentPreference.BANK_TRANSFER, PaymentPreference.VOUCHER, PaymentPreference.ORGANISATION)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise invalid_field("reason", "say why, in a few words the participant could read")
    if len(text) > MAX_REASON:
        raise invalid_field("reason", f"must be at most {MAX_REASON} characters")
    return text


def _locked_for_decision(session: Session, actor: Actor, record_id: int, doing: str) -> Record:
    ensure_role(actor, Role.LEAD, doing=f"{doing} records")
    record = load_record(session, record_id, lock=True)
    actor.ensure_project(record.activity.project_id)
    return record


def _state(record: Record) -> dict[str, object]:
    return {"status": record.status, "fees_minor": record.fees_minor, "expenses_minor": record.expenses_minor,
            "rate_card": record.rate_card, "version_from": record.version_from, "currency": record.currency,
            "payment_preference_at_approval": record.payment_preference_at_approval,
            "rejection_reason": record.rejection_reason, "reversal_reason": record.reversal_reason}


def recorded_minutes(record: Record) -> int:
    """The time entered for the record (involvement + preparation + follow-up + travel), for reports."""
    return (record.involvement_minutes + record.preparation_minutes + record.follow_up_minutes
            + record.travel_minutes)


def approval_legs(record: Record, project_id: int, preference: PaymentPreference, quote: Quote) -> list[Leg]:
    """The legs of the approval entry: debit the project side, credit the participant side."""
    currency = quote.currency
    fees = Money(quote.fees_total, currency).minor
    expenses = Money(quote.expenses_total, currency).minor
    fees_payable = preference in PAYABLE_PREFERENCES
    expenses_payable = preference != PaymentPreference.DECLINE

    def leg(kind: AccountKind, category: Category, amount: int, minutes: int | None = None) -> Leg:
        return Leg(kind, category, amount, currency, participant_id=record.participant_id, project_id=project_id,
                   record_id=record.id, activity_date=record.activity.date, minutes=minutes)

    return [
        leg(AccountKind.PROJECT_SPEND if fees_payable else AccountKind.PROJECT_FOREGONE, Category.FEE, fees,
            minutes=recorded_minutes(record)),
        leg(AccountKind.PARTICIPANT_PAYABLE if fees_payable else AccountKind.PARTICIPANT_FOREGONE, Category.FEE,
            -fees),
        leg(AccountKind.PROJECT_SPEND if expenses_payable else AccountKind.PROJECT_FOREGONE, Category.EXPENSE,
            expenses),
        leg(AccountKind.PARTICIPANT_PAYABLE if expenses_payable else AccountKind.PARTICIPANT_FOREGONE,
            Category.EXPENSE, -expenses),
    ]


def approve_record(
    session: Session, actor: Actor, record_id: int, *, registry: CardRegistry | None = None,
    booked_on: date | None = None,
) -> RecordOut:
    """Approve a submitted record recorded by someone else: store its lines, post its entry, warn."""
    record = _locked_for_decision(session, actor, record_id, "approve")
    if record.status != RecordStatus.SUBMITTED:
        raise Conflict(f"Record {record.id} is {record.status}; only a submitted record can be approved.")
    ensure_not_recorder(actor, record.recorded_by_token_id, "approve")
    before = _state(record)
    activity = record.activity
    card = project_card(activity.project, registry)
    try:
        quote = quote_part(
            session, card, participant_id=record.participant_id, on=activity.date, activity=activity.activity,
            mode=activity.mode, part=record, mileage=record_mileage(record),
            expenses=record_expense_requests(record, card.currency), exclude_record_id=record.id,
        )
    except Invalid as exc:
        raise Invalid(f"Record {record.id} can no longer be calculated: {exc.detail}. Reject it and submit a "
                      "correction.", exc.problems) from None
    participant = participant_of(session, record)
    preference = PaymentPreference(participant.payment_preference)
    warnings = warnings_for(session, participant, activity.date, quote.fees_total, exclude_record_id=record.id,
                            currency=quote.currency)
    currency = quote.currency
    rows = [
        {"record_id": record.id, "position": index, "kind": line.kind, "category": line.category,
         "minutes": line.minutes, "quantity": str(line.quantity) if line.quantity is not None else None,
         "rate": format_rate(line.rate, currency), "amount_minor": Money(line.amount, currency).minor,
         "explanation": line.explanation}
        for index, line in enumerate(quote.lines)
    ]
    if rows:
        # Core, every column in every row: ONE statement (the ORM's bulk insert would leave None values out
        # and so split the rows by which are None: lines with minutes apart from lines with a quantity).
        session.connection().execute(insert(_RECORD_LINES), rows)
    # The answer shows the lines as stored: these are the stored values, so they are not read back.
    set_committed_value(record, "lines", [RecordLine(**row) for row in rows])
    decided: dict[str, object] = {
        "status": RecordStatus.APPROVED.value,
        "decided_by_token_id": actor.token_id,
        "decided_at": utcnow(),
        "rate_card": quote.rate_card,
        "version_from": quote.version_from,
        "currency": currency,
        "fees_minor": Money(quote.fees_total, currency).minor,
        "expenses_minor": Money(quote.expenses_total, currency).minor,
        "payment_preference_at_approval": preference.value,
    }
    for name, value in decided.items():  # written below with one UPDATE; the session has nothing to flush
        set_committed_value(record, name, value)
    # Everything is worked out from memory BEFORE the writes that take the audit chain's lock (on
    # PostgreSQL the record's new status and the postings take it, through their summary triggers): every
    # other approval waits on that lock until this one commits, so only what needs it is done holding it.
    with session.no_autoflush:
        out = record_out(session, record, registry=registry)
    out.warnings = warnings
    event = pending_event(actor, "record.approve", "record", record.id, before, _state(record))
    key = chain_key()
    postings = insert_entry(
        session, kind=EntryKind.APPROVAL, booked_on=booked_on or clock.today(),
        memo=f"Approved record {record.id}: {participant.reference}, {activity.activity} on {activity.date}",
        legs=approval_legs(record, activity.project_id, preference, quote), record_id=record.id,
        token_id=actor.token_id,
    )
    _write_decision(session, record.id, decided, postings, event, key)
    return out


_RECORDS = cast(Table, Record.__table__)
_RECORD_LINES = cast(Table, RecordLine.__table__)
_DECIDED = ("status", "decided_by_token_id", "decided_at", "rate_card", "version_from", "currency", "fees_minor",
            "expenses_minor", "payment_preference_at_approval")
_POSTED = ("entry_id", "account_kind", "category", "amount_minor", "currency", "participant_id", "project_id",
           "record_id", "activity_date", "minutes")
# The record's new state, with bound parameters only: built once, so each approval pays for running it,
# not for building and compiling it again.
_MARK = update(_RECORDS).where(_RECORDS.c.id == bindparam("record_id")).values(
    {name: bindparam(f"d_{name}", type_=_RECORDS.c[name].type) for name in _DECIDED})


@functools.cache
def _decision_statement(legs: int) -> Select[Any]:
    """PostgreSQL: the record's new state and ``legs`` postings written, and the chain's last hash read, in one
    statement (data-modifying WITH queries run once, whether or not the SELECT reads them). Built once for
    each number of legs (0 to 4 for an approval)."""
    writes: list[Any] = [_MARK.cte("decided")]
    if legs:
        # INSERT ... SELECT of bound rows rather than a multi-row VALUES: SQLAlchemy cannot cache the
        # compiled form of a multi-row VALUES, so it would compile it again for every approval.
        rows = [select(*[bindparam(f"p{i}_{name}", type_=POSTINGS.c[name].type).label(name) for name in _POSTED])
                for i in range(legs)]
        writes.append(insert(POSTINGS).from_select(list(_POSTED), union_all(*rows) if legs > 1 else rows[0])
                      .cte("posted"))
    return last_hash_query().add_cte(*writes)


def _write_decision(session: Session, record_id: int, decided: dict[str, object],
                    postings: list[dict[str, object]], event: PendingEvent, key: bytes) -> None:
    """The approval's writes that need the audit chain's lock: the record's new state, the postings and the
    audit event, in as few round trips as the database allows, on the session's connection (Core only:
    nothing here is an ORM object).

    PostgreSQL: take the lock, then ONE statement updates the record, inserts the postings and reads the
    chain's last hash; that statement starts after the lock is held, so the hash it reads is the newest.
    Then the event's INSERT. SQLite holds its write lock for the whole transaction (``BEGIN IMMEDIATE``),
    so the same writes are plain statements there.
    """
    connection = session.connection()
    mark = {"record_id": record_id, **{f"d_{name}": value for name, value in decided.items()}}
    if connection.dialect.name == "postgresql":
        lock_chain(session)
        parameters = dict(mark)
        for index, row in enumerate(postings):
            parameters.update({f"p{index}_{name}": row[name] for name in _POSTED})
        prev_hash = connection.execute(_decision_statement(len(postings)), parameters).scalar()
    else:
        connection.execute(_MARK, mark)
        if postings:
            connection.execute(insert(POSTINGS), postings)
        prev_hash = connection.execute(last_hash_query()).scalar()
    append_event(session, event, prev_hash, key)


def reject_record(session: Session, actor: Actor, record_id: int, reason: str) -> RecordOut:
    """Turn down a submitted record with a reason. Nothing is posted; a correction can follow."""
    record = _locked_for_decision(session, actor, record_id, "reject")
    text = _reason(reason)
    if record.status != RecordStatus.SUBMITTED:
        raise Conflict(f"Record {record.id} is {record.status}; only a submitted record can be rejected.")
    ensure_not_recorder(actor, record.recorded_by_token_id, "reject")
    before = _state(record)
    record.status = RecordStatus.REJECTED
    record.rejection_reason = text
    record.decided_by_token_id = actor.token_id
    record.decided_at = utcnow()
    session.flush()
    record_event(session, actor, "record.reject", "record", record.id, before, _state(record))
    return record_out(session, record)


def _approval_entry(session: Session, record: Record) -> JournalEntry:
    entry = session.scalars(
        select(JournalEntry).where(JournalEntry.record_id == record.id, JournalEntry.kind == EntryKind.APPROVAL)
    ).one_or_none()
    if entry is None:
        raise Conflict(f"Record {record.id} has no approval entry to reverse.")
    return entry


def _ensure_not_in_unpaid_batch(session: Session, entry: JournalEntry) -> None:
    locked = session.execute(
        select(Batch.reference, Batch.status)
        .join(BatchLine, BatchLine.batch_id == Batch.id)
        .join(BatchItem, BatchItem.batch_line_id == BatchLine.id)
        .join(Posting, Posting.id == BatchItem.posting_id)
        .where(
            Posting.entry_id == entry.id,
            Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE,
            Batch.status != BatchStatus.PAID,
            BatchLine.status != BatchLineStatus.RETURNED,
        )
    ).first()
    if locked is not None:
        reference, status = locked
        raise Conflict(
            f"This record's payment is in batch {reference}, which is {status} and not yet paid: "
            "return the batch line first, then reverse the record."
        )


def reverse_record(
    session: Session, actor: Actor, record_id: int, reason: str, *, booked_on: date | None = None
) -> RecordOut:
    """Undo an approved record with a linked mirror entry (at most once). The record becomes reversed.

    If the record was already paid, the reversal leaves the participant owing it back; the next batch
    nets it off what they are owed.
    """
    record = _locked_for_decision(session, actor, record_id, "reverse")
    text = _reason(reason)
    if record.status == RecordStatus.REVERSED:
        raise Conflict(f"Record {record.id} has already been reversed; a record is reversed at most once.")
    if record.status != RecordStatus.APPROVED:
        raise Conflict(f"Record {record.id} is {record.status}; only an approved record can be reversed.")
    ensure_not_recorder(actor, record.recorded_by_token_id, "reverse")
    entry = _approval_entry(session, record)
    _ensure_not_in_unpaid_batch(session, entry)
    before = _state(record)
    reverse_entry(session, entry, kind=EntryKind.REVERSAL, booked_on=booked_on or clock.today(),
                  memo=f"Reversed record {record.id}: {text}", token_id=actor.token_id)
    record.status = RecordStatus.REVERSED
    record.reversal_reason = text
    record.reversed_by_token_id = actor.token_id
    record.reversed_at = utcnow()
    session.flush()
    record_event(session, actor, "record.reverse", "record", record.id, before, _state(record))
    return record_out(session, record)


def correct_record(
    session: Session, actor: Actor, record_id: int, data: CorrectionIn, *, registry: CardRegistry | None = None
) -> RecordCreated:
    """A new submitted record for the same activity and participant, replacing a rejected or reversed one.

    It starts from the record it corrects and changes only the fields sent (see ``CorrectionIn``); the
    answer lists what changed, field by field, with the old and new amounts.
    """
    original = _locked_for_decision(session, actor, record_id, "correct")
    if original.status not in (RecordStatus.REJECTED, RecordStatus.REVERSED):
        raise Conflict(f"Record {original.id} is {original.status}; only a rejected or reversed record can be "
                       "corrected (reverse an approved record first).")
    pending = session.scalar(
        select(Record.id).where(Record.corrects_record_id == original.id,
                                Record.status.in_([RecordStatus.SUBMITTED, RecordStatus.APPROVED]))
    )
    if pending is not None:
        raise Conflict(f"Record {original.id} already has a correction (record {pending}); change that one instead.")
    activity = original.activity
    card = project_card(activity.project, registry)
    # Start from the record being corrected: only the fields sent change (null/[] clear on purpose).
    part = merged_part(original, data, card.currency)
    if not field_changes(part_of(original, card.currency), part, card.currency):
        raise Invalid(
            f"nothing to correct: this is the same as record {original.id}; send only the fields that were "
            "wrong (for example involvement_minutes), or null or [] to clear one",
            [FieldProblem("body", f"changes nothing in record {original.id}; send the fields that were wrong")],
        )
    quote = quote_part(
        session, card, participant_id=original.participant_id, on=activity.date, activity=activity.activity,
        mode=activity.mode, part=part, mileage=part.mileage, expenses=part.expenses,
    )
    record = new_record(activity, original.participant_id, part, card.currency, actor,
                        corrects_record_id=original.id)
    session.add(record)
    session.flush()
    participant = participant_of(session, record)
    warnings = warnings_for(session, participant, activity.date, quote.fees_total, currency=card.currency)
    response = to_response(quote, warnings)
    changes = correction_changes(session, record, response, registry=registry)
    record_event(session, actor, "record.correct", "record", record.id, None,
                 {"corrects_record_id": original.id, "participant_id": record.participant_id,
                  "activity_id": activity.id, "status": record.status,
                  "changed": [change.field for change in changes.fields] if changes else []})
    return RecordCreated(id=record.id, participant=record.participant_id, status=record.status,
                         quote=response, changes=changes)
