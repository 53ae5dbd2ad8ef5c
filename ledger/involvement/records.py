"""Reading records: one participant's part in one activity, as it stands now.

An approved (or later reversed) record shows the lines fixed at approval, with the rate-card version
that was used; they are never recalculated. A record not yet approved shows a live quote, so a lead
can see what approving it would post today.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ledger.db.models import Activity, Participant, Record, RecordStatus, Role
from ledger.errors import Forbidden, Invalid, NotFound, invalid_field
from ledger.involvement.access import ensure_role, visible_project_ids
from ledger.involvement.activities import project_card
from ledger.involvement.calc import quote_part
from ledger.involvement.corrections import correction_changes
from ledger.involvement.schemas import ActivityOut, ExpenseOut, MileageIn, MileageOut, RecordOut
from ledger.money import Money
from ledger.rates.contract import ExpenseRequest, QuoteLine, QuoteResponse, to_response
from ledger.rates.registry import CardRegistry
from ledger.security.actor import Actor

READERS = (Role.LEAD, Role.AUDITOR, Role.PARTICIPANT)
_LOAD = (selectinload(Record.lines), selectinload(Record.expenses), selectinload(Record.activity))


@dataclass(frozen=True)
class RecordPage:
    items: list[RecordOut]
    total: int


def ensure_can_read(actor: Actor, record: Record) -> None:
    """Leads read their projects' records; a participant token reads only its own."""
    ensure_role(actor, *READERS, doing="read records")
    if actor.role == Role.PARTICIPANT and record.participant_id != actor.participant_id:
        raise Forbidden("A participant token can only read its own records.")
    if actor.role == Role.LEAD:
        actor.ensure_project(record.activity.project_id)


def load_record(session: Session, record_id: int, *, lock: bool = False) -> Record:
    """The record, optionally locked for the rest of the transaction (``SELECT ... FOR UPDATE``).

    On SQLite the lock is the database write lock already taken by ``BEGIN IMMEDIATE``.
    """
    query = select(Record).where(Record.id == record_id)
    if lock:
        # A record is locked to be decided on: load what the decision reads in the same round trips
        # (activity, project, participant, expenses) instead of one lazy load each.
        query = (
            query.options(
                joinedload(Record.activity, innerjoin=True).joinedload(Activity.project, innerjoin=True),
                joinedload(Record.participant, innerjoin=True),
                selectinload(Record.expenses),
            )
            .with_for_update(of=Record)
            .execution_options(populate_existing=True)
        )
    record = session.scalars(query).one_or_none()
    if record is None:
        raise NotFound(f"There is no record with id {record_id}.")
    return record


def get_record(session: Session, actor: Actor, record_id: int, *, registry: CardRegistry | None = None) -> RecordOut:
    record = load_record(session, record_id)
    ensure_can_read(actor, record)
    return record_out(session, record, registry=registry)


def list_records(
    session: Session,
    actor: Actor,
    *,
    limit: int,
    offset: int,
    participant: int | None = None,
    project: int | None = None,
    status: str | None = None,
    registry: CardRegistry | None = None,
) -> RecordPage:
    """Records newest first; leads see their projects only, a participant token only its own."""
    ensure_role(actor, *READERS, doing="read records")
    conditions: list[ColumnElement[bool]] = []
    scope = visible_project_ids(actor)
    if scope is not None:
        conditions.append(Activity.project_id.in_(scope) if scope else false())
    if actor.role == Role.PARTICIPANT:
        conditions.append(Record.participant_id == actor.participant_id)
    if participant is not None:
        conditions.append(Record.participant_id == participant)
    if project is not None:
        conditions.append(Activity.project_id == project)
    if status is not None:
        if status not in {s.value for s in RecordStatus}:
            raise invalid_field("status", "must be one of " + ", ".join(s.value for s in RecordStatus))
        conditions.append(Record.status == status)
    base = select(Record).join(Activity, Activity.id == Record.activity_id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.options(*_LOAD).order_by(Record.id.desc()).limit(limit).offset(offset)).all()
    return RecordPage(items=[record_out(session, r, registry=registry) for r in rows], total=total)


