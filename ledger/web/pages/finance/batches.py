"""``/finance`` and ``/finance/batches...``: what is payable now, building, approving, downloading and paying batches.

Every action calls the same service as the API (``ledger/api/payments_api.py``): ``build_batch``,
``approve_batch`` (which refuses the person who built the batch: four eyes, ``same_person``),
``mark_exported`` with an exporter from ``ledger.exports.finance``, ``mark_paid``, ``return_line`` and
``build_remittances``. A refusal comes back on the same page as an error summary in plain words, the
typed values kept; the page's unit of work rolls back, so nothing is half-written.

Downloading a bank or accounting file is a POST (it marks the batch exported, so a link someone follows by
accident, or a page fetched ahead by the browser, must not do it), answered with the file itself.
"""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Response, Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import clock
from ledger.api.errors import domain_status
from ledger.db.models import AuditEvent, BatchLine, BatchMethod, BatchStatus, PayeeChange, PayeeChangeStatus, Project
from ledger.errors import FieldProblem, Forbidden, Invalid, LedgerError, NotFound
from ledger.exports.finance import EXPORTERS, get_exporter
from ledger.exports.pdf import render_remittance, render_remittance_zip
from ledger.involvement.schemas import MAX_ID
from ledger.money import Money
from ledger.payments.batches import (
    approve_batch,
    build_batch,
    get_batch,
    mark_exported,
    mark_paid,
    resolve_project,
)
from ledger.payments.returns import return_line
from ledger.reports.batch_export import batch_export_data
from ledger.reports.batch_history import BatchFilters, batch_history
from ledger.reports.batch_review import review_lines
from ledger.reports.payable_now import payable_now
from ledger.reports.remittances import _items as records_behind
from ledger.reports.remittances import build_remittances
from ledger.security.actor import Actor
from ledger.web.forms import Form, form_from, parse_date_input
from ledger.web.pages.finance.common import (
    ACTORS,
    LINE_TAGS,
    LINE_WORDS,
    METHOD_WORDS,
    READERS,
    STATUS_TAGS,
    STATUS_WORDS,
    may_act,
    may_open_records,
    money,
    pagination,
)
from ledger.web.pages.lead.common import read_date
from ledger.web.render import page, see_other

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID)]
LINES_PER_PAGE = 100
BATCHES_PER_PAGE = 25
MAX_PROJECT_CHOICES = 500
LOOKS = {"money": money, "method_words": METHOD_WORDS, "status_words": STATUS_WORDS, "status_tags": STATUS_TAGS,
         "line_words": LINE_WORDS, "line_tags": LINE_TAGS}


def _projects(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(Project.id, Project.code, Project.name).order_by(Project.name, Project.id)
                           .limit(MAX_PROJECT_CHOICES))
    return [(str(pid), f"{name} ({code})") for pid, code, name in rows]


def _home(request: Request[Any, Any, Any], session: Session, actor: Actor, form: Form, *,
          status: int = 200) -> Template:
    today = clock.today()
    groups = payable_now(session)
    recent, _ = batch_history(session, BatchFilters(), limit=5, offset=0)
    pending_changes = session.scalar(select(func.count()).select_from(PayeeChange)
                                     .where(PayeeChange.status == PayeeChangeStatus.PENDING)) or 0
    return page(request, "finance/home.html", {
        **LOOKS, "form": form, "today": today, "may_act": may_act(actor), "pending_changes": pending_changes,
        "groups": [{"group": g, "age": g.age_days(today)} for g in groups], "recent": recent,
        "methods": [(m.value, METHOD_WORDS[m.value]) for m in BatchMethod],
        "projects": _projects(session),
    }, status=status)


