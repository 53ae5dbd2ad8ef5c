"""Does a batch still add up? Re-checked at approval, export and marking paid.

Why: a batch's lines and total are ordinary rows. Code never changes them once built (and since migration
0003 database triggers refuse it too), but someone with direct database access could: an inflated line
would then be approved, written into the bank file and posted as paid. So each step that moves a batch
towards money leaving re-derives its figures from the ledger itself, with two aggregate queries whatever
the batch size:

* every line's fees and expenses equal the sums of the payable postings locked to it (``batch_items``),
  and its amount equals fees plus expenses;
* the batch total equals the sum of its lines.

And from approval on, the lines must be exactly as approved: approval stores a keyed fingerprint
(HMAC-SHA256) of every line's payee, details and amounts (:func:`approval_fingerprint`), and export and
paid recompute it. Changing where a line's money goes (say its account number, written straight into
the database) after the approver saw it therefore stops the file and the payment. The key is derived
from the oldest key of the keyring (``ledger.security.keys``), outside the database, so whoever can
write to the database cannot recompute it; it is taken over plain values, so ``ledger keys rotate``
(new ciphertext, same details) does not disturb it.

A mismatch refuses the step with :class:`BatchIntegrityError` (a 409; the CLI prints it and exits 1) and
leaves an audit event ``batch.integrity_refused``. The refusal rolls the request's transaction back, so
the event is written in its own transaction straight after (see :func:`audit_after_transaction`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from ledger.audit import record_event
from ledger.db.models import Batch, BatchItem, BatchLine, Category, EntryKind, JournalEntry, Posting
from ledger.errors import Conflict
from ledger.money import Money
from ledger.payments.lines import line_id_chunks
from ledger.security.actor import Actor
from ledger.security.keys import get_keyring

logger = logging.getLogger(__name__)

#: How many mismatched lines an error message and audit event name (the rest are counted).
SHOWN = 5
_FINGERPRINT_INFO = b"ledger batch approval v1"
_FINGERPRINT_CHUNK = 1000
#: What the fingerprint covers, per line, in this order.
FINGERPRINTED = (
    BatchLine.id, BatchLine.participant_id, BatchLine.payee_name, BatchLine.payment_reference,
    BatchLine.amount_minor, BatchLine.fees_minor, BatchLine.expenses_minor, BatchLine.payment_preference,
    BatchLine.bank_account_name, BatchLine.bank_sort_code, BatchLine.bank_account_number,
    BatchLine.organisation_name, BatchLine.organisation_reference,
)


@dataclass
class BatchIntegrityError(Conflict):
    """The batch's lines or total no longer match the ledger: nothing is approved, exported or paid."""

    title: str = "Batch does not add up"


@dataclass(frozen=True, slots=True)
class LineMismatch:
    """One line whose stored money differs from what its locked postings say (minor units)."""

    line_id: int
    amount: int
    fees: int
    expenses: int
    posted_fees: int
    posted_expenses: int


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """What the re-check found. ``ok`` when there is nothing to report."""

    lines: tuple[LineMismatch, ...]
    lines_wrong: int
    total: int
    lines_total: int

    @property
    def ok(self) -> bool:
        return self.lines_wrong == 0 and self.total == self.lines_total


