"""Recognition over HTTP: records of involvement, their public check, and outcomes.

Who may do what (the services check it again, so the CLI and pages get the same rules):

* issue or withdraw a record of involvement: the person themself (participant token), a lead of a project
  they belong to, an administrator; list a person's records: those, and auditors;
* ``GET /verify/{code}``: anyone, without a token. It says whether the organisation issued the record and
  shows its summary, nothing else; guessing is throttled per address in the database;
* add outcomes: leads of the project (and administrators); list outcomes and the "nothing reported back"
  list: leads (their projects) and auditors; a person's outcomes: whoever may read their statement.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, TooManyRequestsException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Response
from sqlalchemy.orm import Session

from ledger.api.auth import PUBLIC_ROUTE, require_roles
from ledger.api.database import database_of
from ledger.api.limits import client_address
from ledger.api.openapi_schemas import produces
from ledger.api.problems import PROBLEM_MEDIA_TYPE, Problem
from ledger.api.reports_api import PathId, ensure_may_read_participant
from ledger.db.models import Role
from ledger.db.models_recognition import InvolvementRecord
from ledger.errors import NotFound
from ledger.exports.pdf.recognition import render_record
from ledger.involvement.schemas import MAX_ID
from ledger.recognition.codes import TooManyChecks, verify_code
from ledger.recognition.data import InvolvementSummary, OutcomeItem, RecordOfInvolvement
from ledger.recognition.outcomes import (
    DEFAULT_OVERDUE_WEEKS,
    MAX_OVERDUE_WEEKS,
    add_outcome,
    list_outcomes,
    outcomes_for_participant,
    overdue_activities,
)
from ledger.recognition.record import issue_record, list_records, withdraw_record
from ledger.recognition.schemas import (
    GlanceOut,
    IssuedRecordOut,
    OutcomeIn,
    OutcomeList,
    OutcomeOut,
    OverdueList,
    ProjectGlanceOut,
    RecordList,
    RecordListItem,
    RecordRequest,
    SummaryOut,
    TimeTotalOut,
    VerificationOut,
    WithdrawIn,
)
from ledger.reports.involvement_glance import with_glance
from ledger.reports.spend import project_spend
from ledger.security.actor import Actor

ISSUERS = require_roles(Role.LEAD, Role.PARTICIPANT)
RECORD_READERS = require_roles(Role.LEAD, Role.PARTICIPANT, Role.AUDITOR)
OUTCOME_WRITERS = require_roles(Role.LEAD)
OUTCOME_READERS = require_roles(Role.LEAD, Role.AUDITOR)
PERSON_OUTCOME_READERS = require_roles(Role.FINANCE, Role.AUDITOR, Role.LEAD, Role.PARTICIPANT)
GLANCE_READERS = require_roles(Role.FINANCE, Role.AUDITOR, Role.LEAD)  # as the spend report

Code = Annotated[str, Parameter(min_length=1, max_length=40, description="The code printed on the record")]


def summary_out(summary: InvolvementSummary, *, public: bool = False) -> SummaryOut:
    """The summary as sent; ``public`` (a check by code) leaves out the organisation's reference for the person."""
    def totals(items: Any) -> list[TimeTotalOut]:
        return [TimeTotalOut(label=t.label, minutes=t.minutes, activities=t.activities) for t in items]

    return SummaryOut(
        participant_name=summary.participant_name,
        participant_reference=None if public else summary.participant_reference,
        organisation_name=summary.organisation_name, issued_on=summary.issued_on, first_date=summary.first_date,
        last_date=summary.last_date, activity_count=summary.activity_count, total_minutes=summary.total_minutes,
        minutes_paid=summary.minutes_paid, minutes_paid_to_organisation=summary.minutes_paid_to_organisation,
        minutes_declined=summary.minutes_declined, by_year=totals(summary.by_year),
        by_project=totals(summary.by_project), by_role=totals(summary.by_role), training=list(summary.training),
        outcome_count=summary.outcome_count,
    )


def outcome_out(item: OutcomeItem) -> OutcomeOut:
    return OutcomeOut(id=item.id, project=item.project_id, project_name=item.project_name, activity=item.activity_id,
                      activity_label=item.activity_label, activity_date=item.activity_date, date=item.outcome_date,
                      text=item.text, added_by=item.added_by)


