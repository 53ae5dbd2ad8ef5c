"""Every table of the ledger.

Design notes (read before changing anything here):

* Money is stored as integer minor units (``*_minor`` columns, pence for GBP) with the currency beside
  it. Never floats, never NUMERIC strings.
* ``JournalEntry`` + ``Posting`` are the double-entry ledger. An entry's postings sum to zero per
  currency (checked in code by ``ledger.payments.postings`` and by the database: a deferred constraint
  trigger on PostgreSQL). Entries, postings, computed record lines and audit events are append-only:
  database triggers refuse UPDATE and DELETE. Corrections are reversing entries (``reverses_id``,
  unique, so an entry is reversed at most once).
* Accounts are named by kind plus the owning participant or project (see ``AccountKind``). Signs: debit
  positive, credit negative. Approving a fee of 34.38 posts +3438 to the project's spend account and
  -3438 to the participant's payable account.
* ``BatchItem.posting_id`` is UNIQUE: the database itself guarantees a payable posting is locked to at
  most one payment batch, so nobody is ever paid twice, even when two batches are built at once.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ledger.db.base import Base, BigId, CreatedMixin, IdMixin, MinorUnits, utcnow
from ledger.db.encrypted import EncryptedString


class PaymentPreference(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    VOUCHER = "voucher"
    ORGANISATION = "organisation"
    EXPENSES_ONLY = "expenses_only"
    DECLINE = "decline"


class StatementStyle(enum.StrEnum):
    STANDARD = "standard"
    LARGE_PRINT = "large_print"
    EASY_READ = "easy_read"


class RecordStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVERSED = "reversed"


class AccountKind(enum.StrEnum):
    PROJECT_SPEND = "project_spend"  # debit: what a project spent (fees, expenses)
    PARTICIPANT_PAYABLE = "participant_payable"  # credit: what we owe a participant
    PROJECT_FOREGONE = "project_foregone"  # debit: value of declined fees/expenses, recognised only
    PARTICIPANT_FOREGONE = "participant_foregone"  # credit: value a participant declined
    PAYMENTS_CLEARING = "payments_clearing"  # credit: money sent out by a payment batch


class Category(enum.StrEnum):
    FEE = "fee"
    EXPENSE = "expense"


class EntryKind(enum.StrEnum):
    APPROVAL = "approval"
    REVERSAL = "reversal"
    PAYMENT = "payment"
    RETURN = "return"


class BatchMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    VOUCHER = "voucher"
    ORGANISATION = "organisation"


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    EXPORTED = "exported"
    PAID = "paid"


class BatchLineStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    RETURNED = "returned"


class Role(enum.StrEnum):
    ADMIN = "admin"
    LEAD = "lead"
    FINANCE = "finance"
    AUDITOR = "auditor"
    PARTICIPANT = "participant"


def _enum(values: type[enum.StrEnum]) -> String:
    """Enums are stored as plain strings (portable, readable in SQL); values are checked in code."""
    return String(max(len(v.value) for v in values))


# --------------------------------------------------------------------------------------------- people


class Participant(IdMixin, CreatedMixin, Base):
    """A person paid for involvement. Bank details are stored for the bank file only, masked elsewhere."""

    __tablename__ = "participants"

    reference: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    payment_preference: Mapped[str] = mapped_column(_enum(PaymentPreference))
    # Encrypted at rest (ledger.db.encrypted): the database and its backups hold ciphertext only.
    bank_account_name: Mapped[str | None] = mapped_column(EncryptedString(200))
    bank_sort_code: Mapped[str | None] = mapped_column(EncryptedString(6))
    bank_account_number: Mapped[str | None] = mapped_column(EncryptedString(8))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_reference: Mapped[str | None] = mapped_column(String(100))
    statement_style: Mapped[str] = mapped_column(_enum(StatementStyle), default=StatementStyle.STANDARD)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when the retention period ended and the personal details were replaced by a tombstone
    # (ledger.involvement.erasure); amounts, references and records stay.
    erased_at: Mapped[datetime | None] = mapped_column()
    # Keyed seal over the confirmed payee details (ledger.payments.payee_seal, migration 0010): details
    # moved here by direct SQL no longer match it, and batches leave the person out.
    payee_fingerprint: Mapped[str | None] = mapped_column(String(64))
    contact_preference: Mapped[str] = mapped_column(String(5), default="email")  # email | post | none (messages)
    postal_address: Mapped[str | None] = mapped_column(EncryptedString(400))  # for letters (ledger.messages)

    watch_limits: Mapped[list[WatchLimit]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="WatchLimit.id"
    )


@event.listens_for(Participant, "after_insert")
def _seal_new_participant(_mapper: Any, connection: Any, target: Participant) -> None:
    from ledger.payments.payee_seal import seal_on_write  # lazy: it needs the keyring, not the models

    seal_on_write(connection, target, inserted=True)


@event.listens_for(Participant, "after_update")
def _seal_changed_participant(_mapper: Any, connection: Any, target: Participant) -> None:
    from ledger.payments.payee_seal import seal_on_write

    seal_on_write(connection, target, inserted=False)


class PayeeChangeStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a second person (finance or admin) to confirm or refuse it
    CONFIRMED = "confirmed"  # copied onto the participant: batches pay with it from now on
    REFUSED = "refused"  # never took effect
    SUPERSEDED = "superseded"  # replaced by a newer proposal before anyone decided it


class PayeeChange(IdMixin, CreatedMixin, Base):
    """A proposed change of how a participant is paid (bank details, organisation, payment choice).

    Four eyes: it takes effect only when a second person (finance or admin, not the proposer) confirms
    it (``ledger.involvement.payee_changes``). Until then the participant row keeps the last confirmed
    details, which is all batches ever read. At most one change per participant is pending (a partial
    unique index), so a newer proposal supersedes the older one. ``created_at`` is when it was proposed.
    """

    __tablename__ = "payee_changes"
    __table_args__ = (
        Index("uq_payee_changes_one_pending", "participant_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(_enum(PayeeChangeStatus), default=PayeeChangeStatus.PENDING, index=True)
    # The complete payee details proposed (not a difference): what the participant row becomes on confirmation.
    payment_preference: Mapped[str] = mapped_column(_enum(PaymentPreference))
    bank_account_name: Mapped[str | None] = mapped_column(EncryptedString(200))
    bank_sort_code: Mapped[str | None] = mapped_column(EncryptedString(6))
    bank_account_number: Mapped[str | None] = mapped_column(EncryptedString(8))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_reference: Mapped[str | None] = mapped_column(String(100))
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_by_token_id: Mapped[int | None] = mapped_column(BigId)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_by_token_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)  # why it was refused or superseded

    participant: Mapped[Participant] = relationship()


class ParticipantProject(CreatedMixin, Base):
    """A participant belongs to a project: a lead scoped to that project may read and change them.

    Someone with a record in a project belongs to it too (``ledger.involvement.membership``); this row
    is how a person belongs before their first record (named when they are added).
    """

    __tablename__ = "participant_projects"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True, index=True)
    added_by: Mapped[str] = mapped_column(String(200))


class WatchLimit(IdMixin, Base):
    """A limit the participant wants to be told about (a weekly benefit earnings limit, a tax-year total)."""

    __tablename__ = "watch_limits"
    __table_args__ = (CheckConstraint("(amount_minor IS NULL) <> (limit_key IS NULL)", name="amount_or_key"),)

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # "week" (Monday to Sunday) or "tax_year"
    # Either an amount typed by hand, or the key of a named, dated limit (ledger/rates/limits/*.toml)
    # whose amount in force on the activity date is used (migration 0007).
    amount_minor: Mapped[int | None] = mapped_column(MinorUnits)
    limit_key: Mapped[str | None] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    label: Mapped[str] = mapped_column(String(200))

    participant: Mapped[Participant] = relationship(back_populates="watch_limits")


class Project(IdMixin, CreatedMixin, Base):
    __tablename__ = "projects"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    rate_card: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    budget_minor: Mapped[int | None] = mapped_column(MinorUnits)
    cost_code: Mapped[str | None] = mapped_column(String(40))


# ------------------------------------------------------------------------------------ involvement


class Activity(IdMixin, CreatedMixin, Base):
    """One meeting, review round or other piece of involvement, recorded for one or more attendees."""

    __tablename__ = "activities"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    activity: Mapped[str] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(10))  # in_person | online
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by_token_id: Mapped[int | None] = mapped_column(BigId)

    records: Mapped[list[Record]] = relationship(back_populates="activity", order_by="Record.id")
    project: Mapped[Project] = relationship()


class Record(IdMixin, CreatedMixin, Base):
    """One participant's involvement in one activity: their own times, mileage and expenses.

    Status moves submitted -> approved | rejected, and approved -> reversed. Amounts and lines are
    fixed at approval with the rate-card version in force on the activity date, and never recalculated.
    """

    __tablename__ = "records"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    role: Mapped[str] = mapped_column(String(40), default="member")
    involvement_minutes: Mapped[int] = mapped_column(default=0)
    preparation_minutes: Mapped[int] = mapped_column(default=0)
    follow_up_minutes: Mapped[int] = mapped_column(default=0)
    travel_minutes: Mapped[int] = mapped_column(default=0)
    mileage_vehicle: Mapped[str | None] = mapped_column(String(40))
    mileage_miles: Mapped[int | None] = mapped_column()
    mileage_passengers: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(_enum(RecordStatus), default=RecordStatus.SUBMITTED, index=True)
    recorded_by_token_id: Mapped[int | None] = mapped_column(BigId)
    decided_by_token_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None] = mapped_column()
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    reversed_by_token_id: Mapped[int | None] = mapped_column(BigId)
    reversed_at: Mapped[datetime | None] = mapped_column()
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    corrects_record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"))
    # Fixed at approval:
    rate_card: Mapped[str | None] = mapped_column(String(80))
    version_from: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str | None] = mapped_column(String(3))
    fees_minor: Mapped[int | None] = mapped_column(MinorUnits)
    expenses_minor: Mapped[int | None] = mapped_column(MinorUnits)
    payment_preference_at_approval: Mapped[str | None] = mapped_column(_enum(PaymentPreference))

    activity: Mapped[Activity] = relationship(back_populates="records")
    participant: Mapped[Participant] = relationship()
    expenses: Mapped[list[RecordExpense]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="RecordExpense.position"
    )
    lines: Mapped[list[RecordLine]] = relationship(order_by="RecordLine.position")


class RecordExpense(IdMixin, Base):
    """An at-cost expense claimed on a record (a train fare, a carer's time)."""

    __tablename__ = "record_expenses"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(String(40))
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    receipt: Mapped[str | None] = mapped_column(String(200))

    record: Mapped[Record] = relationship(back_populates="expenses")


class RecordLine(IdMixin, Base):
    """One explained line of an approved record, exactly as calculated. Append-only."""

    __tablename__ = "record_lines"

    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(_enum(Category))
    minutes: Mapped[int | None] = mapped_column()
    quantity: Mapped[str | None] = mapped_column(String(40))
    rate: Mapped[str] = mapped_column(String(40))  # exact decimal text, e.g. "41.25"
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    explanation: Mapped[str] = mapped_column(Text)


# ------------------------------------------------------------------------------------------- ledger


class JournalEntry(IdMixin, CreatedMixin, Base):
    """A balanced set of postings: one approval, reversal, payment or returned payment. Append-only."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        # One approval entry per record, whatever writes to the database (migration 0003).
        Index("uq_journal_entries_one_approval", "record_id", unique=True,
              sqlite_where=text("kind = 'approval'"), postgresql_where=text("kind = 'approval'")),
        # One payment entry per batch (migration 0010): a batch can never be posted as paid twice.
        Index("uq_journal_entries_one_payment", "batch_id", unique=True,
              sqlite_where=text("kind = 'payment'"), postgresql_where=text("kind = 'payment'")),
    )

    kind: Mapped[str] = mapped_column(_enum(EntryKind))
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    memo: Mapped[str] = mapped_column(Text)
    created_by_token_id: Mapped[int | None] = mapped_column(BigId)

    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.id")


class Posting(IdMixin, Base):
    """One leg of an entry: a signed amount (debit +, credit -) on one account. Append-only."""

    __tablename__ = "postings"
    __table_args__ = (
        Index("ix_postings_account", "account_kind", "participant_id", "project_id"),
        Index("ix_postings_project_kind", "project_id", "account_kind"),
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_kind: Mapped[str] = mapped_column(_enum(AccountKind))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    category: Mapped[str] = mapped_column(_enum(Category))
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3))
    activity_date: Mapped[date | None] = mapped_column(Date)
    minutes: Mapped[int | None] = mapped_column()  # time recognised by a fee posting (paid or declined)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")


# ------------------------------------------------------------------------------------------ batches


class Batch(IdMixin, CreatedMixin, Base):
    __tablename__ = "batches"

    reference: Mapped[str] = mapped_column(String(20), unique=True)
    method: Mapped[str] = mapped_column(_enum(BatchMethod))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    up_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(_enum(BatchStatus), default=BatchStatus.DRAFT)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(MinorUnits, default=0)
    created_by_token_id: Mapped[int | None] = mapped_column(BigId)
    approved_by_token_id: Mapped[int | None] = mapped_column(BigId)
    # Who built and who approved, by name (migration 0010): the CLI has no token, so "someone else must
    # approve" compares names too (ledger.security.actor.same_person).
    created_by: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column()
    # Keyed fingerprint of every line as approved (ledger.payments.integrity): export and paid refuse a
    # batch whose payee details or amounts changed since. Set once (migration 0003's trigger).
    approved_fingerprint: Mapped[str | None] = mapped_column(String(64))
    exported_at: Mapped[datetime | None] = mapped_column()
    paid_on: Mapped[date | None] = mapped_column(Date)

    lines: Mapped[list[BatchLine]] = relationship(back_populates="batch", order_by="BatchLine.id")


class BatchLine(IdMixin, Base):
    """What one payee is paid in one batch (one line per payee)."""

    __tablename__ = "batch_lines"
    __table_args__ = (
        UniqueConstraint("batch_id", "participant_id"),
        # Lines are read in id order, a chunk at a time (export, review, fingerprint): one index range each.
        Index("ix_batch_lines_batch_id_id", "batch_id", "id"),
    )

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    payee_name: Mapped[str] = mapped_column(String(200))
    payment_reference: Mapped[str] = mapped_column(String(18))
    amount_minor: Mapped[int] = mapped_column(MinorUnits)
    fees_minor: Mapped[int] = mapped_column(MinorUnits)
    expenses_minor: Mapped[int] = mapped_column(MinorUnits)
    # The payee's confirmed details copied when the batch was built (migration 0003): approval shows
    # them and the export writes them, whatever changes on the participant afterwards.
    payment_preference: Mapped[str | None] = mapped_column(String(20))
    bank_account_name: Mapped[str | None] = mapped_column(EncryptedString(200))
    bank_sort_code: Mapped[str | None] = mapped_column(EncryptedString(6))
    bank_account_number: Mapped[str | None] = mapped_column(EncryptedString(8))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(_enum(BatchLineStatus), default=BatchLineStatus.PENDING)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None] = mapped_column()

    batch: Mapped[Batch] = relationship(back_populates="lines")
    items: Mapped[list[BatchItem]] = relationship(back_populates="line", order_by="BatchItem.id")


class BatchItem(IdMixin, Base):
    """The lock: a payable posting belongs to at most one batch line, ever (UNIQUE posting_id)."""

    __tablename__ = "batch_items"

    batch_line_id: Mapped[int] = mapped_column(ForeignKey("batch_lines.id"), index=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), unique=True)

    line: Mapped[BatchLine] = relationship(back_populates="items")


# ----------------------------------------------------------------------------------------- security


class ApiToken(IdMixin, CreatedMixin, Base):
    """A bearer token. Only a SHA-256 hash of the secret is stored; the secret is shown once."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(_enum(Role))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    project_ids: Mapped[list[int] | None] = mapped_column(JSON)  # lead scope; None means all projects
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()


class IdempotencyRecord(IdMixin, CreatedMixin, Base):
    """The first response to a POST with an ``Idempotency-Key``, replayed on retry."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key", name="token_key"),)

    token_id: Mapped[int] = mapped_column(BigId)  # 0 for public routes
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    response_body: Mapped[bytes] = mapped_column()


class AuditEvent(IdMixin, Base):
    """Who changed what, when, with before and after; each row hashes the previous one (tamper-evident)."""

    __tablename__ = "audit_events"

    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    actor_token_id: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # How ``hash`` was made: "hmac-sha256" (keyed, every new event) or "sha256" (events written before
    # the chain was keyed, migration 0005). See ledger.audit.chain for why plain ones are only accepted first.
    hash_scheme: Mapped[str] = mapped_column(String(16), server_default="sha256")



class Setting(Base):
    """One organisation setting (name, contact, payer name...), set with ``ledger setup``; see ledger.organisation."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# Each feature's own tables (imported here so every mapper is known wherever the models are).
from ledger.db import models_imports, models_messages, models_recognition, models_summaries, models_web  # noqa: E402, F401

IMMUTABLE_TABLES = ("journal_entries", "postings", "record_lines", "audit_events", "batch_items")

__all__ = [name for name in dir() if not name.startswith("_")]