def check_batch(session: Session, batch_id: int) -> IntegrityReport:
    """Re-derive the batch's figures from its locked postings (two queries, no per-line work)."""
    fee_sum = func.sum(case((Posting.category == Category.FEE.value, -Posting.amount_minor), else_=0))
    expense_sum = func.sum(case((Posting.category == Category.EXPENSE.value, -Posting.amount_minor), else_=0))
    sums = (
        select(BatchItem.batch_line_id.label("line_id"), fee_sum.label("fees"), expense_sum.label("expenses"))
        .join(Posting, Posting.id == BatchItem.posting_id)
        .join(BatchLine, BatchLine.id == BatchItem.batch_line_id)
        .where(BatchLine.batch_id == batch_id)
        .group_by(BatchItem.batch_line_id)
        .subquery()
    )
    wrong = or_(
        sums.c.line_id.is_(None),
        sums.c.fees != BatchLine.fees_minor,
        sums.c.expenses != BatchLine.expenses_minor,
        BatchLine.amount_minor != BatchLine.fees_minor + BatchLine.expenses_minor,
    )
    mismatched = (
        select(BatchLine.id, BatchLine.amount_minor, BatchLine.fees_minor, BatchLine.expenses_minor,
               func.coalesce(sums.c.fees, 0), func.coalesce(sums.c.expenses, 0), func.count().over())
        .outerjoin(sums, sums.c.line_id == BatchLine.id)
        .where(BatchLine.batch_id == batch_id, wrong)
        .order_by(BatchLine.id)
        .limit(SHOWN)
    )
    rows = session.execute(mismatched).all()
    lines = tuple(LineMismatch(*(int(v) for v in row[:6])) for row in rows)
    lines_wrong = int(rows[0][6]) if rows else 0
    total = session.scalar(select(Batch.total_minor).where(Batch.id == batch_id))
    lines_total = session.scalar(
        select(func.coalesce(func.sum(BatchLine.amount_minor), 0)).where(BatchLine.batch_id == batch_id)
    )
    return IntegrityReport(lines, lines_wrong, int(total or 0), int(lines_total or 0))


def _fingerprint_key() -> bytes:
    """HMAC key for approval fingerprints: derived from the keyring's oldest key (rotation keeps it)."""
    return get_keyring().subkey(_FINGERPRINT_INFO)


