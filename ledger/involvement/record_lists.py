"""Lists of records and activities for people (web pages), fast with 100,000 records.

``ledger.involvement.records.list_records`` answers the API with every record in full: a live quote per
submitted record and a correction lookup per row. A page listing records needs much less: one row per
record with its date, project, person, status and (once approved) the amount fixed at approval. This
module reads those rows in ONE query (plus one count), pages them by record id (keyset: "older than id
N" / "newer than id N", so the 2,000th page costs what the first does), and filters them by project,
status, participant, activity date and who recorded them.

The approval queue is the one list that needs every record in full (each with its reasons, and what a
correction changes): :func:`approval_queue` takes one page of ids from the same keyset query, loads
those records with everything ``record_out`` reads (activity, project, participant, lines, expenses and
the records corrections correct) in a fixed number of queries, and then builds each answer with the
API's own ``record_out`` (the live quote is the one ``quote_part`` every other path uses).

Scope is the API's: a lead limited to some projects sees only their records
(``ledger.involvement.access.visible_project_ids``); auditors and administrators see all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ledger.db.models import Activity, Participant, PayeeChange, PayeeChangeStatus, Project, Record, RecordStatus, Role
from ledger.errors import FieldProblem, Invalid
from ledger.involvement.access import ensure_role, visible_project_ids
from ledger.involvement.membership import visible_participants
from ledger.involvement.records import READERS, record_out
from ledger.involvement.schemas import MAX_ID, RecordOut
from ledger.involvement.watch import warnings_for
from ledger.money import Money
from ledger.rates.registry import CardRegistry
from ledger.security.actor import Actor

DEFAULT_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200
STATUSES = tuple(s.value for s in RecordStatus)


@dataclass(frozen=True)
class RecordFilters:
    """What a list of records is narrowed to (every field optional). Dates are activity dates, inclusive."""

    project: int | None = None
    status: str | None = None
    participant: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    recorded_by: int | None = None  # the token (or web user's token id) that recorded the record

    def problems(self) -> list[FieldProblem]:
        """Every problem at once, named by field, in plain words."""
        found: list[FieldProblem] = []
        if self.status is not None and self.status not in STATUSES:
            found.append(FieldProblem("status", "must be one of: " + ", ".join(STATUSES)))
        for name in ("project", "participant", "recorded_by"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= MAX_ID:
                found.append(FieldProblem(name, "must be an id as shown by the ledger"))
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            found.append(FieldProblem("date_to", "must be the same as or after the 'from' date"))
        return found


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: records older than ``before``, or newer than ``after`` (ids), or the newest."""

    before: int | None = None
    after: int | None = None


@dataclass(frozen=True)
class RecordRow:
    """One line of a records list: enough to recognise the record and to open it."""

    id: int
    activity_id: int
    date: date
    activity: str
    mode: str
    project_id: int
    project_code: str
    participant_id: int
    participant_reference: str
    participant_name: str
    role: str
    involvement_minutes: int
    status: str
    recorded_by_token_id: int | None
    corrects_record_id: int | None
    rejection_reason: str | None
    total: str | None  # fixed at approval (fees plus expenses), e.g. "41.25"; None until then
    currency: str | None


@dataclass(frozen=True)
class Page:
    """One page of a keyset-paged list, with the cursors for the pages either side (``None``: no page)."""

    items: list[Any]
    total: int
    newer: Cursor | None
    older: Cursor | None


@dataclass(frozen=True)
class QueuePage:
    items: list[RecordOut]
    total: int
    newer: Cursor | None
    older: Cursor | None
    participants: dict[int, Participant] = field(default_factory=dict)


def _scope_conditions(actor: Actor) -> list[ColumnElement[bool]]:
    ensure_role(actor, *READERS, doing="read records")
    conditions: list[ColumnElement[bool]] = []
    scope = visible_project_ids(actor)
    if scope is not None:
        conditions.append(Activity.project_id.in_(scope) if scope else false())
    if actor.role == Role.PARTICIPANT:
        conditions.append(Record.participant_id == actor.participant_id)
    return conditions


def record_conditions(actor: Actor, filters: RecordFilters) -> list[ColumnElement[bool]]:
    """The WHERE clause of a records list: the actor's scope and the filters (refused together if wrong)."""
    problems = filters.problems()
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    conditions = _scope_conditions(actor)
    if filters.project is not None:
        conditions.append(Activity.project_id == filters.project)
    if filters.status is not None:
        conditions.append(Record.status == filters.status)
    if filters.participant is not None:
        conditions.append(Record.participant_id == filters.participant)
    if filters.date_from is not None:
        conditions.append(Activity.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Activity.date <= filters.date_to)
    if filters.recorded_by is not None:
        conditions.append(Record.recorded_by_token_id == filters.recorded_by)
    return conditions


