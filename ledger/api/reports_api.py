"""Statements and spend reports over HTTP (PDF, JSON, CSV).

Who may read what: a participant token reads only its own statement; a lead reads statements of people
with records in their projects and the spend of their projects; finance, auditors and admins read all.
The data is assembled by ``ledger.reports`` and rendered by ``ledger.exports``; nothing here queries
beyond the access check.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Response
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.openapi_schemas import produces
from ledger.db.models import Participant, Role
from ledger.errors import NotFound, invalid_field
from ledger.exports.pdf import render_spend_report, render_statement
from ledger.involvement.membership import ensure_participant_visible
from ledger.involvement.schemas import MAX_ID
from ledger.reports.involvement_glance import with_glance
from ledger.reports.spend import project_spend, spend_csv, spend_report
from ledger.reports.spend_data import SpendReport
from ledger.reports.statements import build_statement, statement_json
from ledger.security.actor import Actor

# Ids are BIGINT: without the bound a larger path id overflowed the database driver (a 500, found by
# tests/api/test_schemathesis.py); with it, it is a 422 naming the parameter.
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]

STATEMENT_READERS = require_roles(Role.FINANCE, Role.AUDITOR, Role.LEAD, Role.PARTICIPANT)
SPEND_READERS = require_roles(Role.FINANCE, Role.AUDITOR, Role.LEAD)

FromDate = Annotated[date | None, Parameter(query="from", description="First day (YYYY-MM-DD); default: tax year")]
ToDate = Annotated[date | None, Parameter(query="to", description="Last day (YYYY-MM-DD); default: tax year end")]


def ensure_may_read_participant(session: Session, actor: Actor, participant_id: int) -> None:
    actor.ensure_participant(participant_id)
    if session.get(Participant, participant_id) is None:
        raise NotFound(f"there is no participant with id {participant_id}")
    ensure_participant_visible(session, actor, participant_id, doing="read statements of")


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise invalid_field("format", f"{value!r} is not a format here; use one of: {', '.join(allowed)}")
    return value


def spend_response(report: SpendReport, fmt: str, name: str) -> Response[bytes]:
    if fmt == "csv":
        return Response(spend_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "pdf":
        return Response(render_spend_report(report), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
    return Response(msgspec.json.encode(report), media_type="application/json")


class ReportsController(Controller):
    path = "/"
    tags = ("Statements and reports",)

    @get("/participants/{participant_id:int}/statement", guards=[STATEMENT_READERS],
         operation_id="getStatement", sync_to_thread=True, summary="A participant's statement (PDF or JSON)",
         opt=produces("application/pdf", "application/json"))
    def statement(
        self,
        participant_id: PathId,
        db_session: Session,
        actor: Actor,
        period_from: FromDate = None,
        period_to: ToDate = None,
        style: Annotated[str | None, Parameter(query="style", description="standard, large_print, easy_read")]
        = None,
        fmt: Annotated[str, Parameter(query="format", description="pdf or json")] = "pdf",
    ) -> Response[bytes]:
        """What they did, what it was worth, what was paid and why. Default period: the current tax year."""
        fmt = _format(fmt, ("pdf", "json"))
        ensure_may_read_participant(db_session, actor, participant_id)
        statement = build_statement(db_session, participant_id, period_from, period_to, style)
        if fmt == "json":
            return Response(statement_json(statement), media_type="application/json")
        name = f"statement-{statement.participant_reference}-{statement.period_from.isoformat()}.pdf"
        return Response(render_statement(statement), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @get("/projects/{project_id:int}/spend", guards=[SPEND_READERS], operation_id="getProjectSpend",
         sync_to_thread=True, summary="One project's spend against budget (JSON, CSV or PDF)",
         opt=produces("application/json", "text/csv", "application/pdf"))
    def project(
        self,
        project_id: PathId,
        db_session: Session,
        actor: Actor,
        period_from: FromDate = None,
        period_to: ToDate = None,
        fmt: Annotated[str, Parameter(query="format", description="json, csv or pdf")] = "json",
    ) -> Response[bytes]:
        fmt = _format(fmt, ("json", "csv", "pdf"))
        actor.ensure_project(project_id)
        report = project_spend(db_session, project_id, period_from, period_to)
        report = with_glance(db_session, report) if fmt == "pdf" else report  # involvement at a glance
        return spend_response(report, fmt, f"spend-{report.projects[0].code}")

    @get("/reports/spend", guards=[SPEND_READERS], operation_id="getSpendReport", sync_to_thread=True,
         summary="Spend across projects (a lead sees their own projects)",
         opt=produces("application/json", "text/csv", "application/pdf"))
    def across(
        self,
        db_session: Session,
        actor: Actor,
        period_from: FromDate = None,
        period_to: ToDate = None,
        fmt: Annotated[str, Parameter(query="format", description="json, csv or pdf")] = "json",
    ) -> Response[bytes]:
        fmt = _format(fmt, ("json", "csv", "pdf"))
        scope = actor.project_ids if actor.role == Role.LEAD else None
        report = spend_report(db_session, scope, period_from, period_to)
        report = with_glance(db_session, report) if fmt == "pdf" else report  # involvement at a glance
        return spend_response(report, fmt, "spend-all-projects")
