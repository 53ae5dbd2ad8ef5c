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
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger import clock
from ledger.audit import record_event
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
from ledger.exports.bankcheck import validate_uk_bank
from ledger.exports.finance import Exporter, get_exporter
from ledger.money import Money
from ledger.payments.postings import Leg, post_entry
from ledger.reports.batch_data import BatchExport, BatchExportLine
from ledger.security.actor import Actor
from ledger.settings import organisation_name

#: Which current payment preferences each batch method pays.
METHOD_PREFERENCES: dict[BatchMethod, tuple[PaymentPreference, ...]] = {
    BatchMethod.BANK_TRANSFER: (PaymentPreference.BANK_TRANSFER, PaymentPreference.EXPENSES_ONLY),
    BatchMethod.VOUCHER: (PaymentPreference.VOUCHER,),
    BatchMethod.ORGANISATION: (PaymentPreference.ORGANISATION,),
}

#: Entries whose payable postings are money owed (payments themselves are never batched again).
OWED_ENTRY_KINDS = (EntryKind.APPROVAL, EntryKind.REVERSAL, EntryKind.RETURN)

CONCURRENT_BATCH = "Those payments were just put in another batch; try again."
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


@dataclass(frozen=True, slots=True)
class BatchFile:
    """An export ready to stream: ``chunks`` yields the file's bytes."""

    chunks: Iterator[bytes]
    media_type: str
    filename: str
    data: BatchExport
    exporter: Exporter


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


def payment_reference(batch_reference: str, participant_reference: str) -> str:
    """The short bank reference (at most 18 characters, bank-safe): ``INV B0003 P0012``."""
    compact = "".join(ch for ch in f"{batch_reference}" if ch.isalnum())
    who = "".join(ch for ch in participant_reference if ch.isalnum())
    return f"INV {compact} {who}"[:18].upper()


