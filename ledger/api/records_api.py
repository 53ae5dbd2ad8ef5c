"""``/activities`` and ``/records``: recording involvement and deciding each person's record."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.api.transaction import answer_committed
from ledger.db.models import Role
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record, correct_record, reject_record, reverse_record
from ledger.involvement.records import get_record, list_records
from ledger.involvement.schemas import (
    MAX_ID,
    ActivityCreate,
    ActivityCreated,
    CorrectionIn,
    ReasonIn,
    RecordCreated,
    RecordOut,
    RecordStatusName,
)
from ledger.security.actor import Actor

PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]

DECIDERS = require_roles(Role.LEAD)
READERS = require_roles(Role.LEAD, Role.AUDITOR, Role.PARTICIPANT)


class ActivityController(Controller):
    path = "/activities"
    tags = ("Activities",)

    @post("/", guards=[DECIDERS], operation_id="recordActivity",
          summary="Record one activity for everyone who took part (all or none)", sync_to_thread=True)
    def create(self, data: ActivityCreate, db_session: Session, actor: Actor) -> ActivityCreated:
        """Each attendee gets a submitted record and a quote (with watch-limit warnings). If any attendee's
        part is wrong, nothing is recorded and every problem is named (``attendees[2].expenses[0].receipt``)."""
        return record_activity(db_session, actor, data)


class RecordController(Controller):
    path = "/records"
    tags = ("Records",)
    dependencies = PAGE_DEPENDENCIES

    @get("/", guards=[READERS], operation_id="listRecords", summary="List records, newest first",
         sync_to_thread=True)
    def list_all(
        self,
        db_session: Session,
        actor: Actor,
        page: PageParams,
        participant: Annotated[int | None, Parameter(query="participant", ge=1, le=MAX_ID,
                                                     description="Participant id")] = None,
        project: Annotated[int | None, Parameter(query="project", ge=1, le=MAX_ID, description="Project id")] = None,
        status: Annotated[RecordStatusName | None, Parameter(query="status")] = None,
    ) -> Page[RecordOut]:
        found = list_records(db_session, actor, limit=page.limit, offset=page.offset, participant=participant,
                             project=project, status=status)
        return Page(items=found.items, total=found.total, limit=page.limit, offset=page.offset)

    @get("/{record_id:int}", guards=[READERS], operation_id="getRecord", summary="One record",
         sync_to_thread=True)
    def get_one(self, record_id: PathId, db_session: Session, actor: Actor) -> RecordOut:
        """Approved records show the lines fixed at approval; others a live quote."""
        return get_record(db_session, actor, record_id)

    @post("/{record_id:int}/approve", guards=[DECIDERS], operation_id="approveRecord", status_code=200,
          summary="Approve a record recorded by someone else", sync_to_thread=True)
    def approve(self, record_id: PathId, request: Request, db_session: Session, actor: Actor) -> RecordOut:
        """Posts the amounts at the rate-card version in force on the activity date. ``warnings`` lists any
        watch limit the fees take the participant over (they never block)."""
        # Committed in this thread as soon as the answer is ready: approvals hold the audit chain's lock
        # until commit, so every step saved before the commit lets the next approval start sooner.
        answer: RecordOut = answer_committed(request, db_session, approve_record(db_session, actor, record_id))
        return answer

    @post("/{record_id:int}/reject", guards=[DECIDERS], operation_id="rejectRecord", status_code=200,
          summary="Reject a submitted record, with a reason", sync_to_thread=True)
    def reject(self, record_id: PathId, data: ReasonIn, db_session: Session, actor: Actor) -> RecordOut:
        return reject_record(db_session, actor, record_id, data.reason)

    @post("/{record_id:int}/reverse", guards=[DECIDERS], operation_id="reverseRecord", status_code=200,
          summary="Reverse an approved record, with a reason", sync_to_thread=True)
    def reverse(self, record_id: PathId, data: ReasonIn, db_session: Session, actor: Actor) -> RecordOut:
        """Posts a mirror entry linked to the approval (at most once). Refused while the money is in an
        unpaid payment batch: return the batch line first."""
        return reverse_record(db_session, actor, record_id, data.reason)

    @post("/{record_id:int}/corrections", guards=[DECIDERS], operation_id="correctRecord",
          summary="Submit a corrected record in place of a rejected or reversed one", sync_to_thread=True)
    def correct(self, record_id: PathId, data: CorrectionIn, db_session: Session, actor: Actor) -> RecordCreated:
        return correct_record(db_session, actor, record_id, data)