def _keyset(query: Select[*tuple[Any, ...]], cursor: Cursor, limit: int) -> tuple[Select[*tuple[Any, ...]], bool]:
    """``query`` windowed by record id (newest first); ``True`` when reading upwards (``after``)."""
    if cursor.after is not None:
        return query.where(Record.id > cursor.after).order_by(Record.id.asc()).limit(limit + 1), True
    if cursor.before is not None:
        query = query.where(Record.id < cursor.before)
    return query.order_by(Record.id.desc()).limit(limit + 1), False


def _window(ids: Sequence[int], cursor: Cursor, limit: int, upwards: bool) -> tuple[list[int], Cursor | None,
                                                                                      Cursor | None]:
    """The ids of this page (newest first) and the cursors of the newer and older pages."""
    more = len(ids) > limit
    page = list(ids[:limit])
    if upwards:
        page.reverse()
    if not page:
        return [], None, None
    has_newer = more if upwards else cursor.before is not None
    has_older = True if upwards else more
    newer = Cursor(after=page[0]) if has_newer else None
    older = Cursor(before=page[-1]) if has_older else None
    return page, newer, older


def _reads_activities(conditions: list[ColumnElement[bool]]) -> bool:
    tables = {t for c in conditions for t in c._from_objects}  # the tables each condition reads
    return Activity.__table__ in tables


def _count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    """How many records match. The activities table is joined only when a condition needs it (a project,
    a scope or a date): counting 100,000 records alone is an index-only scan, with the join a hash join."""
    query = select(func.count(Record.id))
    if _reads_activities(conditions):
        query = query.join(Activity, Activity.id == Record.activity_id)
    return int(session.scalar(query.where(*conditions)) or 0)


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE_SIZE))


def list_record_rows(
    session: Session, actor: Actor, filters: RecordFilters, cursor: Cursor = Cursor(),
    *, limit: int = DEFAULT_PAGE_SIZE,
) -> Page:
    """A page of record rows, newest first: one query for the rows, one for the count."""
    limit = _limit(limit)
    conditions = record_conditions(actor, filters)
    query = (
        select(Record.id, Record.activity_id, Activity.date, Activity.activity, Activity.mode, Activity.project_id,
               Project.code, Record.participant_id, Participant.reference, Participant.name, Record.role,
               Record.involvement_minutes, Record.status, Record.recorded_by_token_id, Record.corrects_record_id,
               Record.rejection_reason, Record.fees_minor, Record.expenses_minor, Record.currency)
        .join(Activity, Activity.id == Record.activity_id)
        .join(Project, Project.id == Activity.project_id)
        .join(Participant, Participant.id == Record.participant_id)
        .where(*conditions)
    )
    windowed, upwards = _keyset(query, cursor, limit)
    rows = session.execute(windowed).all()
    ids, newer, older = _window([r.id for r in rows], cursor, limit, upwards)
    by_id = {r.id: r for r in rows}
    items = [_row(by_id[i]) for i in ids]
    return Page(items=items, total=_count(session, conditions), newer=newer, older=older)


def _row(r: Any) -> RecordRow:
    total = None
    if r.currency is not None and r.fees_minor is not None:
        total = Money.from_minor((r.fees_minor or 0) + (r.expenses_minor or 0), r.currency).text()
    return RecordRow(
        id=r.id, activity_id=r.activity_id, date=r.date, activity=r.activity, mode=r.mode, project_id=r.project_id,
        project_code=r.code, participant_id=r.participant_id, participant_reference=r.reference,
        participant_name=r.name, role=r.role, involvement_minutes=r.involvement_minutes, status=r.status,
        recorded_by_token_id=r.recorded_by_token_id, corrects_record_id=r.corrects_record_id,
        rejection_reason=r.rejection_reason, total=total, currency=r.currency,
    )


# ------------------------------------------------------------------------------------ approval queue


def queue_conditions(actor: Actor, filters: RecordFilters) -> list[ColumnElement[bool]]:
    """Submitted records in the actor's scope that someone else recorded (four eyes: never your own)."""
    conditions = record_conditions(actor, RecordFilters(
        project=filters.project, status=RecordStatus.SUBMITTED.value, participant=filters.participant,
        date_from=filters.date_from, date_to=filters.date_to, recorded_by=filters.recorded_by,
    ))
    if actor.token_id is not None:
        conditions.append(Record.recorded_by_token_id.is_distinct_from(actor.token_id))
    return conditions


