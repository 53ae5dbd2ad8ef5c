"""Payment batches over HTTP: build, check, approve, export, mark paid, returns, remittance advice.

Thin controllers: one service call each (``ledger.payments``, ``ledger.reports.remittances``), one
conversion to the msgspec shapes below. Finance (and admin) change batches; auditors may read them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.response import Response
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.openapi_schemas import produces
from ledger.api.pagination import PAGE_DEPENDENCIES, Page, PageParams
from ledger.db.models import Batch, BatchLine, Participant, Role
from ledger.exports.finance import get_exporter
from ledger.exports.pdf import render_remittance, render_remittance_zip
from ledger.involvement.schemas import MAX_ID
from ledger.money import Money
from ledger.payments.batches import (
    SkippedPayee,
    approve_batch,
    build_batch,
    get_batch,
    list_batches,
    mark_exported,
    mark_paid,
    resolve_project,
)
from ledger.payments.returns import return_line
from ledger.reports.batch_export import batch_export_data
from ledger.reports.batch_review import masked_destination
from ledger.reports.remittances import build_remittances
from ledger.security.actor import Actor

# Ids are BIGINT: without the bound a larger path id overflowed the database driver (a 500, found by
# tests/api/test_schemathesis.py); with it, it is a 422 naming the parameter, like the other controllers.
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id as returned by the server")]

FINANCE = require_roles(Role.FINANCE)
FINANCE_OR_AUDITOR = require_roles(Role.FINANCE, Role.AUDITOR)


class BatchCreate(msgspec.Struct, forbid_unknown_fields=True):
    method: Annotated[str, msgspec.Meta(description="bank_transfer | voucher | organisation")]
    project: int | str | None = None
    up_to: date | None = None


class PaidIn(msgspec.Struct, forbid_unknown_fields=True):
    paid_on: date


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class BatchLineOut(msgspec.Struct):
    id: int
    participant: int
    participant_reference: str
    participant_name: Annotated[str, msgspec.Meta(
        description="Who is owed the money, to read against the account name in paid_to.")]
    payee_name: str
    paid_to: Annotated[str, msgspec.Meta(
        description="Where the money goes, the account name in full and the account masked: "
                    "'DANIEL OKAFOR **-**-99 ****4958', 'organisation: ...' or 'voucher'. "
                    "Copied from the payee's confirmed details when the batch was built; the export writes "
                    "exactly these details.")]
    payment_reference: str
    amount: str
    fees: str
    expenses: str
    status: str
    returned_reason: str | None
    returned_at: datetime | None


class SkippedOut(msgspec.Struct):
    participant: int
    participant_reference: str
    name: str
    amount: str
    reason: str


class BatchOut(msgspec.Struct):
    id: int
    reference: str
    method: str
    status: str
    currency: str
    total: str
    line_count: int
    project: int | None
    up_to: date | None
    created_at: datetime
    approved_at: datetime | None
    exported_at: datetime | None
    paid_on: date | None
    lines: list[BatchLineOut]
    skipped: list[SkippedOut]


class BatchSummaryOut(msgspec.Struct):
    id: int
    reference: str
    method: str
    status: str
    currency: str
    total: str
    line_count: int
    project: int | None
    created_at: datetime
    paid_on: date | None


def _line_out(line: BatchLine, person: tuple[str, str], currency: str, method: str) -> BatchLineOut:
    reference, name = person
    return BatchLineOut(
        id=line.id, participant=line.participant_id, participant_reference=reference, participant_name=name,
        payee_name=line.payee_name,
        paid_to=masked_destination(method, line.bank_sort_code, line.bank_account_number, line.organisation_name,
                                   line.bank_account_name),
        payment_reference=line.payment_reference,
        amount=Money.from_minor(line.amount_minor, currency).text(),
        fees=Money.from_minor(line.fees_minor, currency).text(),
        expenses=Money.from_minor(line.expenses_minor, currency).text(),
        status=line.status, returned_reason=line.returned_reason, returned_at=line.returned_at,
    )


def batch_out(session: Session, batch: Batch, skipped: tuple[SkippedPayee, ...] = ()) -> BatchOut:
    session.refresh(batch)
    people = {
        pid: (reference, name) for pid, reference, name in
        session.query(Participant.id, Participant.reference, Participant.name)
        .join(BatchLine, BatchLine.participant_id == Participant.id)
        .filter(BatchLine.batch_id == batch.id)
        .all()
    }
    lines = [_line_out(line, people[line.participant_id], batch.currency, batch.method) for line in batch.lines]
    return BatchOut(
        id=batch.id, reference=batch.reference, method=batch.method, status=batch.status, currency=batch.currency,
        total=Money.from_minor(batch.total_minor, batch.currency).text(), line_count=len(lines),
        project=batch.project_id, up_to=batch.up_to, created_at=batch.created_at, approved_at=batch.approved_at,
        exported_at=batch.exported_at, paid_on=batch.paid_on, lines=lines,
        skipped=[SkippedOut(participant=s.participant_id, participant_reference=s.participant_reference, name=s.name,
                            amount=Money(s.amount, s.currency).text(), reason=s.reason) for s in skipped],
    )


class BatchController(Controller):
    path = "/batches"
    tags = ("Payment batches",)
    dependencies = PAGE_DEPENDENCIES

    @post("/", guards=[FINANCE], operation_id="createBatch", status_code=201, sync_to_thread=True,
          summary="Build a draft batch of everything payable by one method")
    def create(self, data: BatchCreate, db_session: Session, actor: Actor) -> BatchOut:
        """One line per payee; payees who cannot be paid by this method are listed in ``skipped``."""
        project = resolve_project(db_session, data.project)
        outcome = build_batch(db_session, actor, data.method, project.id if project else None, data.up_to)
        return batch_out(db_session, outcome.batch, outcome.skipped)

    @get("/", guards=[FINANCE_OR_AUDITOR], operation_id="listBatches", summary="Payment batches, newest first",
         sync_to_thread=True)
    def list_all(
        self,
        db_session: Session,
        page: PageParams,
        status: Annotated[str | None, Parameter(query="status", description="draft, approved, exported, paid")] = None,
        method: Annotated[str | None, Parameter(query="method", description="bank_transfer, voucher, organisation")]
        = None,
    ) -> Page[BatchSummaryOut]:
        rows, total = list_batches(db_session, status=status, method=method, limit=page.limit, offset=page.offset)
        items = [
            BatchSummaryOut(id=b.id, reference=b.reference, method=b.method, status=b.status, currency=b.currency,
                            total=Money.from_minor(b.total_minor, b.currency).text(), line_count=len(b.lines),
                            project=b.project_id, created_at=b.created_at, paid_on=b.paid_on)
            for b in rows
        ]
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)

    @get("/{batch_id:int}", guards=[FINANCE_OR_AUDITOR], operation_id="getBatch", summary="One batch with its lines",
         sync_to_thread=True)
    def read(self, batch_id: PathId, db_session: Session) -> BatchOut:
        return batch_out(db_session, get_batch(db_session, batch_id))

    @post("/{batch_id:int}/approve", guards=[FINANCE], operation_id="approveBatch", status_code=200,
          sync_to_thread=True, summary="Approve a draft batch (not by the token that built it)")
    def approve(self, batch_id: PathId, db_session: Session, actor: Actor) -> BatchOut:
        return batch_out(db_session, approve_batch(db_session, actor, batch_id))

    @get("/{batch_id:int}/export", guards=[FINANCE], operation_id="exportBatch", sync_to_thread=True,
         summary="Download the batch as a bank or accounting file",
         response_description="The file, streamed",
         opt=produces("text/csv", "application/json", "application/zip"))
    def export(
        self,
        batch_id: PathId,
        db_session: Session,
        actor: Actor,
        fmt: Annotated[str, Parameter(query="format", description="csv, bank-csv, xero, xero-zip, sage or json")]
        = "csv",
    ) -> Response[bytes]:
        """Marks an approved batch exported. A paid batch cannot be exported again (no double payment).

        The exporter streams (lines read from the database in chunks); the file is collected here,
        inside the request's transaction, because the unit of work holds every response until its
        transaction commits, so the export is never reported before its status change is saved.
        """
        exporter = get_exporter(fmt)
        data = batch_export_data(db_session, mark_exported(db_session, actor, batch_id, exporter.name))
        body = b"".join(exporter.iter_chunks(data))
        return Response(body, media_type=exporter.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{exporter.filename(data)}"'})

    @post("/{batch_id:int}/paid", guards=[FINANCE], operation_id="markBatchPaid", status_code=200,
          sync_to_thread=True, summary="Record that the money has been sent")
    def paid(self, batch_id: PathId, data: PaidIn, db_session: Session, actor: Actor) -> BatchOut:
        return batch_out(db_session, mark_paid(db_session, actor, batch_id, data.paid_on))

    @post("/{batch_id:int}/lines/{line_id:int}/return", guards=[FINANCE], operation_id="returnBatchLine",
          status_code=200, sync_to_thread=True, summary="A payment came back: owe that amount again")
    def return_payment(self, batch_id: PathId, line_id: PathId, data: ReturnIn, db_session: Session,
                       actor: Actor) -> BatchOut:
        line = return_line(db_session, actor, batch_id, line_id, data.reason)
        return batch_out(db_session, line.batch)

    @get("/{batch_id:int}/remittances/{participant_id:int}", guards=[FINANCE_OR_AUDITOR],
         operation_id="getRemittance", sync_to_thread=True, media_type="application/pdf",
         summary="Payment advice (PDF) for one payee")
    def remittance(self, batch_id: PathId, participant_id: PathId, db_session: Session) -> Response[bytes]:
        advice = build_remittances(db_session, batch_id, participant_id)[0]
        return Response(render_remittance(advice), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{advice.file_name}"'})

    @get("/{batch_id:int}/remittances", guards=[FINANCE_OR_AUDITOR], operation_id="getRemittances",
         sync_to_thread=True, media_type="application/zip", summary="Payment advice for every payee (zip)")
    def remittances(self, batch_id: PathId, db_session: Session) -> Response[bytes]:
        batch = get_batch(db_session, batch_id)
        advices = build_remittances(db_session, batch_id)
        return Response(render_remittance_zip(advices), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="advice-{batch.reference}.zip"'})