def _owed_postings(method: BatchMethod, project_id: int | None, up_to: date | None) -> tuple[object, ...]:
    """WHERE conditions selecting unbatched payable postings payable by ``method``."""
    project_of = func.coalesce(Posting.project_id, Activity.project_id)
    when = func.coalesce(Posting.activity_date, Activity.date)
    conditions: list[object] = [
        Posting.account_kind == AccountKind.PARTICIPANT_PAYABLE,
        JournalEntry.kind.in_([k.value for k in OWED_ENTRY_KINDS]),
        ~exists().where(BatchItem.posting_id == Posting.id),
        Participant.payment_preference.in_([p.value for p in METHOD_PREFERENCES[method]]),
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


def _skip_reason(method: BatchMethod, participant: Participant) -> tuple[str | None, str]:
    """(reason it cannot be paid, payee name). ``None`` reason means it can be paid."""
    if method is BatchMethod.BANK_TRANSFER:
        if not (participant.bank_account_name or "").strip():
            return "no name on the bank account; add the account holder's name", participant.name
        check = validate_uk_bank(participant.bank_sort_code, participant.bank_account_number)
        if not check.could_be_valid:
            return f"bank details cannot be used: {check.message}", participant.name
        return None, (participant.bank_account_name or "").strip()
    if method is BatchMethod.ORGANISATION:
        if not (participant.organisation_name or "").strip():
            return "no organisation named to receive the payment", participant.name
        return None, (participant.organisation_name or "").strip()
    return None, participant.name


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

    payable: list[tuple[Participant, str, int, int]] = []
    skipped: list[SkippedPayee] = []
    ids = sorted(owed)
    for chunk in _chunks(ids):
        for participant in session.scalars(select(Participant).where(Participant.id.in_(chunk))):
            nets = owed[participant.id]
            reason, payee = _skip_reason(method, participant)
            fees, expenses = nets[Category.FEE.value], nets[Category.EXPENSE.value]
            if reason is not None:
                skipped.append(SkippedPayee(participant.id, participant.reference, participant.name,
                                            Money.from_minor(fees + expenses, currency).amount, currency, reason))
            else:
                payable.append((participant, payee, fees, expenses))
    skipped.sort(key=lambda s: s.participant_reference)
    payable.sort(key=lambda row: row[0].reference)
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
    )
    session.add(batch)
    session.flush()
    batch.reference = f"B-{batch.id:04d}"
    session.execute(
        insert(BatchLine),
        [
            {
                "batch_id": batch.id,
                "participant_id": participant.id,
                "payee_name": payee[:200],
                "payment_reference": payment_reference(batch.reference, participant.reference),
                "amount_minor": fees + expenses,
                "fees_minor": fees,
                "expenses_minor": expenses,
                "status": BatchLineStatus.PENDING.value,
            }
            for participant, payee, fees, expenses in payable
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
    try:
        with session.begin_nested():
            session.execute(insert(BatchItem).from_select(["batch_line_id", "posting_id"], source))
    except IntegrityError:
        raise Conflict(CONCURRENT_BATCH) from None


def _check_lines_match_items(session: Session, batch: Batch) -> None:
    """Every line's fees and expenses must equal the sum of its locked postings (guards against races)."""
    fee_sum = func.sum(case((Posting.category == Category.FEE.value, -Posting.amount_minor), else_=0))
    expense_sum = func.sum(case((Posting.category == Category.EXPENSE.value, -Posting.amount_minor), else_=0))
    sums = (
        select(BatchItem.batch_line_id.label("line_id"), fee_sum.label("fees"), expense_sum.label("expenses"))
        .join(Posting, Posting.id == BatchItem.posting_id)
        .join(BatchLine, BatchLine.id == BatchItem.batch_line_id)
        .where(BatchLine.batch_id == batch.id)
        .group_by(BatchItem.batch_line_id)
        .subquery()
    )
    mismatched = session.scalar(
        select(func.count())
        .select_from(BatchLine)
        .outerjoin(sums, sums.c.line_id == BatchLine.id)
        .where(
            BatchLine.batch_id == batch.id,
            or_(
                sums.c.line_id.is_(None),
                sums.c.fees != BatchLine.fees_minor,
                sums.c.expenses != BatchLine.expenses_minor,
            ),
        )
    )
    if mismatched:
        raise Conflict(CONCURRENT_BATCH)


# ------------------------------------------------------------------------------------ state changes


def _state_error(batch: Batch, action: str, allowed: str) -> Conflict:
    return Conflict(f"batch {batch.reference} is {batch.status}; it can only be {action} when it is {allowed}")


def approve_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """draft -> approved. Not by the token that built the batch (a second person checks it)."""
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status != BatchStatus.DRAFT:
        raise _state_error(batch, "approved", "a draft")
    if actor.token_id is not None and actor.token_id == batch.created_by_token_id:
        raise Forbidden(
            f"batch {batch.reference} was built with this token; someone else must check and approve it"
        )
    before = {"status": batch.status}
    batch.status = BatchStatus.APPROVED.value
    batch.approved_by_token_id = actor.token_id
    batch.approved_at = utcnow()
    session.flush()
    record_event(session, actor, "batch.approve", "batch", batch.id, before, {"status": batch.status})
    return batch


def export_batch(session: Session, actor: Actor, batch_id: int, fmt: str) -> BatchFile:
    """approved | exported -> exported, and the file as a stream of bytes (lines read in chunks)."""
    exporter = get_exporter(fmt)
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status == BatchStatus.PAID:
        raise Conflict(
            f"batch {batch.reference} is already paid; uploading its file again would pay people twice"
        )
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.EXPORTED):
        raise _state_error(batch, "exported", "approved")
    before = {"status": batch.status}
    batch.status = BatchStatus.EXPORTED.value
    batch.exported_at = batch.exported_at or utcnow()
    session.flush()
    record_event(session, actor, "batch.export", "batch", batch.id, before,
                 {"status": batch.status, "format": exporter.name})
    data = batch_export_data(session, batch)
    return BatchFile(exporter.iter_chunks(data), exporter.media_type, exporter.filename(data), data, exporter)


def batch_export_data(session: Session, batch: Batch) -> BatchExport:
    """The batch as plain data for the exporters, its lines streamed from the database in chunks."""
    statuses = (BatchLineStatus.PENDING.value, BatchLineStatus.PAID.value)
    count = session.scalar(
        select(func.count()).select_from(BatchLine).where(BatchLine.batch_id == batch.id,
                                                          BatchLine.status.in_(statuses))
    ) or 0
    total = session.scalar(
        select(func.coalesce(func.sum(BatchLine.amount_minor), 0)).where(
            BatchLine.batch_id == batch.id, BatchLine.status.in_(statuses)
        )
    ) or 0
    project = session.get(Project, batch.project_id) if batch.project_id is not None else None
    created = batch.created_at.date() if isinstance(batch.created_at, datetime) else clock.today()
    return BatchExport(
        reference=batch.reference,
        method=batch.method,
        currency=batch.currency,
        created_on=created,
        paid_on=batch.paid_on,
        organisation_name=organisation_name(),
        project_code=project.code if project is not None else None,
        lines=_export_lines(session, batch.id, batch.currency, statuses),
        line_count=int(count),
        total=Money.from_minor(int(total), batch.currency).amount,
    )


def _export_lines(
    session: Session, batch_id: int, currency: str, statuses: tuple[str, ...]
) -> Iterator[BatchExportLine]:
    last_id = 0
    while True:
        rows = session.execute(
            select(BatchLine, Participant)
            .join(Participant, Participant.id == BatchLine.participant_id)
            .where(BatchLine.batch_id == batch_id, BatchLine.id > last_id, BatchLine.status.in_(statuses))
            .order_by(BatchLine.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        last_id = rows[-1][0].id
        details = _line_details(session, [line.id for line, _ in rows])
        for line, participant in rows:
            codes, cost_codes, record_ids = details.get(line.id, ((), (), ()))
            count = len(record_ids)
            yield BatchExportLine(
                line_id=line.id,
                participant_reference=participant.reference,
                payee_name=line.payee_name,
                amount=Money.from_minor(line.amount_minor, currency).amount,
                fees=Money.from_minor(line.fees_minor, currency).amount,
                expenses=Money.from_minor(line.expenses_minor, currency).amount,
                payment_reference=line.payment_reference,
                sort_code=participant.bank_sort_code,
                account_number=participant.bank_account_number,
                account_name=participant.bank_account_name,
                organisation_reference=participant.organisation_reference,
                project_codes=codes,
                cost_codes=cost_codes,
                description=f"Involvement fees and expenses, {count} {'activity' if count == 1 else 'activities'}",
                record_ids=record_ids,
            )


def _line_details(
    session: Session, line_ids: list[int]
) -> dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]]:
    """Per line: the project codes, cost codes and record ids its postings come from."""
    rows = session.execute(
        select(BatchItem.batch_line_id, Project.code, Project.cost_code, Record.id)
        .join(Posting, Posting.id == BatchItem.posting_id)
        .join(Record, Record.id == Posting.record_id)
        .join(Activity, Activity.id == Record.activity_id)
        .join(Project, Project.id == Activity.project_id)
        .where(BatchItem.batch_line_id.in_(line_ids))
        .distinct()
    ).all()
    codes: dict[int, set[str]] = defaultdict(set)
    cost: dict[int, set[str]] = defaultdict(set)
    records: dict[int, set[int]] = defaultdict(set)
    for line_id, code, cost_code, record_id in rows:
        codes[line_id].add(code)
        if cost_code:
            cost[line_id].add(cost_code)
        records[line_id].add(int(record_id))
    return {
        line_id: (tuple(sorted(codes[line_id])), tuple(sorted(cost[line_id])), tuple(sorted(records[line_id])))
        for line_id in records
    }


def mark_paid(session: Session, actor: Actor, batch_id: int, paid_on: date, *, today: date | None = None) -> Batch:
    """approved | exported -> paid: one PAYMENT entry moves every pending line from payable to clearing."""
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
    legs: list[Leg] = []
    lines = session.scalars(
        select(BatchLine).where(BatchLine.batch_id == batch.id, BatchLine.status == BatchLineStatus.PENDING)
        .order_by(BatchLine.id)
    ).all()
    for line in lines:
        for category, amount in ((Category.FEE, line.fees_minor), (Category.EXPENSE, line.expenses_minor)):
            legs.append(Leg(AccountKind.PARTICIPANT_PAYABLE, category, amount, batch.currency,
                            participant_id=line.participant_id))
            legs.append(Leg(AccountKind.PAYMENTS_CLEARING, category, -amount, batch.currency,
                            participant_id=line.participant_id))
        line.status = BatchLineStatus.PAID.value
    post_entry(session, kind=EntryKind.PAYMENT, booked_on=paid_on, memo=f"Payment batch {batch.reference} paid",
               legs=legs, batch_id=batch.id, token_id=actor.token_id)
    before = {"status": batch.status}
    batch.status = BatchStatus.PAID.value
    batch.paid_on = paid_on
    session.flush()
    record_event(session, actor, "batch.paid", "batch", batch.id, before,
                 {"status": batch.status, "paid_on": paid_on, "lines": len(lines)})
    return batch