def _left_out(session: Session, batch_id: int) -> list[dict[str, str]]:
    """Who could not be put in the batch when it was built, and why: read back from the batch's own
    ``batch.create`` audit event (the builder's record of it), so the page never works the reasons out again."""
    after = session.scalar(select(AuditEvent.after).where(AuditEvent.action == "batch.create",
                                                          AuditEvent.entity == "batch",
                                                          AuditEvent.entity_id == str(batch_id)).limit(1))
    skipped = after.get("skipped") if isinstance(after, dict) else None
    return [{"participant": str(s.get("participant", "")), "reason": str(s.get("reason", ""))}
            for s in skipped if isinstance(s, dict)] if isinstance(skipped, list) else []


def _batch_page(request: Request[Any, Any, Any], session: Session, actor: Actor, batch_id: int, number: int,
                form: Form, *, status: int = 200) -> Template:
    batch = get_batch(session, batch_id)
    count = session.scalar(select(func.count()).select_from(BatchLine).where(BatchLine.batch_id == batch.id)) or 0
    pages = max(1, -(-count // LINES_PER_PAGE))
    number = min(number, pages)
    lines = list(islice(review_lines(session, batch), (number - 1) * LINES_PER_PAGE, number * LINES_PER_PAGE))
    ids = [line.line_id for line in lines]
    people = dict(session.execute(select(BatchLine.id, BatchLine.participant_id).where(BatchLine.id.in_(ids)))
                  .tuples().all()) if ids else {}
    behind = records_behind(session, ids, batch.currency) if ids else {}
    project = session.get(Project, batch.project_id) if batch.project_id else None
    if not form.value("paid_on-day") and not form.errors:
        form.set_date("paid_on", clock.today())
    return page(request, "finance/batch.html", {
        **LOOKS, "form": form, "batch": batch, "project": project, "count": count,
        "total": Money.from_minor(batch.total_minor, batch.currency).amount,
        "rows": [{"line": line, "participant_id": people.get(line.line_id),
                  "records": behind.get(line.line_id, ())} for line in lines],
        "may_act": may_act(actor), "may_open_records": may_open_records(actor),
        "left_out": _left_out(session, batch.id),
        "exporters": list(EXPORTERS.values()),
        "pagination": pagination(f"/finance/batches/{batch.id}", {}, number, pages),
    }, status=status)


def _failure(exc: LedgerError) -> int:
    """A form the page shows again: 400 for bad input, else the API's status for the refusal (403, 409...)."""
    return 400 if isinstance(exc, Invalid) else domain_status(exc)[0]


class FinancePages(Controller):
    path = "/finance"

    @get("/", name="finance-home", guards=[READERS], sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        return _home(request, db_session, actor, Form())

    @post("/batches", name="finance-build", guards=[ACTORS], sync_to_thread=True)
    def build(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
              data: FormBody) -> Template | Redirect:
        form = form_from(data)
        status = 400
        method = form.value("method")
        if method not in METHOD_WORDS:
            form.add("method", "Choose how the batch pays people", anchor="method")
        up_to = parse_date_input(form, "up_to", "last activity date to include", required=False)
        project: Project | None = None
        if not form.errors:
            try:
                project = resolve_project(db_session, form.value("project").strip() or None)
            except NotFound as exc:
                form.add("project", exc.detail)
        if not form.errors:
            try:
                outcome = build_batch(db_session, actor, method, project.id if project else None, up_to)
            except LedgerError as exc:
                form.add_problems(exc, fields={"up_to": "up_to", "method": "method", "project": "project"},
                                  fallback="method")
                status = _failure(exc)
            else:
                batch = outcome.batch
                notice = (f"Batch {batch.reference} built: {len(batch.lines)} payments, total "
                          f"{Money.from_minor(batch.total_minor, batch.currency).display()}. Someone else must "
                          "check and approve it.")
                if outcome.skipped:
                    left = "; ".join(f"{s.participant_reference}: {s.reason.rstrip('.')}" for s in outcome.skipped[:3])
                    more = f" and {len(outcome.skipped) - 3} more" if len(outcome.skipped) > 3 else ""
                    notice += f" Left out {len(outcome.skipped)}: {left}{more}."
                return see_other(f"/finance/batches/{batch.id}", notice=notice)
        db_session.rollback()
        return _home(request, db_session, actor, form, status=status)

    @get("/batches", name="finance-batches", guards=[READERS], sync_to_thread=True)
    def history(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        query = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        form = Form(values={k: query.get(k, "") for k in ("status", "method", "project", "made_from", "made_to")})
        problems: list[FieldProblem] = []
        status = query.get("status") or None
        if status is not None and status not in STATUS_WORDS:
            problems.append(FieldProblem("status", "choose a status from the list"))
            status = None
        method = query.get("method") or None
        if method is not None and method not in METHOD_WORDS:
            problems.append(FieldProblem("method", "choose a payment method from the list"))
            method = None
        project_id = None
        if query.get("project"):
            text = query["project"].strip()
            if text.isdigit() and 1 <= int(text) <= MAX_ID and db_session.get(Project, int(text)) is not None:
                project_id = int(text)
            else:
                problems.append(FieldProblem("project", "choose a project from the list"))
        made_from = read_date(query, "made_from", problems)
        made_to = read_date(query, "made_to", problems)
        if made_from and made_to and made_to < made_from:
            problems.append(FieldProblem("made_to", "must be on or after the 'made from' date"))
        number_text = query.get("page", "1")
        number = int(number_text) if number_text.isdigit() and 0 < int(number_text) < 100_000 else 1
        form.add_problems(problems)
        rows, total = batch_history(db_session, BatchFilters(status, method, project_id, made_from, made_to),
                                    limit=BATCHES_PER_PAGE, offset=(number - 1) * BATCHES_PER_PAGE)
        pages = max(1, -(-total // BATCHES_PER_PAGE))
        return page(request, "finance/batches.html", {
            **LOOKS, "form": form, "rows": rows, "total": total,
            "projects": _projects(db_session),
            "pagination": pagination("/finance/batches", {k: form.value(k) for k in form.values}, number, pages),
        }, status=400 if form.errors else 200)

    @get("/batches/{batch_id:int}", name="finance-batch", guards=[READERS], sync_to_thread=True)
    def batch(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, batch_id: PathId,
              number: int = Parameter(query="page", default=1, ge=1, le=1_000_000)) -> Template:
        return _batch_page(request, db_session, actor, batch_id, number, Form())

    @post("/batches/{batch_id:int}/approve", name="finance-approve", guards=[ACTORS], sync_to_thread=True)
    def approve(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                batch_id: PathId) -> Template | Redirect:
        try:
            batch = approve_batch(db_session, actor, batch_id)
        except NotFound:
            raise
        except LedgerError as exc:
            db_session.rollback()
            form = Form()
            words = exc.detail
            if isinstance(exc, Forbidden):
                words = (f"You built this batch, so you cannot approve it yourself. Ask another finance officer to "
                         f"check each line and approve it. ({exc.detail})")
            form.add("approve", words)
            return _batch_page(request, db_session, actor, batch_id, 1, form, status=_failure(exc))
        return see_other(f"/finance/batches/{batch.id}",
                         notice=f"Batch {batch.reference} approved. Next: download the file for the bank.")

    @post("/batches/{batch_id:int}/export", name="finance-export", guards=[ACTORS], sync_to_thread=True,
          status_code=200)
    def export(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, batch_id: PathId,
               data: FormBody) -> Template | Response[bytes]:
        form = form_from(data)
        try:
            exporter = get_exporter(form.value("format"))
            exported = batch_export_data(db_session, mark_exported(db_session, actor, batch_id, exporter.name))
            body = b"".join(exporter.iter_chunks(exported))
        except NotFound:
            raise
        except LedgerError as exc:
            db_session.rollback()
            if form.value("format") not in EXPORTERS:
                form.add("format", "Choose a file format", anchor="format")
            else:
                form.add("format", exc.detail, anchor="format")
            return _batch_page(request, db_session, actor, batch_id, 1, form, status=_failure(exc))
        return Response(body, media_type=exporter.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{exporter.filename(exported)}"'})

    @post("/batches/{batch_id:int}/paid", name="finance-paid", guards=[ACTORS], sync_to_thread=True)
    def paid(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, batch_id: PathId,
             data: FormBody) -> Template | Redirect:
        form = form_from(data)
        status = 400
        paid_on = parse_date_input(form, "paid_on", "date the money was sent")
        if paid_on is not None:
            try:
                batch = mark_paid(db_session, actor, batch_id, paid_on)
            except NotFound:
                raise
            except LedgerError as exc:
                form.add_problems(exc, fields={"paid_on": "paid_on"}, fallback="paid_on")
                status = _failure(exc)
            else:
                return see_other(f"/finance/batches/{batch.id}",
                                 notice=f"Batch {batch.reference} marked paid on {paid_on:%-d %B %Y}. Payment advice "
                                        "goes to each person who gets e-mails.")
        db_session.rollback()
        return _batch_page(request, db_session, actor, batch_id, 1, form, status=status)

    @get("/batches/{batch_id:int}/lines/{line_id:int}/return", name="finance-return-form", guards=[ACTORS],
         sync_to_thread=True)
    def return_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, batch_id: PathId,
                    line_id: PathId) -> Template:
        return self._return_page(request, db_session, batch_id, line_id, Form())

    @post("/batches/{batch_id:int}/lines/{line_id:int}/return", name="finance-return", guards=[ACTORS],
          sync_to_thread=True)
    def return_payment(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, batch_id: PathId,
                       line_id: PathId, data: FormBody) -> Template | Redirect:
        form = form_from(data)
        try:
            line = return_line(db_session, actor, batch_id, line_id, form.value("reason"))
        except NotFound:
            raise
        except LedgerError as exc:
            form.add_problems(exc, fields={"reason": "reason"}, fallback="reason")
            db_session.rollback()
            return self._return_page(request, db_session, batch_id, line_id, form, status=_failure(exc))
        amount = Money.from_minor(line.amount_minor, line.batch.currency).display()
        return see_other(f"/finance/batches/{batch_id}",
                         notice=f"The payment of {amount} to {line.payee_name} is recorded as returned; the amount "
                                "is owed again and goes in the next batch.")

    def _return_page(self, request: Request[Any, Any, Any], session: Session, batch_id: int, line_id: int,
                     form: Form, *, status: int = 200) -> Template:
        batch = get_batch(session, batch_id)
        line = session.scalar(select(BatchLine).where(BatchLine.id == line_id, BatchLine.batch_id == batch.id))
        if line is None:
            raise NotFound(f"batch {batch.reference} has no line {line_id}")
        return page(request, "finance/return.html", {
            **LOOKS, "form": form, "batch": batch, "line": line,
            "amount": Money.from_minor(line.amount_minor, batch.currency).amount,
            "can_return": batch.status == BatchStatus.PAID and line.status == "paid",
        }, status=status)

    @get("/batches/{batch_id:int}/remittances", name="finance-remittances", guards=[READERS], sync_to_thread=True)
    def remittances(self, db_session: Session, batch_id: PathId) -> Response[bytes]:
        batch = get_batch(db_session, batch_id)
        advices = build_remittances(db_session, batch_id)
        return Response(render_remittance_zip(advices), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="advice-{batch.reference}.zip"'})

    @get("/batches/{batch_id:int}/remittances/{participant_id:int}", name="finance-remittance", guards=[READERS],
         sync_to_thread=True)
    def remittance(self, db_session: Session, batch_id: PathId, participant_id: PathId) -> Response[bytes]:
        advice = build_remittances(db_session, batch_id, participant_id)[0]
        return Response(render_remittance(advice), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{advice.file_name}"'})


PAGES: list[Any] = [FinancePages]