def approval_fingerprint(session: Session, batch: Batch) -> str:
    """A keyed fingerprint of the batch and every line's payee, details and amounts (lines read in chunks)."""
    mac = hmac.new(_fingerprint_key(), digestmod=hashlib.sha256)
    head = session.execute(
        select(Batch.id, Batch.reference, Batch.method, Batch.currency, Batch.total_minor).where(Batch.id == batch.id)
    ).one()
    mac.update(json.dumps(list(head), separators=(",", ":")).encode() + b"\n")
    for chunk in line_id_chunks(session, batch.id, size=_FINGERPRINT_CHUNK):
        rows = session.execute(select(*FINGERPRINTED).where(BatchLine.id.in_(chunk)).order_by(BatchLine.id)).all()
        for row in rows:
            mac.update(json.dumps(list(row), separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
    return mac.hexdigest()

def _describe(batch: Batch, report: IntegrityReport, action: str) -> str:
    def money(minor: int) -> str:
        return Money.from_minor(minor, batch.currency).text()

    parts: list[str] = []
    for line in report.lines:
        parts.append(
            f"line {line.line_id} says {money(line.amount)} (fees {money(line.fees)}, expenses "
            f"{money(line.expenses)}) but its approved records add up to "
            f"{money(line.posted_fees + line.posted_expenses)} (fees {money(line.posted_fees)}, expenses "
            f"{money(line.posted_expenses)})"
        )
    if report.lines_wrong > len(report.lines):
        parts.append(f"and {report.lines_wrong - len(report.lines)} more lines")
    if report.total != report.lines_total:
        parts.append(f"the batch total is {money(report.total)} but its lines add up to {money(report.lines_total)}")
    return (
        f"Batch {batch.reference} was not {action}: its figures no longer match the ledger ({'; '.join(parts)}). "
        "Someone or something changed the batch outside the ledger. Nothing has been changed; do not pay "
        "from any earlier file of this batch. Report it to whoever looks after the database, and see "
        "'When a re-check refuses' in docs/payments.md."
    )


def audit_after_transaction(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | str,
    after: dict[str, Any],
) -> None:
    """Append an audit event in its own transaction once the session's current transaction has ended.

    A refusal rolls the caller's transaction back, which would take an event written inside it along;
    waiting for the end also means the new transaction never waits for the caller's locks (SQLite has one
    writer at a time). Written once, whether the caller rolls back, closes or (unusually) commits.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    written = False

    def write(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal written
        if written or transaction.parent is not None:  # a savepoint ending is not the end
            return
        written = True
        try:
            with sessionmaker(engine)() as audit_session, audit_session.begin():
                record_event(audit_session, actor, action, entity, entity_id, None, after)
        except Exception:  # the refusal itself must still reach the user
            logger.exception("could not write the audit event %s for %s %s", action, entity, entity_id)

    # Fires once the outermost transaction has ended (rolled back, committed or closed) and its
    # connection has been given back, so the new transaction never waits for it.
    event.listen(session, "after_transaction_end", write)


def ensure_batch_adds_up(session: Session, actor: Actor, batch: Batch, action: str) -> None:
    """Refuse ``action`` ("approved", "exported", "marked paid") unless the batch still adds up, has never
    been paid and, once approved, its lines are exactly as approved."""
    _ensure_not_paid(session, actor, batch, action)
    report = check_batch(session, batch.id)
    if report.ok:
        _ensure_as_approved(session, actor, batch, action)
        return
    audit_after_transaction(
        session, actor, "batch.integrity_refused", "batch", batch.id,
        {
            "reference": batch.reference,
            "refused": action,
            "status": batch.status,
            "total": Money.from_minor(report.total, batch.currency).text(),
            "lines_total": Money.from_minor(report.lines_total, batch.currency).text(),
            "lines_wrong": report.lines_wrong,
            "lines": [
                {"line": m.line_id, "amount": Money.from_minor(m.amount, batch.currency).text(),
                 "posted": Money.from_minor(m.posted_fees + m.posted_expenses, batch.currency).text()}
                for m in report.lines
            ],
        },
    )
    raise BatchIntegrityError(_describe(batch, report, action))


def _ensure_not_paid(session: Session, actor: Actor, batch: Batch, action: str) -> None:
    """A batch with a PAYMENT entry was paid, whatever its status says now (a status set back by direct
    SQL would otherwise give a second bank file and a second payment). Migration 0010's triggers refuse
    such a status change and its unique index a second payment entry; this catches a database whose
    triggers were dropped, and says so before any file is written."""
    paid = session.scalar(select(JournalEntry.id).where(
        JournalEntry.batch_id == batch.id, JournalEntry.kind == EntryKind.PAYMENT.value).limit(1))
    if paid is None:
        return
    audit_after_transaction(
        session, actor, "batch.integrity_refused", "batch", batch.id,
        {"reference": batch.reference, "refused": action, "status": batch.status,
         "reason": "already paid", "payment_entry": paid},
    )
    raise BatchIntegrityError(
        f"Batch {batch.reference} was not {action}: it was already paid (journal entry {paid}), although its "
        f"status now says {batch.status}. Someone or something changed the batch outside the ledger. Nothing "
        "has been changed; do not upload any file of this batch again, or people are paid twice. Report it "
        "to whoever looks after the database, and see 'When a re-check refuses' in docs/payments.md."
    )


def _ensure_as_approved(session: Session, actor: Actor, batch: Batch, action: str) -> None:
    approved = session.scalar(select(Batch.approved_fingerprint).where(Batch.id == batch.id))
    if approved is None:  # a draft, or a batch approved before fingerprints existed (migration 0003)
        return
    if hmac.compare_digest(approved, approval_fingerprint(session, batch)):
        return
    audit_after_transaction(
        session, actor, "batch.integrity_refused", "batch", batch.id,
        {"reference": batch.reference, "refused": action, "status": batch.status,
         "reason": "lines changed since approval"},
    )
    raise BatchIntegrityError(
        f"Batch {batch.reference} was not {action}: its lines are not as they were approved (a payee's name, "
        "bank details, organisation, reference or amount was changed afterwards, outside the ledger). "
        "Nothing has been changed; do not pay from any earlier file of this batch. Compare 'ledger batch "
        "show' with what was approved, report it to whoever looks after the database, and see 'When a "
        "re-check refuses' in docs/payments.md."
    )