def load_for_display(session: Session, ids: Sequence[int]) -> dict[int, Record]:
    """The records ``ids`` and what ``record_out`` reads of them, in a fixed number of queries.

    Corrections also need the record they correct: those are loaded the same way in one more query, so
    ``correction_changes``'s ``session.get`` finds them in the session instead of asking the database.
    """
    if not ids:
        return {}
    options = (
        joinedload(Record.activity, innerjoin=True).joinedload(Activity.project, innerjoin=True),
        joinedload(Record.participant, innerjoin=True).selectinload(Participant.watch_limits),
        selectinload(Record.lines),
        selectinload(Record.expenses),
    )
    records = {r.id: r for r in session.scalars(select(Record).where(Record.id.in_(ids)).options(*options))}
    originals = [r.corrects_record_id for r in records.values()
                 if r.corrects_record_id is not None and r.corrects_record_id not in records]
    if originals:
        session.scalars(select(Record).where(Record.id.in_(originals)).options(*options)).all()
    return records


def approval_queue(
    session: Session, actor: Actor, filters: RecordFilters = RecordFilters(), cursor: Cursor = Cursor(),
    *, limit: int = QUEUE_PAGE_SIZE, registry: CardRegistry | None = None,
) -> QueuePage:
    """Records waiting for this actor's decision, newest first, each in full (its quote and reasons).

    A lead never sees their own records here: the approval service refuses them anyway
    (``ensure_not_recorder``), and a queue full of things you may not do is no help.
    """
    ensure_role(actor, Role.LEAD, doing="approve records")
    limit = _limit(limit)
    conditions = queue_conditions(actor, filters)
    query = select(Record.id).join(Activity, Activity.id == Record.activity_id).where(*conditions)
    windowed, upwards = _keyset(query, cursor, limit)
    ids, newer, older = _window(list(session.scalars(windowed)), cursor, limit, upwards)
    records = load_for_display(session, ids)
    items = [_with_warnings(session, records[i], record_out(session, records[i], registry=registry)) for i in ids]
    return QueuePage(items=items, total=_count(session, conditions), newer=newer, older=older,
                     participants={r.participant_id: r.participant for r in records.values()})


def _with_warnings(session: Session, record: Record, out: RecordOut) -> RecordOut:
    """The watch limits approving would cross, as approval itself will warn (``warnings_for``, this record
    left out of the earlier earnings). Only people with limits cost a query, one per limit."""
    participant = record.participant
    if out.quote is not None and participant.watch_limits:
        out.warnings = warnings_for(session, participant, record.activity.date, Decimal(out.quote.fees_total),
                                    exclude_record_id=record.id, currency=out.quote.currency)
    return out


# ------------------------------------------------------------------------------------ lead home


@dataclass(frozen=True)
class PendingChangeRow:
    """A change of how someone is paid, waiting for a second person (finance) to confirm it."""

    participant_reference: str
    participant_name: str
    proposed_by: str
    proposed_at: datetime


@dataclass(frozen=True)
class LeadToDo:
    """What needs doing now, for the lead's home page."""

    waiting_for_me: int
    rejected_mine: list[RecordRow]
    rejected_mine_total: int
    pending_changes: list[PendingChangeRow]
    pending_changes_total: int


def rejected_not_corrected(actor: Actor) -> list[ColumnElement[bool]]:
    """My rejected records that no correction has followed yet (those still need me)."""
    later = aliased(Record)
    conditions = record_conditions(actor, RecordFilters(status=RecordStatus.REJECTED.value))
    conditions.append(Record.recorded_by_token_id == actor.token_id if actor.token_id is not None else false())
    conditions.append(~exists().where(and_(later.corrects_record_id == Record.id)))
    return conditions