def record_item(row: InvolvementRecord) -> RecordListItem:
    return RecordListItem(id=row.id, issued_at=row.created_at, issued_by=row.issued_by, style=row.style,
                          include_amounts=row.include_amounts, withdrawn_at=row.withdrawn_at,
                          withdrawn_by=row.withdrawn_by, withdrawn_reason=row.withdrawn_reason,
                          check_count=row.check_count, last_checked_at=row.last_checked_at)


def issued_response(record: RecordOfInvolvement, fmt: str) -> Response[bytes]:
    assert record.code is not None and record.record_id is not None and record.check_address is not None
    if fmt == "pdf":
        name = f"involvement-{record.summary.participant_reference}-{record.summary.issued_on.isoformat()}.pdf"
        return Response(render_record(record), status_code=201, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    body = IssuedRecordOut(id=record.record_id, code=record.code, check_address=record.check_address,
                           style=record.style, include_amounts=record.amounts is not None,
                           summary=summary_out(record.summary))
    return Response(msgspec.json.encode(body), status_code=201, media_type="application/json")


class RecognitionController(Controller):
    path = "/"
    tags = ("Recognition",)

    @post("/participants/{participant_id:int}/involvement-records", guards=[ISSUERS], sync_to_thread=True,
          operation_id="issueInvolvementRecord", summary="Issue a record of involvement (PDF or JSON)",
          opt=produces("application/pdf", "application/json"), status_code=201)
    def issue(self, participant_id: PathId, data: RecordRequest, db_session: Session, actor: Actor) -> Response[bytes]:
        """A new record with a new verification code (shown once). No money on it unless ``include_amounts``."""
        record = issue_record(db_session, actor, participant_id, style=data.style,
                              include_amounts=data.include_amounts)
        return issued_response(record, data.format)

    @get("/participants/{participant_id:int}/involvement-records", guards=[RECORD_READERS], sync_to_thread=True,
         operation_id="listInvolvementRecords", summary="Records of involvement issued for a person")
    def list_issued(self, participant_id: PathId, db_session: Session, actor: Actor) -> RecordList:
        rows = list_records(db_session, actor, participant_id)
        return RecordList(items=[record_item(r) for r in rows], total=len(rows))

    @post("/involvement-records/{record_id:int}/withdraw", guards=[ISSUERS], sync_to_thread=True,
          operation_id="withdrawInvolvementRecord", summary="Withdraw a record: its code no longer vouches for it",
          status_code=200)
    def withdraw(self, record_id: PathId, data: WithdrawIn, db_session: Session, actor: Actor) -> RecordListItem:
        return record_item(withdraw_record(db_session, actor, record_id, data.reason))

    @get("/verify/{code:str}", sync_to_thread=True, operation_id="verifyInvolvementRecord",
         summary="Check a record of involvement's code (public)",
         description="200 with the summary when the organisation issued it; 410 when it was withdrawn; 404 "
         "when no record has this code; 429 after too many unknown codes from one address.",
         responses={410: ResponseSpec(data_container=Problem, description="The record was withdrawn.",
                                      media_type=PROBLEM_MEDIA_TYPE, generate_examples=False)},
         cache_control=CacheControlHeader(no_store=True),  # it names a person: no shared cache keeps it
         response_headers={"X-Robots-Tag": "noindex, nofollow"}, **PUBLIC_ROUTE)
    def verify(self, code: Code, request: Request[Any, Any, Any]) -> VerificationOut:
        """Anyone with the code sees that the organisation issued the record, and its summary; nothing else."""
        try:
            found = verify_code(database_of(request.scope).session_factory, code, client_address(request))
        except TooManyChecks as exc:
            raise TooManyRequestsException(detail=exc.detail,
                                           headers={"RateLimit-Reset": str(exc.retry_after)}) from None
        if found.status == "unknown":
            raise NotFound("No record of involvement has this code. Check it was typed as printed, or ask the "
                           "organisation that issued it.")
        if found.status == "withdrawn":
            assert found.withdrawn_on is not None
            raise HTTPException(status_code=410, detail=(
                f"{found.organisation_name} withdrew this record on {found.withdrawn_on.date().isoformat()}; it no "
                "longer vouches for anything. Ask the person for a current record."))
        assert found.summary is not None and found.issued_on is not None and found.organisation_name is not None
        return VerificationOut(status="valid", issued_by=found.organisation_name, issued_on=found.issued_on.date(),
                               summary=summary_out(found.summary, public=True))

    @get("/projects/{project_id:int}/involvement", guards=[GLANCE_READERS], sync_to_thread=True,
         operation_id="getProjectInvolvement", summary="Involvement at a glance for one project (JSON)")
    def glance(
        self, project_id: PathId, db_session: Session, actor: Actor,
        period_from: Annotated[date | None, Parameter(query="from")] = None,
        period_to: Annotated[date | None, Parameter(query="to")] = None,
    ) -> GlanceOut:
        """People involved, time given and how it was paid, median days to payment, share reported back (the
        same section as the spend report PDF). Default period: the current tax year."""
        actor.ensure_project(project_id)
        report = with_glance(db_session, project_spend(db_session, project_id, period_from, period_to))

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return GlanceOut(period_from=report.period_from, period_to=report.period_to, projects=[
            ProjectGlanceOut(
                code=g.code, name=g.name, people=g.people, minutes=g.minutes, minutes_paid=g.minutes_paid,
                minutes_paid_to_organisation=g.minutes_paid_to_organisation, minutes_declined=g.minutes_declined,
                days_to_payment_median=text(g.days_to_payment_median), activities=g.activities,
                activities_reported_back=g.activities_reported_back, share_paid=text(g.share_paid),
                share_paid_to_organisation=text(g.share_paid_to_organisation),
                share_declined=text(g.share_declined), share_reported_back=text(g.share_reported_back))
            for g in report.involvement])

    # ---- outcomes ---------------------------------------------------------------------------------
    @post("/outcomes", guards=[OUTCOME_WRITERS], sync_to_thread=True, operation_id="addOutcome",
          summary="Add what changed because of participants' input, to an activity or a project")
    def add(self, data: OutcomeIn, db_session: Session, actor: Actor) -> OutcomeOut:
        return outcome_out(add_outcome(db_session, actor, data))

    @get("/outcomes", guards=[OUTCOME_READERS], sync_to_thread=True, operation_id="listOutcomes",
         summary="Outcomes of your projects")
    def list_all(
        self, db_session: Session, actor: Actor,
        project: Annotated[int | None, Parameter(query="project", ge=1, le=MAX_ID)] = None,
        activity: Annotated[int | None, Parameter(query="activity", ge=1, le=MAX_ID)] = None,
    ) -> OutcomeList:
        items = list_outcomes(db_session, actor, project_id=project, activity_id=activity)
        return OutcomeList(items=[outcome_out(i) for i in items], total=len(items))

    @get("/outcomes/overdue", guards=[OUTCOME_READERS], sync_to_thread=True, operation_id="listOverdueOutcomes",
         summary="Activities with nothing reported back after a set time (default 8 weeks)")
    def overdue(
        self, db_session: Session, actor: Actor,
        weeks: Annotated[int, Parameter(query="weeks", ge=1, le=MAX_OVERDUE_WEEKS)] = DEFAULT_OVERDUE_WEEKS,
        project: Annotated[int | None, Parameter(query="project", ge=1, le=MAX_ID)] = None,
    ) -> OverdueList:
        items = overdue_activities(db_session, actor, weeks, project_id=project)
        return OverdueList(weeks=weeks, items=items, total=len(items))

    @get("/participants/{participant_id:int}/outcomes", guards=[PERSON_OUTCOME_READERS], sync_to_thread=True,
         operation_id="getParticipantOutcomes", summary="What changed because of this person's involvement")
    def for_participant(
        self, participant_id: PathId, db_session: Session, actor: Actor,
        period_from: Annotated[date | None, Parameter(query="from")] = None,
        period_to: Annotated[date | None, Parameter(query="to")] = None,
    ) -> OutcomeList:
        ensure_may_read_participant(db_session, actor, participant_id)
        items = outcomes_for_participant(db_session, participant_id, period_from, period_to)
        return OutcomeList(items=[outcome_out(i) for i in items], total=len(items))
