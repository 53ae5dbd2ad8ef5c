"""``/approvals`` and ``/records``: decide records others recorded, and look records up.

Approve, reject and reverse call the API's services (``ledger.involvement.approval``); they refuse a lead's
own record (four eyes), a record already decided, or money in an unpaid batch, and this page says so in
plain words beside the record instead of an error page. The queue and the list come from
``ledger.involvement.record_lists`` (keyset-paged, fast with 100,000 records).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from ledger.errors import Conflict, FieldProblem, Forbidden, Invalid
from ledger.involvement.approval import approve_record, correct_record, reject_record, reverse_record
from ledger.involvement.record_lists import (
    Cursor,
    RecordFilters,
    approval_queue,
    list_record_rows,
    load_for_display,
    visible_projects,
)
from ledger.involvement.records import get_record, load_record
from ledger.involvement.schemas import CorrectionIn, RecordOut
from ledger.security.actor import Actor
from ledger.web.forms import Form, form_from
from ledger.web.pages.lead.activity_form import (
    MINUTE_FIELDS,
    FormShape,
    attendee_name,
    card_choices,
    expense_name,
    field_names,
    read_attendees,
)
from ledger.web.pages.lead.common import (
    LEADS,
    MODE_WORDS,
    STATUS_TAGS,
    STATUS_WORDS,
    FormBody,
    minutes_words,
    money,
    page_links,
    read_cursor,
    read_date,
    read_id,
    read_person,
    recorder_choices,
    token_names,
)
from ledger.web.render import page, see_other

Found = TypeVar("Found")

LOOKS = {"money": money, "minutes_words": minutes_words, "status_words": STATUS_WORDS, "status_tags": STATUS_TAGS,
         "mode_words": MODE_WORDS}


def _filters(session: Session, actor: Actor, query: dict[str, str], problems: list[FieldProblem], *,
             status: bool) -> RecordFilters:
    return RecordFilters(
        project=read_id(query, "project", problems),
        status=(query.get("status") or None) if status else None,
        participant=read_person(session, actor, query, problems),
        date_from=read_date(query, "date_from", problems),
        date_to=read_date(query, "date_to", problems),
        recorded_by=read_id(query, "recorded_by", problems),
    )


def _listed(session: Session, actor: Actor, query: dict[str, str],
            lister: Callable[[Session, Actor, RecordFilters, Cursor], Found], *,
            status: bool) -> tuple[Form, Found | None]:
    """Read the filters and the page cursor from ``query`` and list with ``lister`` (the queue or all records).

    The form comes back holding every problem at once, not only the first kind found; nothing is listed then.
    """
    problems: list[FieldProblem] = []
    filters = _filters(session, actor, query, problems, status=status)
    cursor = read_cursor(query, problems)
    problems.extend(filters.problems())
    found = None
    if not problems:
        try:
            found = lister(session, actor, filters, cursor)
        except Invalid as exc:
            problems.extend(exc.problems)
    form = form_from(query)
    form.add_problems(problems)
    return form, found


def _people(session: Session, records: list[RecordOut]) -> dict[int, Any]:
    """The participants of ``records``, loaded in one query (names and references for the page)."""
    loaded = load_for_display(session, [r.id for r in records])
    return {r.participant_id: r.participant for r in loaded.values()}


def _record_page(request: Request[Any, Any, Any], session: Session, actor: Actor, record: RecordOut, *,
                 problem: str | None = None, status: int = 200) -> Template:
    form = Form()
    if problem:
        form.add_general(problem)
    people = _people(session, [record])
    names = token_names(session, {record.recorded_by_token_id, record.decided_by_token_id,
                                  record.reversed_by_token_id})
    return page(request, "lead/record.html", {
        "form": form, "record": record, "person": people.get(record.participant), "names": names,
        "mine": actor.token_id is not None and actor.token_id == record.recorded_by_token_id, **LOOKS,
    }, status=status)


class ApprovalPages(Controller):
    path = "/approvals"
    guards = (LEADS,)

    @get("/", name="lead-approvals", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        query = dict(request.query_params)
        form, found = _listed(db_session, actor, query, approval_queue, status=False)
        names = token_names(db_session, {r.recorded_by_token_id for r in found.items}) if found else {}
        return page(request, "lead/approvals.html", {
            "form": form, "found": found, "names": names, "projects": visible_projects(db_session, actor),
            "recorders": recorder_choices(db_session, actor),
            "pagination": page_links("/approvals", query, found.newer, found.older) if found else {}, **LOOKS,
        }, status=400 if form.errors else 200)

    @post("/{record_id:int}/approve", name="lead-approve", sync_to_thread=True)
    def approve(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                record_id: int) -> Template | Redirect:
        try:
            done = approve_record(db_session, actor, record_id)
        except (Forbidden, Conflict, Invalid) as exc:
            # Refused: own record, decided already, or cannot be calculated. Say so beside the record (the
            # services refuse before writing anything, and a 4xx answer rolls the request back anyway).
            return _record_page(request, db_session, actor, get_record(db_session, actor, record_id),
                                problem=exc.detail, status=409 if isinstance(exc, Conflict) else 403
                                if isinstance(exc, Forbidden) else 400)
        total = money(done.quote.total, done.quote.currency) if done.quote else ""
        warned = " ".join(w.message for w in done.warnings or [])
        notice = f"Record {record_id} approved: {total}." + (f" {warned}" if warned else "")
        return see_other("/approvals", notice=notice)

    @get("/{record_id:int}/reject", name="lead-reject-form", sync_to_thread=True)
    def reject_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                    record_id: int) -> Template:
        record = get_record(db_session, actor, record_id)
        return _reason_page(request, db_session, record, Form(), "reject")

    @post("/{record_id:int}/reject", name="lead-reject", sync_to_thread=True)
    def reject(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, record_id: int,
               data: FormBody) -> Template | Redirect:
        refused = _decide_with_reason(request, db_session, actor, record_id, data, "reject", reject_record,
                                      "Enter why you are rejecting this record: the person who recorded it will see it")
        return refused or see_other("/approvals", notice=f"Record {record_id} rejected. The person who recorded "
                                                         "it will see your reason on their home page.")


def _decide_with_reason(request: Request[Any, Any, Any], session: Session, actor: Actor, record_id: int,
                        data: dict[str, Any], kind: str, decide: Callable[[Session, Actor, int, str], object],
                        missing: str) -> Template | None:
    """Reject or reverse a record with the reason typed: ``None`` when done, else the reason form again (400).

    An empty reason is refused with ``missing``; a refusal by the service is shown beside the reason.
    """
    form = form_from(data)
    if not form.value("reason").strip():
        form.add("reason", missing)
    else:
        try:
            decide(session, actor, record_id, form.value("reason"))
        except (Forbidden, Conflict, Invalid) as exc:
            form.add("reason", exc.detail)
    if not form.errors:
        return None
    return _reason_page(request, session, get_record(session, actor, record_id), form, kind, status=400)


def _reason_page(request: Request[Any, Any, Any], session: Session, record: RecordOut, form: Form, kind: str,
                 *, status: int = 200) -> Template:
    people = _people(session, [record])
    names = token_names(session, {record.recorded_by_token_id})
    return page(request, "lead/reason.html", {"form": form, "record": record, "kind": kind, "names": names,
                                              "person": people.get(record.participant), **LOOKS}, status=status)


class RecordPages(Controller):
    path = "/records"
    guards = (LEADS,)

    @get("/", name="lead-records", sync_to_thread=True)
    def list_records(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        query = dict(request.query_params)
        form, found = _listed(db_session, actor, query, list_record_rows, status=True)
        return page(request, "lead/records.html", {
            "form": form, "found": found, "projects": visible_projects(db_session, actor),
            "recorders": recorder_choices(db_session, actor),
            "pagination": page_links("/records", query, found.newer, found.older) if found else {}, **LOOKS,
        }, status=400 if form.errors else 200)

    @get("/{record_id:int}", name="lead-record", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, record_id: int) -> Template:
        return _record_page(request, db_session, actor, get_record(db_session, actor, record_id))

    @get("/{record_id:int}/reverse", name="lead-reverse-form", sync_to_thread=True)
    def reverse_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                     record_id: int) -> Template:
        return _reason_page(request, db_session, get_record(db_session, actor, record_id), Form(), "reverse")

    @post("/{record_id:int}/reverse", name="lead-reverse", sync_to_thread=True)
    def reverse(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, record_id: int,
                data: FormBody) -> Template | Redirect:
        load_record(db_session, record_id)  # a missing record is a 404 page, not a form error
        refused = _decide_with_reason(request, db_session, actor, record_id, data, "reverse", reverse_record,
                                      "Enter why this approved record is being reversed")
        return refused or see_other(f"/records/{record_id}", notice=f"Record {record_id} reversed. A correction "
                                                                    "can now be submitted in its place.")

    @get("/{record_id:int}/correct", name="lead-correct-form", sync_to_thread=True)
    def correct_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
                     record_id: int) -> Template:
        record = get_record(db_session, actor, record_id)
        return _correction_page(request, db_session, record, correction_values(record), status=200)

    @post("/{record_id:int}/correct", name="lead-correct", sync_to_thread=True)
    def correct(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, record_id: int,
                data: FormBody) -> Template | Redirect:
        """A corrected record in place of a rejected or reversed one (the API's ``correct_record``)."""
        record = get_record(db_session, actor, record_id)
        form = form_from(data)
        shape = FormShape.read(form.values)
        shape.rows, shape.expense_rows = 1, shape.expense_rows[:1] or [1]
        if shape.act(form.value("_action")):
            return _correction_page(request, db_session, record, form, shape=shape)
        form.values[attendee_name(0, "participant")] = str(record.participant)
        for name in field_names(shape):
            form.values.setdefault(name, "")
        problems: list[FieldProblem] = []
        rows = read_attendees(form.values, shape, problems)
        form.add_problems(problems)
        if not form.errors and rows:
            part = rows[0][1]
            try:
                created = correct_record(db_session, actor, record_id, CorrectionIn(
                    role=part.role, involvement_minutes=part.involvement_minutes,
                    preparation_minutes=part.preparation_minutes, follow_up_minutes=part.follow_up_minutes,
                    travel_minutes=part.travel_minutes, mileage=part.mileage, expenses=part.expenses,
                ))
            except (Invalid, Conflict, Forbidden) as exc:
                # The service names a correction's own fields (``involvement_minutes``); the form's boxes are
                # this one person's row. Anything else ("changes nothing") goes in the summary on its own.
                fields = {p.field: attendee_name(0, p.field) for p in exc.problems
                          if attendee_name(0, p.field) in form.values}
                form.add_problems(exc.problems or [FieldProblem("", exc.detail)], fields)
            else:
                return see_other(f"/records/{created.id}", notice=f"Correction sent as record {created.id}. A "
                                                                  "colleague approves it as usual.")
        return _correction_page(request, db_session, record, form, shape=shape, status=400)


def correction_values(record: RecordOut) -> Form:
    """The correction form, filled in with the record it corrects (so only what was wrong is changed)."""
    values = {attendee_name(0, "role"): record.role, "rows": "1",
              attendee_name(0, "expense_rows"): str(max(1, len(record.expenses)))}
    for name in ("involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes"):
        values[attendee_name(0, name)] = str(getattr(record, name))
    if record.mileage is not None:
        values.update({attendee_name(0, "mileage.vehicle"): record.mileage.vehicle,
                       attendee_name(0, "mileage.miles"): str(record.mileage.miles),
                       attendee_name(0, "mileage.passengers"): str(record.mileage.passengers)})
    for index, expense in enumerate(record.expenses):
        values.update({expense_name(0, index, "category"): expense.category,
                       expense_name(0, index, "amount"): expense.amount,
                       expense_name(0, index, "receipt"): expense.receipt or ""})
    return Form(values=values)


def _correction_page(request: Request[Any, Any, Any], session: Session, record: RecordOut, form: Form, *,
                     shape: FormShape | None = None, status: int = 200) -> Template:
    from ledger.db.models import Project
    from ledger.involvement.activities import project_card

    project = session.get(Project, record.activity.project)
    assert project is not None  # a foreign key guarantees it
    card = card_choices(project_card(project), record.activity.date)
    shape = shape or FormShape.read(form.values)
    shape.rows, shape.expense_rows = 1, shape.expense_rows[:1] or [1]
    people = _people(session, [record])
    return page(request, "lead/correct.html", {
        "form": form, "record": record, "person": people.get(record.participant), "card": card, "shape": shape,
        "minute_fields": MINUTE_FIELDS, "attendee_name": attendee_name, "expense_name": expense_name,
        "names": token_names(session, {record.recorded_by_token_id}), **LOOKS,
    }, status=status)


PAGES: list[Any] = [ApprovalPages, RecordPages]
