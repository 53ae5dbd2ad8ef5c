"""Payment batches: from what is owed, to a checked list of payments, to money sent.

The life of a batch: ``draft`` (built by :func:`build_batch`) -> ``approved`` (:func:`approve_batch`, by
someone other than the person who built it) -> ``exported`` (:func:`export_batch`, a bank or accounting
file) -> ``paid`` (:func:`mark_paid`, which posts the PAYMENT entry). A line of a paid batch can then be
``returned`` (``ledger.payments.returns``), which makes the amount owed again.

Why it is built like this:

* What is owed is the set of PARTICIPANT_PAYABLE postings (approval credits, and the debits of
  reversals and the credits of returned payments) that are in no batch yet. Each one included gets a
  ``BatchItem``. ``batch_items.posting_id`` is UNIQUE, so the database itself refuses to put a posting
  in two batches, even when two people build batches at the same moment: the loser's insert fails and
  becomes a clear 409, and nothing of its batch is kept (one transaction).
* Amounts are netted per payee and per kind (fees apart from expenses, because fees are income and
  expenses are not). A kind whose net is zero or less (a reversal larger than what is newly owed) is
  left out and its postings stay unbatched, so the difference carries forward instead of being hidden.
* A payee who cannot be paid by the chosen method (no valid bank details, no organisation named) is
  never silently dropped: they are listed in ``skipped`` with the reason, and their postings stay
  unbatched for a later batch.
* All totals are computed in SQL (GROUP BY / SUM) and the items are written with one INSERT ... SELECT,
  so a batch of 100,000 payees never loads every posting into Python. After writing, the lines are
  checked against their items; a mismatch (money approved while the batch was being built) aborts.
* Each line keeps a copy of the payee's confirmed details (payment choice, bank account name, sort code
  and account number, or the organisation) taken when the batch is built. Approval shows them (masked)
  and the export writes exactly them: a change on the participant afterwards never redirects money in a
  batch that was already checked. Rebuild the batch to use new details.
* Approving, exporting and marking paid first re-check that the batch still adds up
  (``ledger.payments.integrity``).
* This module only changes state. The files made from a batch are built as plain data by
  ``ledger.reports.batch_export`` and rendered by ``ledger.exports`` (called by the API and CLI), so
  payments never import exports or reports.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
from ledger.bankcheck import validate_uk_bank
from ledger.banknames import bank_name_problem
from ledger.db.base import utcnow
from ledger.db.models import (
    AccountKind,
    Activity,
    Batch,
    BatchItem,
    BatchLine,
    BatchLineStatus,
    BatchMethod,
    BatchStatus,
    Category,
    EntryKind,
    JournalEntry,
    Participant,
    PaymentPreference,
    Posting,
    Project,
    Record,
)
from ledger.errors import Conflict, Forbidden, Invalid, NotFound, invalid_field
from ledger.messages.outbox import queue_remittances
from ledger.money import Money
from ledger.organisation import bank_reference, get_organisation
from ledger.payments.integrity import (
    approval_fingerprint,
    audit_after_transaction,
    check_batch,
    ensure_batch_adds_up,
)
from ledger.payments.paid_summaries import refresh_for_lines
from ledger.payments.payee_seal import UNSEALED_REASON, seal_matches
from ledger.payments.postings import Leg, post_entry
from ledger.security.actor import Actor, same_person

#: Which current payment preferences each batch method pays (fees and expenses, except as noted in
#: :func:`payable_by`: someone whose fees go to an organisation gets their own costs back by bank transfer).
METHOD_PREFERENCES: dict[BatchMethod, tuple[PaymentPreference, ...]] = {
    BatchMethod.BANK_TRANSFER: (PaymentPreference.BANK_TRANSFER, PaymentPreference.EXPENSES_ONLY),
    BatchMethod.VOUCHER: (PaymentPreference.VOUCHER,),
    BatchMethod.ORGANISATION: (PaymentPreference.ORGANISATION,),
}

#: Entries whose payable postings are money owed (payments themselves are never batched again).
OWED_ENTRY_KINDS = (EntryKind.APPROVAL, EntryKind.REVERSAL, EntryKind.RETURN)

CONCURRENT_BATCH = "Those payments were just put in another batch; try again."
# One statement for any number of items on PostgreSQL (arrays), instead of one INSERT per row.
_INSERT_ITEMS_PG = text(
    "INSERT INTO batch_items (batch_line_id, posting_id) "
    "SELECT * FROM unnest(CAST(:lines AS BIGINT[]), CAST(:postings AS BIGINT[]))"
)
_CHUNK = 500


def parse_method(value: str) -> BatchMethod:
    try:
        return BatchMethod(value)
    except ValueError:
        allowed = ", ".join(m.value for m in BatchMethod)
        raise invalid_field("method", f"{value!r} is not a payment method; use one of: {allowed}") from None


@dataclass(frozen=True, slots=True)
class SkippedPayee:
    """Someone owed money who could not be put in this batch, and why."""

    participant_id: int
    participant_reference: str
    name: str
    amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """A new draft batch and the payees left out of it (with reasons)."""

    batch: Batch
    skipped: tuple[SkippedPayee, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------------- helpers


def get_batch(session: Session, batch_id: int, *, for_update: bool = False) -> Batch:
    query = select(Batch).where(Batch.id == batch_id)
    if for_update:
        query = query.with_for_update()
    batch = session.scalar(query)
    if batch is None:
        raise NotFound(f"there is no payment batch with id {batch_id}")
    return batch


def list_batches(
    session: Session, *, status: str | None = None, method: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Batch], int]:
    """Batches newest first, optionally by status and method, with the total count."""
    query = select(Batch)
    if status is not None:
        try:
            query = query.where(Batch.status == BatchStatus(status))
        except ValueError:
            allowed = ", ".join(s.value for s in BatchStatus)
            raise invalid_field("status", f"{status!r} is not a batch status; use one of: {allowed}") from None
    if method is not None:
        query = query.where(Batch.method == parse_method(method))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Batch.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


MAX_PROJECT_ID = 2**63 - 1  # ids are BIGINT


def resolve_project(session: Session, project: int | str | None) -> Project | None:
    """A project by id or by code (``None`` passes through); NotFound names what was asked for."""
    if project is None:
        return None
    # Only an id that can exist is looked up: ASCII digits (``"²".isdigit()`` is true but ``int("²")``
    # fails; 5,000 digits exceed Python's int-parsing limit) within BIGINT (a larger one overflowed the
    # database driver). Each was a 500 before; now such a value is tried as a code, then a 404.
    digits = isinstance(project, str) and project.isascii() and project.isdigit() and len(project) <= 19
    as_id = project if isinstance(project, int) else int(project) if digits else None
    found = session.get(Project, as_id) if as_id is not None and 1 <= as_id <= MAX_PROJECT_ID else None
    if found is None and isinstance(project, str):
        found = session.scalar(select(Project).where(Project.code == project))
    if found is None:
        raise NotFound(f"there is no project {project!r} (give its id or its code)")
    return found


def payable_by(method: BatchMethod) -> Any:
    """THE routing rule: which owed postings a batch of ``method`` pays (a SQL condition).

    Fees follow the person's payment choice. Expenses are the person's own money paid back, so for
    someone whose fees go to an organisation they are paid to the person by bank transfer, never to the
    organisation (a bank batch takes them; without confirmed bank details they are left out with the
    reason and wait).
    """
    preference = Participant.payment_preference
    chosen = preference.in_([p.value for p in METHOD_PREFERENCES[method]])
    if method is BatchMethod.ORGANISATION:
        return and_(chosen, Posting.category == Category.FEE.value)
    if method is BatchMethod.BANK_TRANSFER:
        own_costs = and_(preference == PaymentPreference.ORGANISATION.value, Posting.category == Category.EXPENSE.value)
        return or_(chosen, own_costs)
    return chosen


def _owed_postings(method: BatchMethod, project_id: int | None, up_to: date | None) -> tuple[object, ...]:
    """WHERE conditions selecting unbatched payable postings payable by ``method``."""
    project_of = func.coalesce(Posting.project_id, Activity.project_id)
    when = func.coalesce(Posting.activity_date, Activity.date)
    conditions: list[object] = [
        Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE,
        JournalEntry.kind.in_([k.value for k in OWED_ENTRY_KINDS]),
        ~exists().where(BatchItem.posting_id == Posting.id),
        payable_by(method),
    ]
    if project_id is not None:
        conditions.append(project_of == project_id)
    if up_to is not None:
        conditions.append(when <= up_to)
    return tuple(conditions)


def _owed_from() -> Any:
    return (
        select(Posting.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(Participant, Participant.id == Posting.participant_id)
        .outerjoin(Record, Record.id == Posting.record_id)
        .outerjoin(Activity, Activity.id == Record.activity_id)
    )


@dataclass(frozen=True, slots=True)
class PayeeSnapshot:
    """The confirmed payee details copied into a batch line: what approval shows and the export writes."""

    payee_name: str
    payment_preference: str
    bank_account_name: str | None = None
    bank_sort_code: str | None = None
    bank_account_number: str | None = None
    organisation_name: str | None = None
    organisation_reference: str | None = None

    def columns(self) -> dict[str, str | None]:
        return {
            "payee_name": self.payee_name[:200],
            "payment_preference": self.payment_preference,
            "bank_account_name": self.bank_account_name,
            "bank_sort_code": self.bank_sort_code,
            "bank_account_number": self.bank_account_number,
            "organisation_name": self.organisation_name,
            "organisation_reference": self.organisation_reference,
        }


def _snapshot(method: BatchMethod, participant: Participant) -> tuple[str | None, PayeeSnapshot | None]:
    """(reason the payee cannot be paid, None) or (None, the details to copy into their line).

    The participant row holds only confirmed details (a change waits for a second person), so this is
    what two people agreed. Only what the method needs is copied: bank details for a bank transfer, the
    organisation for an organisation payment, nothing for a voucher.
    """
    preference = participant.payment_preference
    if not seal_matches(participant):  # moved here by direct SQL: nobody confirmed these details
        return UNSEALED_REASON, None
    if method is BatchMethod.BANK_TRANSFER:
        account_name = (participant.bank_account_name or "").strip()
        if not (participant.bank_sort_code or participant.bank_account_number or account_name):
            return "no confirmed bank details yet (a change waits for a second person to confirm it)", None
        if not account_name:
            return "no name on the bank account; add the account holder's name", None
        name_problem = bank_name_problem(account_name)  # one name never stops the whole batch
        if name_problem is not None:
            return name_problem, None
        check = validate_uk_bank(participant.bank_sort_code, participant.bank_account_number)
        if not check.could_be_valid:
            return f"bank details cannot be used: {check.message}", None
        return None, PayeeSnapshot(account_name, preference, bank_account_name=account_name,
                                   bank_sort_code=check.sort_code, bank_account_number=check.account_number)
    if method is BatchMethod.ORGANISATION:
        organisation = (participant.organisation_name or "").strip()
        if not organisation:
            return "no organisation named to receive the payment", None
        return None, PayeeSnapshot(organisation, preference, organisation_name=organisation,
                                   organisation_reference=participant.organisation_reference)
    return None, PayeeSnapshot(participant.name, preference)


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# -------------------------------------------------------------------------------------------- create


def build_batch(
    session: Session,
    actor: Actor,
    method: BatchMethod | str,
    project_id: int | None = None,
    up_to: date | None = None,
) -> BatchOutcome:
    """Gather everything payable by ``method`` into a new draft batch; list who had to be left out.

    Raises ``Invalid`` (422) when nothing can be paid, ``Conflict`` (409) when another batch took the
    same postings at the same moment. Either way nothing is written.
    """
    method = parse_method(method) if isinstance(method, str) else method
    organisation = get_organisation(session)  # the bank reference's prefix: a clear 409 when not set up
    project = session.get(Project, project_id) if project_id is not None else None
    if project_id is not None and project is None:
        raise NotFound(f"there is no project with id {project_id}")
    conditions = _owed_postings(method, project_id, up_to)
    nets_query = (
        _owed_from()
        .with_only_columns(
            Posting.participant_id, Posting.category, Posting.currency, func.sum(Posting.amount_minor)
        )
        .where(*conditions)
        .group_by(Posting.participant_id, Posting.category, Posting.currency)
    )
    owed: dict[int, dict[str, int]] = defaultdict(lambda: {Category.FEE.value: 0, Category.EXPENSE.value: 0})
    currencies: set[str] = set()
    for participant_id, category, currency, total in session.execute(nets_query):
        net = -int(total or 0)  # payable is a credit account: credits are negative
        if net > 0:
            owed[int(participant_id)][str(category)] = net
            currencies.add(str(currency))
    if len(currencies) > 1:
        raise Invalid(
            f"the amounts owed are in several currencies ({', '.join(sorted(currencies))}); "
            "make one batch per project so each batch has one currency"
        )
    where = f" for project {project.code}" if project is not None else ""
    if not owed:
        raise Invalid(f"nothing is owed to anyone paid by {method.value.replace('_', ' ')}{where}; no batch made")
    currency = currencies.pop()

    payable: list[tuple[Participant, PayeeSnapshot, int, int]] = []
    skipped: list[SkippedPayee] = []
    ids = sorted(owed)
    for chunk in _chunks(ids):
        for participant in session.scalars(select(Participant).where(Participant.id.in_(chunk))):
            nets = owed[participant.id]
            reason, snapshot = _snapshot(method, participant)
            fees, expenses = nets[Category.FEE.value], nets[Category.EXPENSE.value]
            if snapshot is None:
                skipped.append(SkippedPayee(participant.id, participant.reference, participant.name,
                                            Money.from_minor(fees + expenses, currency).amount, currency,
                                            reason or "cannot be paid by this method"))
            else:
                payable.append((participant, snapshot, fees, expenses))
    skipped.sort(key=lambda s: s.participant_reference)
    payable.sort(key=lambda row: row[0].reference)
    unsealed = [s.participant_reference for s in skipped if s.reason == UNSEALED_REASON]
    if unsealed:  # in its own transaction: it must be kept even when no batch is made
        audit_after_transaction(session, actor, "batch.payee_details_unconfirmed", "batch", "new",
                                {"method": method.value, "participants": unsealed, "reason": UNSEALED_REASON})
    if not payable:
        reasons = "; ".join(f"{s.participant_reference}: {s.reason}" for s in skipped)
        raise Invalid(f"no one can be paid by {method.value.replace('_', ' ')}{where}: {reasons}")

    batch = Batch(
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        method=method.value,
        project_id=project_id,
        up_to=up_to,
        status=BatchStatus.DRAFT.value,
        currency=currency,
        total_minor=sum(f + e for _, _, f, e in payable),
        created_by_token_id=actor.token_id,
        created_by=actor.name,
    )
    session.add(batch)
    session.flush()
    batch.reference = f"B-{batch.id:04d}"
    reference = bank_reference(organisation.reference_prefix, batch.reference)
    session.execute(
        insert(BatchLine),
        [
            {
                "batch_id": batch.id,
                "participant_id": participant.id,
                **snapshot.columns(),
                "payment_reference": reference,
                "amount_minor": fees + expenses,
                "fees_minor": fees,
                "expenses_minor": expenses,
                "status": BatchLineStatus.PENDING.value,
            }
            for participant, snapshot, fees, expenses in payable
        ],
    )
    _lock_postings(session, batch, conditions)
    _check_lines_match_items(session, batch)
    record_event(
        session, actor, "batch.create", "batch", batch.id, None,
        {
            "reference": batch.reference,
            "method": batch.method,
            "project_id": project_id,
            "up_to": up_to,
            "lines": len(payable),
            "total": Money.from_minor(batch.total_minor, currency).text(),
            "skipped": [{"participant": s.participant_reference, "reason": s.reason} for s in skipped],
        },
    )
    return BatchOutcome(batch, tuple(skipped))


def create_batch(
    session: Session,
    actor: Actor,
    method: BatchMethod | str,
    project_id: int | None = None,
    up_to: date | None = None,
) -> Batch:
    """:func:`build_batch` for callers that only need the batch (the skipped payees are in the audit event)."""
    return build_batch(session, actor, method, project_id, up_to).batch


def _lock_postings(session: Session, batch: Batch, conditions: tuple[object, ...]) -> None:
    """One INSERT ... SELECT of a BatchItem per included posting; a concurrent batch makes it fail."""
    line = BatchLine.__table__.alias("line")
    included = or_(
        and_(Posting.category == Category.FEE.value, line.c.fees_minor > 0),
        and_(Posting.category == Category.EXPENSE.value, line.c.expenses_minor > 0),
    )
    source = (
        _owed_from()
        .with_only_columns(line.c.id, Posting.id)
        .join(line, and_(line.c.batch_id == batch.id, line.c.participant_id == Posting.participant_id))
        .where(*conditions, included)
    )
    # Two statements, not one INSERT ... SELECT: checking "in no batch yet" against batch_items while the
    # same statement inserts into it made PostgreSQL rescan the growing table for every posting when the
    # table was small at planning time (quadratic: 4 s for the first 10,000-payee batch).
    pairs = session.execute(source).all()
    try:
        with session.begin_nested():
            if session.get_bind().dialect.name == "postgresql":
                session.execute(_INSERT_ITEMS_PG, {"lines": [p[0] for p in pairs], "postings": [p[1] for p in pairs]})
            elif pairs:
                session.execute(insert(BatchItem), [{"batch_line_id": ln, "posting_id": pid} for ln, pid in pairs])
    except IntegrityError:
        raise Conflict(CONCURRENT_BATCH) from None


def _check_lines_match_items(session: Session, batch: Batch) -> None:
    """Every line must equal the sum of its locked postings (money approved during the build aborts it)."""
    if not check_batch(session, batch.id).ok:
        raise Conflict(CONCURRENT_BATCH)


# ------------------------------------------------------------------------------------ state changes


def _state_error(batch: Batch, action: str, allowed: str) -> Conflict:
    return Conflict(f"batch {batch.reference} is {batch.status}; it can only be {action} when it is {allowed}")


def approve_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """draft -> approved. Not by whoever built the batch (same token or same name: a second person checks it).

    The batch must still add up (``ledger.payments.integrity``); the approver sees each line's payee,
    masked account and amount (``ledger.reports.batch_review``).
    """
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status != BatchStatus.DRAFT:
        raise _state_error(batch, "approved", "a draft")
    if same_person(batch.created_by_token_id, batch.created_by, actor.token_id, actor.name):
        raise Forbidden(
            f"batch {batch.reference} was built by {batch.created_by or 'this token'}; someone else must check "
            "and approve it (four eyes)"
        )
    ensure_batch_adds_up(session, actor, batch, "approved")
    before = {"status": batch.status}
    batch.status = BatchStatus.APPROVED.value
    batch.approved_by_token_id = actor.token_id
    batch.approved_by = actor.name
    batch.approved_at = utcnow()
    batch.approved_fingerprint = approval_fingerprint(session, batch)  # export and paid compare with it
    session.flush()
    record_event(session, actor, "batch.approve", "batch", batch.id, before,
                 {"status": batch.status, "total": Money.from_minor(batch.total_minor, batch.currency).text(),
                  "fingerprint": batch.approved_fingerprint})
    return batch


def mark_exported(session: Session, actor: Actor, batch_id: int, format_name: str) -> Batch:
    """approved | exported -> exported, after re-checking the batch adds up; the caller makes the file.

    ``format_name`` is only recorded in the audit trail (the caller has already chosen the exporter).
    A paid batch is refused: uploading its file again would pay people twice.
    """
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status == BatchStatus.PAID:
        raise Conflict(
            f"batch {batch.reference} is already paid; uploading its file again would pay people twice"
        )
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.EXPORTED):
        raise _state_error(batch, "exported", "approved")
    ensure_batch_adds_up(session, actor, batch, "exported")
    before = {"status": batch.status}
    batch.status = BatchStatus.EXPORTED.value
    batch.exported_at = batch.exported_at or utcnow()
    session.flush()
    record_event(session, actor, "batch.export", "batch", batch.id, before,
                 {"status": batch.status, "format": format_name})
    return batch


def mark_paid(session: Session, actor: Actor, batch_id: int, paid_on: date, *, today: date | None = None) -> Batch:
    """approved | exported -> paid: one PAYMENT entry moves every pending line from payable to clearing.

    Linear in the number of lines: one query reads the pending lines' amounts, one multi-row INSERT
    writes the legs, one UPDATE marks the lines paid (PostgreSQL checks the entry balances once).
    """
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.EXPORTED):
        raise _state_error(batch, "marked paid", "approved or exported")
    today = today or clock.today()
    if paid_on > today:
        raise invalid_field("paid_on", f"{paid_on.isoformat()} is in the future; mark the batch paid once the "
                                       "money has gone")
    created = batch.created_at.date() if isinstance(batch.created_at, datetime) else paid_on
    if paid_on < created:
        raise invalid_field("paid_on", f"{paid_on.isoformat()} is before the batch was made "
                                       f"({created.isoformat()})")
    ensure_batch_adds_up(session, actor, batch, "marked paid")
    pending = (BatchLine.batch_id == batch.id, BatchLine.status == BatchLineStatus.PENDING.value)
    lines = session.execute(
        select(BatchLine.participant_id, BatchLine.fees_minor, BatchLine.expenses_minor)
        .where(*pending).order_by(BatchLine.id)
    ).all()
    legs: list[Leg] = []
    for participant_id, fees, expenses in lines:
        for category, amount in ((Category.FEE, fees), (Category.EXPENSE, expenses)):
            legs.append(Leg(AccountKind.PARTICIPANT_PAYABLE, category, amount, batch.currency,
                            participant_id=participant_id))
            legs.append(Leg(AccountKind.PAYMENTS_CLEARING, category, -amount, batch.currency,
                            participant_id=participant_id))
    post_entry(session, kind=EntryKind.PAYMENT, booked_on=paid_on, memo=f"Payment batch {batch.reference} paid",
               legs=legs, batch_id=batch.id, token_id=actor.token_id)
    session.execute(update(BatchLine).where(*pending).values(status=BatchLineStatus.PAID.value))
    before = {"status": batch.status}
    batch.status = BatchStatus.PAID.value
    batch.paid_on = paid_on
    session.flush()
    refresh_for_lines(session, BatchLine.batch_id == batch.id)  # the spend report's paid summaries
    record_event(session, actor, "batch.paid", "batch", batch.id, before,
                 {"status": batch.status, "paid_on": paid_on, "lines": len(lines)})
    queue_remittances(session, batch, actor.name)  # advice e-mails commit or roll back with the payment
    return batch