def lead_to_do(session: Session, actor: Actor, *, limit: int = 10) -> LeadToDo:
    """Counts and the first few rows the lead home page shows (a fixed number of queries)."""
    ensure_role(actor, Role.LEAD, doing="see the lead's to-do list")
    waiting = _count(session, queue_conditions(actor, RecordFilters()))
    rejected = rejected_not_corrected(actor)
    query = (
        select(Record.id, Record.activity_id, Activity.date, Activity.activity, Activity.mode, Activity.project_id,
               Project.code, Record.participant_id, Participant.reference, Participant.name, Record.role,
               Record.involvement_minutes, Record.status, Record.recorded_by_token_id, Record.corrects_record_id,
               Record.rejection_reason, Record.fees_minor, Record.expenses_minor, Record.currency)
        .join(Activity, Activity.id == Record.activity_id)
        .join(Project, Project.id == Activity.project_id)
        .join(Participant, Participant.id == Record.participant_id)
        .where(*rejected).order_by(Record.id.desc()).limit(limit)
    )
    rows = [_row(r) for r in session.execute(query)]
    # Pending payee changes of the lead's own people (a lead may read those people, and their pending change).
    pending: list[ColumnElement[bool]] = [PayeeChange.status == PayeeChangeStatus.PENDING]
    visible = visible_participants(actor)
    if visible is not None:
        pending.append(visible)
    changes = [PendingChangeRow(*r) for r in session.execute(
        select(Participant.reference, Participant.name, PayeeChange.proposed_by, PayeeChange.created_at)
        .join(Participant, Participant.id == PayeeChange.participant_id).where(*pending)
        .order_by(PayeeChange.id).limit(limit))]
    changes_total = int(session.scalar(
        select(func.count(PayeeChange.id)).join(Participant, Participant.id == PayeeChange.participant_id)
        .where(*pending)) or 0)
    return LeadToDo(waiting_for_me=waiting, rejected_mine=rows, rejected_mine_total=_count(session, rejected),
                    pending_changes=changes, pending_changes_total=changes_total)


# ------------------------------------------------------------------------------------ activities


@dataclass(frozen=True)
class ActivityRow:
    id: int
    date: date
    activity: str
    mode: str
    description: str | None
    project_id: int
    project_code: str
    attendees: int
    submitted: int
    approved: int
    rejected: int
    reversed: int


@dataclass(frozen=True)
class ActivityFilters:
    project: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def problems(self) -> list[FieldProblem]:
        return RecordFilters(project=self.project, date_from=self.date_from, date_to=self.date_to).problems()


def list_activity_rows(
    session: Session, actor: Actor, filters: ActivityFilters, cursor: Cursor = Cursor(),
    *, limit: int = DEFAULT_PAGE_SIZE,
) -> Page:
    """A page of activities, newest first, with how many records each has in each status."""
    problems = filters.problems()
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    ensure_role(actor, Role.LEAD, Role.AUDITOR, doing="read activities")
    limit = _limit(limit)
    conditions: list[ColumnElement[bool]] = []
    scope = visible_project_ids(actor)
    if scope is not None:
        conditions.append(Activity.project_id.in_(scope) if scope else false())
    if filters.project is not None:
        conditions.append(Activity.project_id == filters.project)
    if filters.date_from is not None:
        conditions.append(Activity.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Activity.date <= filters.date_to)
    query = select(Activity.id).where(*conditions)
    if cursor.after is not None:
        query, upwards = query.where(Activity.id > cursor.after).order_by(Activity.id.asc()), True
    else:
        if cursor.before is not None:
            query = query.where(Activity.id < cursor.before)
        query, upwards = query.order_by(Activity.id.desc()), False
    ids, newer, older = _window(list(session.scalars(query.limit(limit + 1))), cursor, limit, upwards)
    total = int(session.scalar(select(func.count(Activity.id)).where(*conditions)) or 0)
    if not ids:
        return Page(items=[], total=total, newer=None, older=None)
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for activity_id, status, n in session.execute(
        select(Record.activity_id, Record.status, func.count()).where(Record.activity_id.in_(ids))
        .group_by(Record.activity_id, Record.status)
    ):
        counts[activity_id][status] = n
    found = {a.id: a for a in session.execute(
        select(Activity.id, Activity.date, Activity.activity, Activity.mode, Activity.description,
               Activity.project_id, Project.code).join(Project, Project.id == Activity.project_id)
        .where(Activity.id.in_(ids)))}
    items = []
    for i in ids:
        a, c = found[i], counts[i]
        items.append(ActivityRow(id=a.id, date=a.date, activity=a.activity, mode=a.mode, description=a.description,
                                 project_id=a.project_id, project_code=a.code, attendees=sum(c.values()),
                                 submitted=c.get("submitted", 0), approved=c.get("approved", 0),
                                 rejected=c.get("rejected", 0), reversed=c.get("reversed", 0)))
    return Page(items=items, total=total, newer=newer, older=older)


def visible_projects(session: Session, actor: Actor) -> list[Project]:
    """The projects the actor works on (for filter and form choices), by code."""
    scope = visible_project_ids(actor)
    query = select(Project).order_by(Project.code)
    if scope is not None:
        query = query.where(Project.id.in_(scope) if scope else false())
    return list(session.scalars(query))