def stored_quote(record: Record) -> QuoteResponse:
    """The lines fixed at approval, exactly as stored."""
    assert record.currency is not None and record.rate_card is not None and record.version_from is not None
    currency = record.currency
    fees = Money.from_minor(record.fees_minor or 0, currency)
    expenses = Money.from_minor(record.expenses_minor or 0, currency)
    return QuoteResponse(
        rate_card=record.rate_card,
        version_from=record.version_from,
        currency=currency,
        fees_total=fees.text(),
        expenses_total=expenses.text(),
        total=(fees + expenses).text(),
        lines=[
            QuoteLine(kind=line.kind, minutes=line.minutes,
                      quantity=int(line.quantity) if line.quantity is not None else None,
                      rate=line.rate, amount=Money.from_minor(line.amount_minor, currency).text(),
                      explanation=line.explanation)
            for line in record.lines
        ],
    )


def record_expense_requests(record: Record, currency: str) -> list[ExpenseRequest]:
    return [ExpenseRequest(category=e.category, amount=Money.from_minor(e.amount_minor, currency).text(),
                           receipt=e.receipt) for e in record.expenses]


def record_mileage(record: Record) -> MileageIn | None:
    if record.mileage_vehicle is None:
        return None
    return MileageIn(vehicle=record.mileage_vehicle, miles=record.mileage_miles or 0,
                     passengers=record.mileage_passengers or 0)


def live_quote(session: Session, record: Record, *, registry: CardRegistry | None = None) -> QuoteResponse:
    """What approving the record now would post (raises ``Invalid`` if it can no longer be worked out)."""
    activity = record.activity
    card = project_card(activity.project, registry)
    quote = quote_part(
        session, card, participant_id=record.participant_id, on=activity.date, activity=activity.activity,
        mode=activity.mode, part=record, mileage=record_mileage(record),
        expenses=record_expense_requests(record, card.currency), exclude_record_id=record.id,
    )
    return to_response(quote)


def record_out(session: Session, record: Record, *, registry: CardRegistry | None = None) -> RecordOut:
    activity = record.activity
    quote: QuoteResponse | None = None
    problem: str | None = None
    if record.status in (RecordStatus.APPROVED, RecordStatus.REVERSED):
        quote = stored_quote(record)
    else:
        try:
            quote = live_quote(session, record, registry=registry)
        except Invalid as exc:
            problem = f"This record cannot be calculated as it stands: {exc.detail}"
    currency = record.currency or activity.project.currency
    return RecordOut(
        id=record.id,
        activity=ActivityOut(id=activity.id, project=activity.project_id, date=activity.date,
                             activity=activity.activity, mode=activity.mode, description=activity.description),
        participant=record.participant_id,
        role=record.role,
        involvement_minutes=record.involvement_minutes,
        preparation_minutes=record.preparation_minutes,
        follow_up_minutes=record.follow_up_minutes,
        travel_minutes=record.travel_minutes,
        mileage=(MileageOut(vehicle=record.mileage_vehicle, miles=record.mileage_miles or 0,
                            passengers=record.mileage_passengers or 0)
                 if record.mileage_vehicle is not None else None),
        expenses=[ExpenseOut(category=e.category, amount=Money.from_minor(e.amount_minor, currency).text(),
                             receipt=e.receipt) for e in record.expenses],
        status=record.status,
        recorded_by_token_id=record.recorded_by_token_id,
        decided_by_token_id=record.decided_by_token_id,
        decided_at=record.decided_at,
        rejection_reason=record.rejection_reason,
        reversed_by_token_id=record.reversed_by_token_id,
        reversed_at=record.reversed_at,
        reversal_reason=record.reversal_reason,
        corrects_record=record.corrects_record_id,
        payment_preference_at_approval=record.payment_preference_at_approval,
        quote=quote,
        quote_problem=problem,
        changes=correction_changes(session, record, quote, registry=registry),
    )


def participant_of(session: Session, record: Record) -> Participant:
    participant = session.get(Participant, record.participant_id)
    assert participant is not None  # a foreign key guarantees it
    return participant
